"""E8: the ``.ics`` importer registers like any third-party importer."""

from __future__ import annotations

from collections.abc import Callable

from lemnicore.importing.ical.importer import IcsPlugin
from lemnicore.importing.ports import ImporterFactory
from lemnicore.plugins.markers import hookimpl


@hookimpl
def lemnicore_register_importers(register: Callable[[str, ImporterFactory], None]) -> None:
    """E8: ``ics`` — ``lemnicore import ics FILE=ROOM …``."""
    register("ics", IcsPlugin())
