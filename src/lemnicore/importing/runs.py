"""E4/D16–D18: the record of one import run and the notification options chosen for it.

Every appointment a takeover creates carries the run's ``import_id``; the notification
planner looks the run up to learn whether imported appointments may be confirmed (D16)
and from which date they may be reminded (D17). Both options still obey the client's
consent (D18). Importers (eTermin, CSV) store one :class:`ImportRun` per real import and
may add fields with defaults.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import attrs

from lemnicore._validators import aware, non_empty
from lemnicore.errors import ValidationError


class ImportedConfirmations(enum.StrEnum):
    """D16: "none", or "confirm imported appointments in the future"."""

    NONE = "none"
    CONFIRM_FUTURE = "confirm_future"


def _reminders_from(
    instance: ImportNotificationOptions, attribute: attrs.Attribute[Any], value: date | None
) -> None:
    if value is not None and not isinstance(value, date):
        raise ValidationError(
            "reminders_from", f"must be a date or None, got {type(value).__name__}"
        )


@attrs.frozen
class ImportNotificationOptions:
    """D16/D17 as chosen when an import is started.

    ``confirmations``: :attr:`ImportedConfirmations.NONE` (never confirm imported
    appointments, not even after a later change) or ``CONFIRM_FUTURE``.
    ``reminders_from``: ``None`` sends no reminders for imported appointments; a date X
    reminds imported appointments on or after X (local date of the appointment).
    The safe default sends nothing — what the source recommends for a test import.
    """

    confirmations: ImportedConfirmations = attrs.field(
        default=ImportedConfirmations.NONE, converter=ImportedConfirmations
    )
    reminders_from: date | None = attrs.field(default=None, validator=_reminders_from)

    @classmethod
    def send_nothing(cls) -> ImportNotificationOptions:
        return cls()


@attrs.frozen
class ImportRun:
    """One import (E4): which source, when, and its notification options (D16/D17)."""

    id: str = attrs.field(validator=non_empty)
    source: str = attrs.field(validator=non_empty)
    started_at: datetime = attrs.field(validator=aware)
    notifications: ImportNotificationOptions = ImportNotificationOptions()
    dry_run: bool = False
    finished_at: datetime | None = None
