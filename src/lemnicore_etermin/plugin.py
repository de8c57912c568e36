"""The eTermin plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin (``lemnicore_etermin.plugin`` in ``pyproject.toml``)."""

from __future__ import annotations

from collections.abc import Callable

from lemnicore.cli.registry import CommandRegistry
from lemnicore.importing.ports import ImporterFactory
from lemnicore.plugins.markers import hookimpl
from lemnicore_etermin import cli
from lemnicore_etermin.source import EterminPlugin


@hookimpl
def lemnicore_register_importers(register: Callable[[str, ImporterFactory], None]) -> None:
    """E1: ``etermin`` — ``lemnicore import etermin`` on the shared pipeline."""
    register("etermin", EterminPlugin())


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    """G3: the ``import …`` and ``export csv-contacts`` commands."""
    cli.register(commands)
