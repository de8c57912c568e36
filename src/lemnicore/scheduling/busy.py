"""A4/A5/A10: busy time as plain intervals — what free-slot search needs, and nothing more.

Free slots, the week view, series search and the waiting list only need to know *when* a
room or a practitioner is taken, not by whom. Stores answer that with :class:`BusyInterval`
rows (no :class:`~lemnicore.scheduling.appointments.Appointment` is built), and the rules
here widen them by the buffer times of their appointment type (A10) and merge them into
sorted, disjoint ``(start, end)`` pairs that a sweep or a bisect can check.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from lemnicore.scheduling.practice import AppointmentType

Span = tuple[datetime, datetime]
"""A half-open ``[start, end)`` pair of aware datetimes (UTC in everything stores return)."""

NO_BUFFER = (timedelta(0), timedelta(0))


class BusyInterval(NamedTuple):
    """One active appointment seen only as busy time (A3: cancelled and no-show never are).

    A tuple, not an attrs value: a week view reads a few dozen of these per room on every
    page, and a tuple costs a fraction of a validated value object.
    """

    start: datetime
    end: datetime
    type_id: str
    appointment_id: str
    room_id: str
    calendar_id: str


def buffers_of(types: Iterable[AppointmentType]) -> dict[str, tuple[timedelta, timedelta]]:
    """A10: ``type id → (buffer before, buffer after)`` for the types that have buffers."""
    return {
        t.id: (t.buffer_before, t.buffer_after) for t in types if t.buffer_before or t.buffer_after
    }


def blocked_spans(
    busy: Iterable[BusyInterval | Span],
    buffers: Mapping[str, tuple[timedelta, timedelta]] = {},
) -> list[Span]:
    """A4/A10: busy time widened by each appointment's buffers, merged and sorted.

    Touching spans are joined too: a slot can never fit in a gap of zero length.
    """
    spans: list[Span] = []
    for b in busy:
        if buffers and isinstance(b, BusyInterval) and b.type_id in buffers:
            before, after = buffers[b.type_id]
            spans.append((b[0] - before, b[1] + after))
        else:
            spans.append((b[0], b[1]))
    return merge_spans(spans)


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """The union of ``spans`` as sorted, disjoint pairs (touching ones joined)."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def is_free(
    blocked: Sequence[Span], ends: Sequence[datetime], start: datetime, end: datetime
) -> bool:
    """Whether ``[start, end)`` misses every span of ``blocked`` (merged; ``ends`` = their ends).

    Merged spans are disjoint, so their ends are sorted too: the first span ending after
    ``start`` is the only one that can overlap.
    """
    i = bisect_right(ends, start)
    return i >= len(blocked) or blocked[i][0] >= end


def within(
    windows: Sequence[Span], starts: Sequence[datetime], start: datetime, end: datetime
) -> bool:
    """Whether ``[start, end)`` lies wholly inside one of ``windows`` (sorted, disjoint;
    ``starts`` = their starts)."""
    i = bisect_right(starts, start) - 1
    return i >= 0 and windows[i][1] >= end


__all__ = [
    "NO_BUFFER",
    "BusyInterval",
    "Span",
    "blocked_spans",
    "buffers_of",
    "is_free",
    "merge_spans",
    "within",
]
