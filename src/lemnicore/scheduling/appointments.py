"""A1/A3: appointments and their statuses."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from lemnicore._validators import (
    MAX_NAME,
    aware,
    count_from_zero,
    flag,
    instant,
    non_empty,
    optional_aware,
    optional_instant,
    text,
)
from lemnicore.errors import InvalidTransitionError, ValidationError
from lemnicore.scheduling.intervals import Interval


class AppointmentStatus(enum.StrEnum):
    """A3. Cancelled (storniert) and no-show (geplatzt) never block a room."""

    PROPOSED = "proposed"
    BOOKED = "booked"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    COMPLETED = "completed"

    @property
    def blocks_room(self) -> bool:
        return self not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


ACTIVE_STATUSES = frozenset(s for s in AppointmentStatus if s.blocks_room)
"""A3/A4: the statuses in which an appointment holds its room (all but cancelled and no-show)."""

# Which status may follow which (A3). A cancelled appointment is final: re-booking the
# client is a new appointment, so the audit trail stays readable.
_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.PROPOSED: frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED}),
    AppointmentStatus.BOOKED: frozenset(
        {AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.COMPLETED}
    ),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.BOOKED}),
    AppointmentStatus.COMPLETED: frozenset({AppointmentStatus.BOOKED}),
    AppointmentStatus.CANCELLED: frozenset(),
}


def _status(value: object) -> object:
    """attrs converter: a status value such as ``"booked"`` becomes its
    :class:`AppointmentStatus`; anything else passes on for the validator to name."""
    if isinstance(value, str) and not isinstance(value, AppointmentStatus):
        try:
            return AppointmentStatus(value)
        except ValueError:
            return value
    return value


def _is_status(instance: Appointment, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, AppointmentStatus):
        allowed = ", ".join(s.value for s in AppointmentStatus)
        raise ValidationError(
            "status",
            f"must be one of {allowed}, got {value!r}",
            record=f"Appointment {instance.id!r}",
        )


def _end_after_start(
    instance: Appointment, attribute: attrs.Attribute[datetime], value: datetime
) -> None:
    aware(instance, attribute, value)
    if value <= instance.start:
        raise ValidationError(
            "end",
            f"must be after start ({instance.start.isoformat()}), got {value.isoformat()}",
            record=f"Appointment {instance.id!r}",
        )


@attrs.frozen
class Appointment:
    """One appointment in a calendar and a room.

    ``sequence`` starts at 0 and grows with every significant reschedule (A6): it is the
    iCalendar SEQUENCE (D11) and part of every notification key, so a moved appointment is
    confirmed and reminded again (D9). ``double_booked`` marks an overlap that was allowed
    explicitly (A4). ``external_id`` and ``import_id`` come from a data takeover (E4).
    ``series_id`` ties the appointments of one prescription together (A9).

    ``start``, ``end`` and ``created_at`` are kept in UTC whatever zone they were given in,
    so appointments compare as real time across DST (see :func:`~lemnicore._validators.instant`);
    show them with ``.astimezone(branch zone)``.
    """

    id: str = attrs.field(validator=non_empty)
    calendar_id: str = attrs.field(validator=non_empty)
    room_id: str = attrs.field(validator=non_empty)
    start: datetime = attrs.field(converter=instant, validator=aware)
    end: datetime = attrs.field(converter=instant, validator=_end_after_start)
    type_id: str = attrs.field(validator=non_empty)
    status: AppointmentStatus = attrs.field(
        default=AppointmentStatus.BOOKED, converter=_status, validator=_is_status
    )
    client_id: str | None = attrs.field(default=None, validator=text(MAX_NAME, optional=True))
    comment: str = attrs.field(default="", validator=text())
    is_group: bool = attrs.field(default=False, validator=flag)
    sequence: int = attrs.field(default=0, validator=count_from_zero)
    double_booked: bool = attrs.field(default=False, validator=flag)
    created_at: datetime | None = attrs.field(
        default=None, converter=optional_instant, validator=optional_aware
    )
    external_id: str | None = attrs.field(default=None, validator=text(MAX_NAME, optional=True))
    import_id: str | None = attrs.field(default=None, validator=text(MAX_NAME, optional=True))
    series_id: str | None = attrs.field(default=None, validator=text(MAX_NAME, optional=True))
    """A9: the series (prescription) this appointment belongs to, if any."""

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)

    @property
    def blocks_room(self) -> bool:
        return self.status.blocks_room

    def with_status(self, status: AppointmentStatus) -> Appointment:
        """This appointment in ``status``, if A3 allows the step."""
        if status not in _TRANSITIONS[self.status]:
            raise InvalidTransitionError(self.id, self.status.value, status.value)
        return attrs.evolve(self, status=status)
