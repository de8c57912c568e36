"""A7: calendar communities (Kalendergemeinschaft) and what members see of each other."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import attrs

from lemnicore._validators import instant, non_empty, to_frozenset
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.intervals import Interval


@attrs.frozen
class CalendarCommunity:
    """Several accounts' calendars linked so that shared rooms show each other's busy time.

    A calendar joins when its owner accepts an invitation (``invited_calendar_ids``).
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    calendar_ids: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    room_ids: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    invited_calendar_ids: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    """Calendars invited but not yet accepted by their owner: they see nothing yet."""


@attrs.frozen(order=True)
class BusyTime:
    """A7: all a community member learns of another member's appointment.

    Deliberately no client, type, comment or status: only that the room is taken then.
    """

    room_id: str
    start: datetime = attrs.field(converter=instant)
    end: datetime = attrs.field(converter=instant)

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


def busy_times(appointments: Iterable[Appointment]) -> list[BusyTime]:
    """The busy intervals of active appointments, stripped of every personal detail (A7)."""
    return sorted(BusyTime(a.room_id, a.start, a.end) for a in appointments if a.blocks_room)


def community_view(
    community: CalendarCommunity, viewer_calendar_id: str, appointments: Iterable[Appointment]
) -> tuple[list[Appointment], list[BusyTime]]:
    """A7: what the owner of ``viewer_calendar_id`` sees of the community's shared rooms.

    Returns the viewer's own appointments in full and everybody else's as :class:`BusyTime`.
    """
    own: list[Appointment] = []
    others: list[Appointment] = []
    for a in appointments:
        if a.room_id not in community.room_ids:
            continue
        if a.calendar_id == viewer_calendar_id:
            own.append(a)
        elif a.calendar_id in community.calendar_ids or a.blocks_room:
            others.append(a)
    return sorted(own, key=lambda a: (a.start, a.id)), busy_times(others)
