"""E1: the importer port — data takeover from another booking system."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol


class Importer(Protocol):
    """A source of clients and appointments that can be taken over (E1).

    Concrete importers (eTermin) define their own options and reports; the common surface
    lets the CLI and apps list the source's calendars for selection.
    """

    @property
    def name(self) -> str:
        """Short name, e.g. ``"etermin"``."""

    def list_calendars(self) -> list[Mapping[str, Any]]:
        """The source's calendars (id and name at least), for the calendar → room mapping."""

    def close(self) -> None:
        """Release connections; forget credentials."""


ImporterFactory = Callable[..., Importer]
"""Builds an importer from its connection options (keys, base URL)."""
