"""Plain-text tables of free slots for the terminal (C2/A5), shared by ``slots`` and ``demo``.

A day's free slots are shown as time ranges ("08:00–09:30" = three free 30-minute slots),
because a list of twenty start times is hard to read at a glance. A day without working
time says "closed"; a day whose every slot is taken says "fully booked" — the two mean
different things to whoever is looking for an appointment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from lemnicore.scheduling.slots import Slot
from lemnicore.timekeeping import to_utc


def free_ranges(slots: Iterable[Slot]) -> list[tuple[datetime, datetime]]:
    """Consecutive free slots joined into (start, end) ranges, in order."""
    ranges: list[tuple[datetime, datetime]] = []
    for slot in sorted(s for s in slots if s.free):
        # As instants: on the October night 02:30 summer time and 02:30 winter time are
        # equal on the wall clock but an hour apart.
        if ranges and to_utc(ranges[-1][1]) == to_utc(slot.start):
            ranges[-1] = (ranges[-1][0], slot.end)
        else:
            ranges.append((slot.start, slot.end))
    return ranges


def day_line(day: date, grid: Sequence[Slot], tz: ZoneInfo) -> str:
    """One line for one day: weekday, date, number of free slots, and the free ranges."""
    todays = [s for s in grid if s.start.astimezone(tz).date() == day]
    free = [s for s in todays if s.free]
    if not todays:
        detail = "closed"
    elif not free:
        detail = "fully booked"
    else:
        detail = ", ".join(
            f"{a.astimezone(tz):%H:%M}–{b.astimezone(tz):%H:%M}" for a, b in free_ranges(free)
        )
    return f"  {day:%a %d.%m.}  {len(free):>3}  {detail}"


def week_table(title: str, days: Sequence[date], grid: Sequence[Slot], tz: ZoneInfo) -> str:
    """A titled block: one :func:`day_line` per day."""
    lines = [title, "  day          free  free times"]
    lines += [day_line(day, grid, tz) for day in days]
    return "\n".join(lines)
