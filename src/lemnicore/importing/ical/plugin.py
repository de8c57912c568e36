"""E8: the ``.ics`` importer registers like any third-party importer.

Registering imports nothing of the importer (G5): icalendar loads when ``lemnicore import
ics`` is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lemnicore.importing.lazy import LazyImporterPlugin
from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.importing.ports import ImporterFactory


@hookimpl
def lemnicore_register_importers(register: Callable[[str, ImporterFactory], None]) -> None:
    """E8: ``ics`` — ``lemnicore import ics FILE=ROOM …``."""
    register(
        "ics",
        LazyImporterPlugin(
            "lemnicore.importing.ical.importer:IcsPlugin",
            help="import appointments from .ics calendar files, one room per file (E8)",
        ),
    )
