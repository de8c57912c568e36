"""E1/E4: the importer port — what a source system's plugin supplies to the pipeline.

An importer supplies *reading* (:meth:`Importer.fetch`) and *mapping*
(:meth:`Importer.plan`, source records → an :class:`~lemnicore.importing.plan.ImportPlan`);
the pipeline (:mod:`lemnicore.importing.pipeline`) gives every importer the same dry run,
report, batched and resumable commit, reset, progress and command line. A plugin registers
an :class:`ImporterPlugin` under a name through the ``lemnicore_register_importers`` hook;
``lemnicore import NAME`` then exists with the pipeline's options and the plugin's own.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lemnicore.importing.pipeline import ImportTarget
    from lemnicore.importing.plan import ImportPlan

Progress = Callable[[int, int], None]
"""Called with (records done, records in total) while a phase runs (E6)."""

DEFAULT_BATCH_SIZE = 10_000
"""E4/E6: records per transaction of a commit. Each commit syncs the WAL to disk; 10 000
records (a few MB) keep a 100 000-appointment import to a dozen of them, while a crash
still loses at most one batch, which the next run adds (resumable, E4)."""


class Importer(Protocol):
    """One run's source of clients and appointments (E1): reads, then maps."""

    @property
    def name(self) -> str:
        """Short name of the source, e.g. ``"etermin"``; the import runs carry it."""

    def list_calendars(self) -> list[Mapping[str, Any]]:
        """E1: the source's calendars (``id`` and ``name`` at least), for the mapping."""

    def fetch(self, progress: Progress, *, today: date) -> Any:
        """Read everything the import needs (the window is relative to ``today``); report
        records read / records expected."""

    def plan(
        self,
        fetched: Any,
        *,
        import_id: str | None,
        today: date,
        now: datetime,
        progress: Progress,
    ) -> ImportPlan:
        """Map what :meth:`fetch` returned to lemnicore values, validating every record
        (E3). Pure: no I/O, no clock (``today``/``now`` are given)."""

    def close(self) -> None:
        """Release connections; forget credentials."""


class ImporterPlugin(Protocol):
    """What a plugin registers under a name (E1): how to build its importer for a run.

    ``configure`` adds the importer's own command-line options (keys, files, calendar
    mappings); the pipeline adds ``--store``, ``--dry-run``, the window, the notification
    options and ``--report-json`` itself. ``open`` builds the importer from the parsed
    options and the practice it imports into.

    A plugin whose source has no appointments (CSV contacts, E7) sets ``uses_window =
    False``: its command then offers neither the window (``--from``/``--to``), the
    notification options (``--confirmations``, ``--reminders-from``) nor
    ``--list-calendars``. Without the attribute they are offered.
    """

    help: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def open(self, args: argparse.Namespace, target: ImportTarget) -> Importer: ...


ImporterFactory = ImporterPlugin
"""What ``register(name, …)`` takes in the ``lemnicore_register_importers`` hook."""
