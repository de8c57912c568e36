"""A10: a practitioner's own working times, independent of any room.

A bookable slot needs a free room (the room's availability, A5) *and* a practitioner who
works then and is not elsewhere. A practitioner without any :class:`PractitionerHours`
is bound only by the rooms' working times (as before A10).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import attrs

from lemnicore._validators import iana_zone, non_empty, to_frozenset, to_tuple
from lemnicore.errors import ValidationError
from lemnicore.scheduling.availability import (
    WorkingTime,
    _holidays_for,
    _join_overlapping,
    known_holiday_region,
)
from lemnicore.scheduling.busy import Span
from lemnicore.scheduling.intervals import Interval
from lemnicore.timekeeping import DEFAULT_TIME_ZONE, local_datetime, to_utc, zone


def _some(
    instance: PractitionerHours, attribute: attrs.Attribute[Any], value: tuple[Any, ...]
) -> None:
    if not value:
        raise ValidationError(
            "working_times",
            "needs at least one window",
            record=f"PractitionerHours {instance.id!r}",
        )


@attrs.frozen
class PractitionerHours:
    """A10: when ``practitioner_id`` works, in wall-clock time of ``time_zone``.

    Several records for one practitioner add up (e.g. Mondays in Hamburg, Tuesdays in
    Lisbon, each in its branch's zone). ``closed_days`` (holidays, training days) and, with
    ``holiday_region``, that region's public holidays are left out.
    """

    id: str = attrs.field(validator=non_empty)
    practitioner_id: str = attrs.field(validator=non_empty)
    working_times: tuple[WorkingTime, ...] = attrs.field(converter=to_tuple, validator=_some)
    time_zone: str = attrs.field(default=DEFAULT_TIME_ZONE, validator=iana_zone)
    closed_days: frozenset[date] = attrs.field(default=frozenset(), converter=to_frozenset)
    holiday_region: str | None = attrs.field(default=None, validator=known_holiday_region)

    def windows(self, start: datetime, end: datetime) -> list[Span]:
        """The practitioner's working windows touching [start, end), as UTC pairs, sorted."""
        tz = zone(self.time_zone)
        first = start.astimezone(tz).date() - timedelta(days=1)
        last = end.astimezone(tz).date()
        closed = set(self.closed_days)
        if self.holiday_region:
            closed |= _holidays_for(self.holiday_region, first.year, last.year)
        found: set[Interval] = set()
        for wt in self.working_times:
            for day in wt.days_between(first, last):
                if day in closed:
                    continue
                opens = to_utc(local_datetime(day, wt.start, tz))
                closes = to_utc(local_datetime(day, wt.end, tz))
                if closes > opens and opens < end and closes > start:
                    found.add(Interval(opens, closes))
        return [(w.start, w.end) for w in _join_overlapping(sorted(found))]


def practitioner_windows(
    hours: list[PractitionerHours], start: datetime, end: datetime
) -> list[Span] | None:
    """A10: the union of a practitioner's windows, or ``None`` when they keep no hours of
    their own (then only the rooms' working times apply)."""
    if not hours:
        return None
    spans = sorted(w for h in hours for w in h.windows(start, end))
    joined: list[Span] = []
    for s, e in spans:
        if joined and s <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(e, joined[-1][1]))
        else:
            joined.append((s, e))
    return joined


__all__ = ["PractitionerHours", "practitioner_windows"]
