"""A5: free slots — working time minus busy time, cut into slots of the slot length."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import UTC, datetime

import attrs

from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.intervals import Interval, merge
from lemnicore.timekeeping import require_aware, to_utc, zone


@attrs.frozen(order=True)
class Slot:
    """One slot of the grid; ``free`` is False where busy time overlaps it (C2's "x")."""

    # Shown in the availability's zone, but compared, hashed and sorted as instants: the
    # repeated hour of the October night has two slots that both read 02:00 (A5).
    start: datetime = attrs.field(eq=to_utc, order=to_utc)
    end: datetime = attrs.field(eq=to_utc, order=to_utc)
    free: bool = True

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)


def slot_grid(
    availability: Availability, busy: Iterable[Interval], start: datetime, end: datetime
) -> list[Slot]:
    """A5/C2: every slot of the working time that lies within [start, end), free or taken.

    Slots are laid from the start of each working window in elapsed time (so a window on a
    DST day holds as many slots as it has real hours) and a slot that would cross the
    window's end is dropped: slots never cross a working-time edge. A slot is taken if any
    busy interval overlaps it (half-open, so an appointment ending 10:00 leaves 10:00 free).
    Times are returned in the availability's zone (A5: give an availability without
    zone the room's branch zone first, :meth:`Availability.in_branch_zone`).
    """
    require_aware(start, "start")
    require_aware(end, "end")
    query = Interval(start, end)
    tz = zone(availability.zone_name)
    step = availability.slot_length
    blocked = merge(b for b in busy if b.overlaps(query))
    # Merged intervals are disjoint, so their ends are sorted too: bisect finds the first
    # busy interval ending after a slot's start, and only that one can overlap it.
    ends = [b.end for b in blocked]
    slots: list[Slot] = []
    for window in availability.windows(start, end):
        slot_start = window.start.astimezone(UTC)
        window_end = window.end.astimezone(UTC)
        while slot_start + step <= window_end:
            slot_end = slot_start + step
            if slot_start >= query.start and slot_end <= query.end:
                i = bisect_right(ends, slot_start)
                taken = i < len(blocked) and blocked[i].start < slot_end
                slots.append(
                    Slot(slot_start.astimezone(tz), slot_end.astimezone(tz), free=not taken)
                )
            slot_start = slot_end
    return slots


def free_slots(
    availability: Availability, busy: Iterable[Interval], start: datetime, end: datetime
) -> list[Slot]:
    """A5: the free slots of ``availability`` within [start, end), given the busy time."""
    return [s for s in slot_grid(availability, busy, start, end) if s.free]
