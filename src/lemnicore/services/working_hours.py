"""A5/A10: setting when rooms are open and practitioners work — each change replaces the
previous hours as a whole and is audited with before and after (B3).

A room's working times are wall-clock times of the room's branch (A5: Lisbon hours for a
Lisbon branch); a practitioner's are wall-clock times of their own zone (A10: the branch of
their calendar, else the organisation's), so 08:00 stays 08:00 local across the DST
Sundays. Only the organisation's administration may change them (B1, the ``administration``
scope); the practice itself may read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from lemnicore.access.actors import Actor
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.clock import Clock
from lemnicore.errors import ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.availability import Availability, WorkingTime, require_separate
from lemnicore.scheduling.practice import Practitioner, Room
from lemnicore.scheduling.practitioner_hours import PractitionerHours
from lemnicore.services.booking import record
from lemnicore.services.lookup import organisation_id_of_room, room_time_zone
from lemnicore.storage.ports import Store, UnitOfWork


def describe_working_time(working_time: WorkingTime) -> dict[str, Any]:
    """One working time as JSON-compatible facts (audit entries, ``setup show --json``)."""
    described: dict[str, Any] = {
        "weekdays": sorted(working_time.weekdays),
        "start": working_time.start.strftime("%H:%M"),
        "end": working_time.end.strftime("%H:%M"),
    }
    if working_time.valid_from != date.min:
        described["valid_from"] = working_time.valid_from.isoformat()
    if working_time.valid_until is not None:
        described["valid_until"] = working_time.valid_until.isoformat()
    return described


def describe_hours(hours: PractitionerHours | Availability) -> dict[str, Any]:
    """A practitioner's hours or a room's availability as JSON-compatible facts (B3)."""
    described: dict[str, Any] = {
        "id": hours.id,
        "working_times": [describe_working_time(w) for w in hours.working_times],
        "time_zone": hours.time_zone,
        "closed_days": sorted(d.isoformat() for d in hours.closed_days),
        "holiday_region": hours.holiday_region,
    }
    if isinstance(hours, Availability):
        described["slot_minutes"] = hours.slot_length // timedelta(minutes=1)
    return described


def _practitioner(uow: UnitOfWork, practitioner_id: str) -> Practitioner:
    found = uow.practitioners.find(practitioner_id)
    if found is None:
        raise ValidationError("practitioner_id", f"no such practitioner {practitioner_id!r}")
    return found


def _room(uow: UnitOfWork, room_id: str) -> Room:
    found = uow.rooms.find(room_id)
    if found is None:
        raise ValidationError("room_id", f"no such room {room_id!r}")
    return found


def _own_zone(uow: UnitOfWork, practitioner: Practitioner) -> str:
    """A10: the zone of the practitioner's calendar's branch, else the organisation's."""
    for calendar in sorted(uow.calendars.all(), key=lambda c: c.id):
        if calendar.owner_id == practitioner.id and calendar.branch_id is not None:
            branch = uow.branches.find(calendar.branch_id)
            if branch is not None:
                return branch.time_zone
    return uow.organisations.get(practitioner.organisation_id).time_zone


def _windows(working_times: Iterable[WorkingTime]) -> tuple[WorkingTime, ...]:
    windows = tuple(working_times)
    if not windows:
        raise ValidationError("working_times", "needs at least one window")
    require_separate(windows)
    return windows


