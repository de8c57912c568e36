"""A5: free slots — working time minus busy time, cut into slots of the slot length."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from lemnicore.errors import ValidationError
from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.busy import NO_BUFFER, BusyInterval, Span, merge_spans, within
from lemnicore.scheduling.intervals import Interval
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
    availability: Availability,
    busy: Iterable[Interval | BusyInterval | Span],
    start: datetime,
    end: datetime,
    *,
    practitioner: Sequence[Span] | None = None,
    buffers: tuple[timedelta, timedelta] = NO_BUFFER,
    only_free: bool = False,
) -> list[Slot]:
    """A5/C2: every slot of the working time that lies within [start, end), free or taken.

    Slots are laid from the start of each working window in elapsed time (so a window on a
    DST day holds as many slots as it has real hours) and a slot that would cross the
    window's end is dropped: slots never cross a working-time edge. A slot is taken if any
    busy interval overlaps it (half-open, so an appointment ending 10:00 leaves 10:00 free).
    Times are returned in the availability's zone (A5: give an availability without
    zone the room's branch zone first, :meth:`Availability.in_branch_zone`).

    A10: with ``practitioner`` (the practitioner's working windows, sorted and disjoint), a
    slot outside them is taken too; ``buffers`` (before, after) of the type being offered
    must also stay clear of busy time, though they may reach outside the working time.
    ``busy`` may already hold other appointments' buffers (see
    :func:`~lemnicore.scheduling.busy.blocked_spans`). ``only_free`` leaves the taken
    slots out (what :func:`free_slots` returns).
    """
    require_aware(start, "start")
    require_aware(end, "end")
    q_start, q_end = to_utc(start), to_utc(end)
    if q_end <= q_start:
        raise ValidationError("end", f"must be after start ({start.isoformat()})")
    tz = zone(availability.zone_name)
    step = availability.slot_length
    before, after = buffers
    blocked = merge_spans(
        (b.start, b.end) if isinstance(b, Interval) else (b[0], b[1]) for b in busy
    )
    n_blocked = len(blocked)
    p_starts = [w[0] for w in practitioner] if practitioner is not None else []
    slots: list[Slot] = []
    append = slots.append
    # One sweep: windows are sorted and disjoint, slots within them ascend, so the first
    # busy span that can still meet a slot only ever moves forward (the hot path of the
    # week page, series search and waiting list: issue 16).
    i = 0
    for window_start, window_end in availability.window_spans(start, end):
        slot_start = window_start
        local_start = window_start.astimezone(tz)
        # Without a DST change inside the window, wall-clock steps are elapsed steps, and
        # adding is far cheaper than converting every slot's ends to the zone.
        steady = local_start.utcoffset() == window_end.astimezone(tz).utcoffset()
        while slot_start + step <= window_end:
            slot_end = slot_start + step
            local_end = local_start + step if steady else slot_end.astimezone(tz)
            if slot_start >= q_start and slot_end <= q_end:
                lo, hi = slot_start - before, slot_end + after
                while i < n_blocked and blocked[i][1] <= lo:
                    i += 1
                free = i >= n_blocked or blocked[i][0] >= hi
                if free and practitioner is not None:
                    free = within(practitioner, p_starts, slot_start, slot_end)
                if free or not only_free:
                    append(Slot(local_start, local_end, free))
            local_start = local_end
            slot_start = slot_end
    return slots


def free_slots(
    availability: Availability,
    busy: Iterable[Interval | BusyInterval | Span],
    start: datetime,
    end: datetime,
    *,
    practitioner: Sequence[Span] | None = None,
    buffers: tuple[timedelta, timedelta] = NO_BUFFER,
) -> list[Slot]:
    """A5/A10: the free slots of ``availability`` within [start, end), given the busy time
    (and, optionally, the practitioner's windows and the offered type's buffers)."""
    return slot_grid(
        availability, busy, start, end, practitioner=practitioner, buffers=buffers, only_free=True
    )
