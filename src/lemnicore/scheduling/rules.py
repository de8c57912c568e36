"""Pure scheduling rules: conflicts (A4) and significant reschedules (A6)."""

from __future__ import annotations

from collections.abc import Iterable

from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.intervals import Interval


def conflicts(
    candidate: Appointment | Interval, room_id: str, existing: Iterable[Appointment]
) -> list[Appointment]:
    """A4: the active appointments in ``room_id`` that overlap ``candidate``.

    Half-open intervals: back-to-back appointments do not conflict. Cancelled and no-show
    appointments never block a room (A3). The candidate itself (same id) is ignored, so the
    rule serves for moves as well as new bookings.
    """
    interval = candidate.interval if isinstance(candidate, Appointment) else candidate
    own_id = candidate.id if isinstance(candidate, Appointment) else None
    return sorted(
        (
            a
            for a in existing
            if a.room_id == room_id
            and a.id != own_id
            and a.blocks_room
            and a.interval.overlaps(interval)
        ),
        key=lambda a: (a.start, a.id),
    )


def is_significant_reschedule(before: Appointment, after: Appointment) -> bool:
    """A6: a change of date or start time is significant; room, type or comment are not.

    A new end alone (a longer session) does not move the appointment either: the client
    still comes at the same time, so no new confirmation is due.
    """
    return before.start != after.start


def overlapping_pairs(appointments: Iterable[Appointment]) -> list[tuple[Appointment, Appointment]]:
    """A4/A8: every pair of active appointments sharing a room and a moment.

    Sweeps per room in start order, so a whole calendar is checked in O(n log n + pairs).
    """
    by_room: dict[str, list[Appointment]] = {}
    for a in appointments:
        if a.blocks_room:
            by_room.setdefault(a.room_id, []).append(a)
    pairs: list[tuple[Appointment, Appointment]] = []
    for room_appointments in by_room.values():
        room_appointments.sort(key=lambda a: (a.start, a.id))
        open_: list[Appointment] = []
        for a in room_appointments:
            open_ = [o for o in open_ if o.end > a.start]
            pairs.extend((o, a) for o in open_)
            open_.append(a)
    return pairs