class WorkingHours:
    """A5/A10: a room's opening hours and a practitioner's own working times."""

    def __init__(self, store: Store, clock: Clock, *, new_id: IdFactory = new_id) -> None:
        self.store = store
        self.clock = clock
        self._new_id = new_id

    def set_practitioner_hours(
        self,
        actor: Actor,
        practitioner_id: str,
        working_times: Iterable[WorkingTime],
        *,
        time_zone: str | None = None,
        closed_days: Iterable[date] = (),
        holiday_region: str | None = None,
    ) -> PractitionerHours:
        """A10: the weekly working times of ``practitioner_id``, replacing any before.

        They are wall-clock times of ``time_zone`` — by default the practitioner's own
        zone (their calendar's branch, else the organisation's). Overlapping windows on one
        weekday or a window ending before it starts are a :class:`ValidationError` naming
        the field; nothing is changed then.
        """
        windows = _windows(working_times)
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            practitioner = _practitioner(uow, practitioner_id)
            AccessGateway(uow, actor).organisation(
                "WorkingHours.set_practitioner_hours", practitioner.organisation_id
            )
            previous = sorted(
                (h for h in uow.practitioner_hours.all() if h.practitioner_id == practitioner_id),
                key=lambda h: h.id,
            )
            hours = PractitionerHours(
                id=self._new_id(),
                practitioner_id=practitioner_id,
                working_times=windows,
                time_zone=time_zone or _own_zone(uow, practitioner),
                closed_days=frozenset(closed_days),
                holiday_region=holiday_region,
            )
            for old in previous:
                uow.practitioner_hours.remove(old.id)
            uow.practitioner_hours.put(hours)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.PRACTITIONER_HOURS_SET,
                new_id=self._new_id,
                subject_id=practitioner_id,
                before={"hours": [describe_hours(h) for h in previous]},
                after={"hours": [describe_hours(hours)]},
            )
            uow.commit()
        return hours

    def set_room_hours(
        self,
        actor: Actor,
        room_id: str,
        working_times: Iterable[WorkingTime],
        *,
        slot_length: timedelta = timedelta(minutes=30),
        closed_days: Iterable[date] = (),
        holiday_region: str | None = None,
        time_zone: str | None = None,
    ) -> Availability:
        """A5: when ``room_id`` can be booked, replacing its working times before.

        The times are wall-clock times of the room's branch unless ``time_zone`` names
        another zone. Availabilities kept for one practitioner's calendar only are left
        as they are. Errors as in :meth:`set_practitioner_hours`; a room of another
        organisation is an :class:`~lemnicore.AccessDeniedError`.
        """
        windows = _windows(working_times)
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            room = _room(uow, room_id)
            AccessGateway(uow, actor).organisation(
                "WorkingHours.set_room_hours", organisation_id_of_room(uow, room)
            )
            previous = sorted(
                (
                    a
                    for a in uow.availabilities.all()
                    if a.room_id == room_id and a.calendar_id is None
                ),
                key=lambda a: a.id,
            )
            availability = Availability(
                id=self._new_id(),
                room_id=room_id,
                working_times=windows,
                slot_length=slot_length,
                time_zone=time_zone,
                closed_days=frozenset(closed_days),
                holiday_region=holiday_region,
            )
            for old in previous:
                uow.availabilities.remove(old.id)
            uow.availabilities.put(availability)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.ROOM_HOURS_SET,
                new_id=self._new_id,
                subject_id=room_id,
                before={"hours": [describe_hours(a) for a in previous]},
                after={"hours": [describe_hours(availability)]},
            )
            uow.commit()
        return availability

    def practitioner_hours(self, actor: Actor, practitioner_id: str) -> list[PractitionerHours]:
        """A10: the working times ``practitioner_id`` keeps (empty: bound only by rooms)."""
        with self.store.unit_of_work(write=False) as uow:
            practitioner = _practitioner(uow, practitioner_id)
            AccessGateway(uow, actor).organisation(
                "WorkingHours.practitioner_hours", practitioner.organisation_id
            )
            return sorted(
                (h for h in uow.practitioner_hours.all() if h.practitioner_id == practitioner_id),
                key=lambda h: h.id,
            )

    def room_hours(self, actor: Actor, room_id: str) -> list[Availability]:
        """A5: the room's availabilities, each read in the zone it applies in."""
        with self.store.unit_of_work(write=False) as uow:
            room = _room(uow, room_id)
            AccessGateway(uow, actor).organisation(
                "WorkingHours.room_hours", organisation_id_of_room(uow, room)
            )
            zone_name = room_time_zone(uow, room_id)
            return sorted(
                (
                    a.in_branch_zone(zone_name)
                    for a in uow.availabilities.all()
                    if a.room_id == room_id
                ),
                key=lambda a: a.id,
            )


__all__ = ["WorkingHours", "describe_hours", "describe_working_time"]
