"""A4/A10: who and what is taken — the checks every booking path shares, and the busy time
every slot search reads.

Inside the caller's unit of work: the room (with the buffers of every appointment type,
A10) and the practitioner (all their calendars, in every room and branch, A10).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from lemnicore.errors import OverlapError, PractitionerBusyError
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.busy import NO_BUFFER, Span, blocked_spans, buffers_of
from lemnicore.scheduling.practitioner_hours import practitioner_windows
from lemnicore.storage.ports import UnitOfWork


@attrs.frozen
class Occupancy:
    """A5/A10: busy time around a query, gathered once per unit of work."""

    room_busy: dict[str, list[Span]]
    practitioner_busy: list[Span]
    practitioner_windows: list[Span] | None
    buffers: tuple[timedelta, timedelta]


def practitioner_of(uow: UnitOfWork, calendar_id: str) -> tuple[str, list[str]]:
    """A10: the practitioner owning ``calendar_id`` and every calendar they own."""
    owner = uow.calendars.get(calendar_id).owner_id
    return owner, sorted(c.id for c in uow.calendars.all() if c.owner_id == owner)


def all_buffers(uow: UnitOfWork) -> dict[str, tuple[timedelta, timedelta]]:
    return buffers_of(uow.appointment_types.all())


def occupancy(
    uow: UnitOfWork,
    room_ids: list[str],
    calendar_id: str | None,
    start: datetime,
    end: datetime,
    *,
    type_id: str | None = None,
) -> Occupancy:
    """Busy time of ``room_ids`` and of ``calendar_id``'s practitioner in [start, end)
    (fetched a day wider, so whole working windows and buffers at the edges count)."""
    buffers = all_buffers(uow)
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    # Sorted: stores that lock what a writer reads (PostgreSQL) always lock in one order.
    room_busy = {
        r: blocked_spans(uow.appointments.busy_in_room(r, lo, hi), buffers)
        for r in sorted(room_ids)
    }
    p_busy: list[Span] = []
    p_windows: list[Span] | None = None
    if calendar_id is not None:
        practitioner_id, calendars = practitioner_of(uow, calendar_id)
        p_busy = blocked_spans(uow.appointments.busy_of_calendars(calendars, lo, hi))
        hours = [h for h in uow.practitioner_hours.all() if h.practitioner_id == practitioner_id]
        p_windows = practitioner_windows(hours, lo, hi)
    own = buffers.get(type_id, NO_BUFFER) if type_id is not None else NO_BUFFER
    return Occupancy(room_busy, p_busy, p_windows, own)


def room_clashes(uow: UnitOfWork, appointment: Appointment) -> list[str]:
    """A4/A10: ids of active appointments in the room whose time *or buffers* overlap this
    appointment with its own buffers."""
    buffers = all_buffers(uow)
    widest = max((max(b) for b in buffers.values()), default=timedelta(0))
    before, after = buffers.get(appointment.type_id, NO_BUFFER)
    mine = (appointment.start - before, appointment.end + after)
    found = uow.appointments.busy_in_room(appointment.room_id, mine[0] - widest, mine[1] + widest)
    clashes: list[str] = []
    for b in found:
        if b.appointment_id == appointment.id:
            continue
        b_before, b_after = buffers.get(b.type_id, NO_BUFFER)
        if b.start - b_before < mine[1] and mine[0] < b.end + b_after:
            clashes.append(b.appointment_id)
    return clashes


def practitioner_clashes(uow: UnitOfWork, appointment: Appointment) -> PractitionerBusyError | None:
    """A10: the practitioner's active appointments in *other* rooms overlapping this one
    (same-room overlaps are A4's business), as the error to raise, or ``None``."""
    practitioner_id, calendars = practitioner_of(uow, appointment.calendar_id)
    others = [
        b
        for b in uow.appointments.busy_of_calendars(calendars, appointment.start, appointment.end)
        if b.appointment_id != appointment.id and b.room_id != appointment.room_id
    ]
    if not others:
        return None
    return PractitionerBusyError(
        practitioner_id, [b.appointment_id for b in others], [b.room_id for b in others]
    )


def check_place(
    uow: UnitOfWork, appointment: Appointment, *, allow_double_booking: bool = False
) -> Appointment:
    """A4/A10: raise unless the room and the practitioner are free for ``appointment``;
    with ``allow_double_booking`` return it marked ``double_booked`` instead."""
    if not appointment.blocks_room:
        return appointment
    clashes = room_clashes(uow, appointment)
    if clashes and not allow_double_booking:
        raise OverlapError(appointment.room_id, clashes)
    busy_elsewhere = practitioner_clashes(uow, appointment)
    if busy_elsewhere is not None and not allow_double_booking:
        raise busy_elsewhere
    return attrs.evolve(appointment, double_booked=bool(clashes) or busy_elsewhere is not None)


__all__ = ["Occupancy", "check_place", "occupancy", "practitioner_of", "room_clashes"]
