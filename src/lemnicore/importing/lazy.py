"""G5: an importer plugin named by where it lives, imported when its command is used.

``lemnicore --help`` lists ``import etermin`` and ``import ics`` without importing httpx or
icalendar: the plugin registers a :class:`LazyImporterPlugin`, whose ``configure`` and
``open`` import the real :class:`~lemnicore.importing.ports.ImporterPlugin` first.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lemnicore.importing.pipeline import ImportTarget
    from lemnicore.importing.ports import Importer, ImporterPlugin


class LazyImporterPlugin:
    """An :class:`~lemnicore.importing.ports.ImporterPlugin` at ``"module:ClassName"``,
    built (without arguments) the first time it is configured or opened (G5)."""

    def __init__(self, target: str, *, help: str, uses_window: bool = True) -> None:
        self.target = target
        self.help = help
        self.uses_window = uses_window
        """Whether the pipeline offers the window and notification options (see
        :class:`~lemnicore.importing.ports.ImporterPlugin`); known without importing."""
        self._plugin: ImporterPlugin | None = None

    def __repr__(self) -> str:
        return f"LazyImporterPlugin({self.target!r})"

    def load(self) -> ImporterPlugin:
        """The real plugin, imported on first use."""
        if self._plugin is None:
            module, _, name = self.target.partition(":")
            self._plugin = getattr(importlib.import_module(module), name)()
        return self._plugin

    def configure(self, parser: argparse.ArgumentParser) -> None:
        self.load().configure(parser)

    def open(self, args: argparse.Namespace, target: ImportTarget) -> Importer:
        return self.load().open(args, target)
