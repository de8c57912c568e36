"""C2: the public week view — free and taken slots of one released room, week by week.

Pure: the service gathers availabilities, busy time and holds; this module lays the grid.
Taken slots carry no detail about who or why (the source's "x").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

import attrs

from lemnicore.online.releases import SlotHold
from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.busy import NO_BUFFER, BusyInterval, Span
from lemnicore.scheduling.intervals import Interval
from lemnicore.scheduling.slots import Slot, slot_grid
from lemnicore.timekeeping import local_datetime, to_utc, zone


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date, time_zone: str) -> tuple[datetime, datetime]:
    """Local midnight of Monday to local midnight of the next Monday (167–169 hours
    across a DST change)."""
    tz = zone(time_zone)
    return local_datetime(monday, time(0), tz), local_datetime(monday + timedelta(7), time(0), tz)


def offered_slots(
    availabilities: Iterable[Availability],
    busy: Iterable[Interval | BusyInterval | Span],
    holds: Iterable[SlotHold],
    start: datetime,
    end: datetime,
    now: datetime,
    *,
    own_hold_id: str | None = None,
    practitioner: Sequence[Span] | None = None,
    buffers: tuple[timedelta, timedelta] = NO_BUFFER,
) -> list[Slot]:
    """C2/C4: the grid of [start, end): a slot is free only if no busy time and no active
    hold of somebody else overlaps it and it has not begun yet — and (A10) it lies in the
    ``practitioner``'s working windows and its type's ``buffers`` stay clear of busy time."""
    # In UTC: a clock in the room's zone would compare with the slots by wall clock, and
    # 02:30 summer time would not yet have begun at 02:10 winter time (A5).
    now = to_utc(now)
    blocked: list[Interval | BusyInterval | Span] = list(busy)
    blocked += [h.interval for h in holds if h.is_active(now) and h.id != own_hold_id]
    slots: set[Slot] = set()
    for availability in availabilities:
        slots.update(
            slot_grid(availability, blocked, start, end, practitioner=practitioner, buffers=buffers)
        )
    return sorted(
        (attrs.evolve(s, free=False) if s.start < now and s.free else s for s in slots),
        key=_slot_key,
    )


def _slot_key(slot: Slot) -> tuple[datetime, datetime, bool]:
    # In UTC: datetimes of one zone compare by wall clock, which would interleave the two
    # 02:00–03:00 hours of the October night (A5).
    return slot.start.astimezone(UTC), slot.end.astimezone(UTC), slot.free


@attrs.frozen
class DayView:
    """C2: one day of a :class:`WeekView` — its slots, free or taken."""

    day: date
    slots: tuple[Slot, ...]


@attrs.frozen
class WeekView:
    """C2: one week of a released room; navigate with :attr:`previous_week` / :attr:`next_week`."""

    token: str
    room_name: str
    week_start: date
    time_zone: str
    days: tuple[DayView, ...]

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=7)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=7)

    @property
    def slots(self) -> list[Slot]:
        return [s for d in self.days for s in d.slots]

    @property
    def free_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.free]

    @classmethod
    def of(
        cls, token: str, room_name: str, monday: date, time_zone: str, slots: Iterable[Slot]
    ) -> WeekView:
        tz = zone(time_zone)
        by_day: dict[date, list[Slot]] = {monday + timedelta(n): [] for n in range(7)}
        for s in slots:
            by_day.setdefault(s.start.astimezone(tz).date(), []).append(s)
        days = tuple(DayView(d, tuple(by_day[d])) for d in sorted(by_day))
        return cls(token, room_name, monday, time_zone, days)
