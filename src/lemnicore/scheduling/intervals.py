"""Half-open time intervals [start, end): the arithmetic of A4 and A5."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from lemnicore._validators import instant
from lemnicore.errors import ValidationError
from lemnicore.timekeeping import require_aware


@attrs.frozen(order=True)
class Interval:
    """A half-open interval of time: one ending 10:00 and one starting 10:00 do not overlap.

    Kept in UTC, so overlaps and durations are real time also across a DST change.
    """

    start: datetime = attrs.field(converter=instant)
    end: datetime = attrs.field(converter=instant)

    def __attrs_post_init__(self) -> None:
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        if self.end <= self.start:
            raise ValidationError("end", f"must be after start ({self.start.isoformat()})")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of intervals, sorted, with touching and overlapping ones joined."""
    merged: list[Interval] = []
    for iv in sorted(intervals):
        if merged and iv.start <= merged[-1].end:
            if iv.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, iv.end)
        else:
            merged.append(iv)
    return merged


def subtract(base: Interval, holes: Iterable[Interval]) -> list[Interval]:
    """The parts of ``base`` not covered by any of ``holes``."""
    pieces: list[Interval] = []
    cursor = base.start
    for hole in merge(h for h in holes if h.overlaps(base)):
        if hole.start > cursor:
            pieces.append(Interval(cursor, hole.start))
        cursor = max(cursor, hole.end)
    if cursor < base.end:
        pieces.append(Interval(cursor, base.end))
    return pieces
