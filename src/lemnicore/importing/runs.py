"""E4/E5, D16/D17: the bookkeeping of one data takeover — an :class:`ImportRun`.

Every client and appointment an import creates carries the run's id (``import_id``), so
the run can be reset later (E5). The run also records the notification options the user
chose for the imported appointments (D16 confirmations, D17 reminders), which the
notification planner reads through ``appointment.import_id``. Nothing here is specific to
one source system.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from lemnicore._validators import aware, non_empty, optional_aware
from lemnicore.errors import ValidationError


class ImportedConfirmations(enum.StrEnum):
    """D16: "none", or "confirm imported appointments in the future"."""

    NONE = "none"
    CONFIRM_FUTURE = "confirm_future"


CONFIRMATIONS_NONE = ImportedConfirmations.NONE
"""D16: imported appointments are never confirmed, not even after a later change."""

CONFIRMATIONS_FUTURE = ImportedConfirmations.CONFIRM_FUTURE
"""D16: imported appointments in the future are confirmed (still subject to D4/D18)."""

RUN_STATUSES = ("dry_run", "running", "committed", "reset")
"""``dry_run``: validated only (E3); ``running``: batches are being written (or the run was
interrupted and can be resumed); ``committed``: complete; ``reset``: removed again (E5)."""


def _one_of(*allowed: str) -> Any:
    def check(instance: ImportRun, attribute: attrs.Attribute[Any], value: str) -> None:
        if value not in allowed:
            raise ValidationError(
                attribute.name,
                f"must be one of {', '.join(allowed)}, got {value!r}",
                record=f"ImportRun {instance.id!r}",
            )

    return check


def _confirmations(value: str) -> ImportedConfirmations:
    try:
        return ImportedConfirmations(value)
    except ValueError:
        allowed = ", ".join(c.value for c in ImportedConfirmations)
        raise ValidationError("confirmations", f"must be one of {allowed}, got {value!r}") from None


def _counts(value: Mapping[str, int]) -> dict[str, int]:
    return {str(k): int(v) for k, v in value.items()}


@attrs.frozen
class ImportRun:
    """One run of an importer (E4), with its options (D16, D17) and its counts.

    ``window_from``/``window_to`` are the local dates of the import window (inclusive), if
    the source has one. ``counts`` holds what the run did, e.g. ``clients_created``.
    """

    id: str = attrs.field(validator=non_empty)
    source: str = attrs.field(validator=non_empty)
    started_at: datetime = attrs.field(validator=aware)
    finished_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    window_from: date | None = None
    window_to: date | None = None
    confirmations: ImportedConfirmations = attrs.field(
        default=ImportedConfirmations.NONE, converter=_confirmations
    )
    reminders_from: date | None = None
    counts: dict[str, int] = attrs.field(factory=dict, converter=_counts)
    status: str = attrs.field(default="running", validator=_one_of(*RUN_STATUSES))

    @property
    def sends_confirmations(self) -> bool:
        """D16: whether future imported appointments may be confirmed at all."""
        return self.confirmations == CONFIRMATIONS_FUTURE

    def reminders_allowed_for(self, day: date) -> bool:
        """D17: whether an imported appointment on local ``day`` may be reminded at all."""
        return self.reminders_from is not None and day >= self.reminders_from
