"""The eTermin plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin (``lemnicore_etermin.plugin`` in ``pyproject.toml``).

Registering does not import httpx (G5): the importer (:class:`~lemnicore_etermin.source.
EterminPlugin`) and the commands import their modules when used; without the ``etermin``
extra the plugin is left out with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lemnicore.importing.lazy import LazyImporterPlugin
from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.cli.registry import CommandRegistry
    from lemnicore.importing.ports import ImporterFactory

REQUIRES = {"httpx": "lemnicore[etermin]"}
"""G5: what this plugin needs; the plugin manager leaves it out when it is missing."""


@hookimpl
def lemnicore_register_importers(register: Callable[[str, ImporterFactory], None]) -> None:
    """E1/E7: ``etermin`` and ``csv-contacts`` — ``lemnicore import etermin`` and
    ``lemnicore import csv-contacts`` on the shared pipeline."""
    register(
        "etermin",
        LazyImporterPlugin(
            "lemnicore_etermin.source:EterminPlugin", help="take over an eTermin account (E1-E6)"
        ),
    )
    register(
        "csv-contacts",
        LazyImporterPlugin(
            "lemnicore_etermin.csv_contacts:CsvContactsPlugin",
            help="import contacts from a CSV file (E7)",
            uses_window=False,
        ),
    )


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    """G3: the ``export csv-contacts`` command."""
    from lemnicore_etermin import cli

    cli.register(commands)
