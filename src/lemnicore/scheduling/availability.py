"""A5: working-time availabilities — weekly recurring windows with closed days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from dateutil.rrule import WEEKLY, rrule, weekday
from dateutil.rrule import weekdays as _rrule_weekdays

from lemnicore._validators import iana_zone, non_empty, positive_duration, to_frozenset, to_tuple
from lemnicore.errors import ValidationError
from lemnicore.scheduling.intervals import Interval
from lemnicore.timekeeping import DEFAULT_TIME_ZONE, local_datetime, zone

WEEKDAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _weekdays(
    instance: WorkingTime, attribute: attrs.Attribute[Any], value: frozenset[int]
) -> None:
    if not value or any(d not in range(7) for d in value):
        raise ValidationError(
            "weekdays", f"must be a non-empty set of 0 (Monday) … 6 (Sunday), got {sorted(value)}"
        )


def _end_after_start(instance: WorkingTime, attribute: attrs.Attribute[Any], value: time) -> None:
    if value <= instance.start:
        raise ValidationError(
            "end", f"working time must end after it starts ({instance.start} – {value})"
        )


def _until_after_from(
    instance: WorkingTime, attribute: attrs.Attribute[Any], value: date | None
) -> None:
    if value is not None and value < instance.valid_from:
        raise ValidationError("valid_until", f"is before valid_from ({instance.valid_from})")


@attrs.frozen
class WorkingTime:
    """A weekly recurring window in local wall-clock time, e.g. Mon–Fri 08:00–12:00.

    ``weekdays`` uses Python's numbering (0 = Monday). ``valid_until`` is inclusive.
    """

    weekdays: frozenset[int] = attrs.field(converter=to_frozenset, validator=_weekdays)
    start: time
    end: time = attrs.field(validator=_end_after_start)
    valid_from: date = date.min
    """The first day it applies (inclusive); by default it always has."""
    valid_until: date | None = attrs.field(default=None, validator=_until_after_from)

    def rule(self, since: date | None = None) -> rrule:
        """The dateutil recurrence of the days this window applies on (from ``since``).

        A weekly rule with ``byweekday`` yields the same days whichever day it starts on,
        so starting it at ``since`` instead of ``valid_from`` changes nothing but spares
        iterating every week since 2000 on each query.
        """
        days: tuple[weekday, ...] = tuple(_rrule_weekdays[d] for d in sorted(self.weekdays))
        until = datetime.combine(self.valid_until, time(0)) if self.valid_until else None
        first = max(since, self.valid_from) if since is not None else self.valid_from
        return rrule(WEEKLY, byweekday=days, dtstart=datetime.combine(first, time(0)), until=until)

    def days_between(self, first: date, last: date) -> Iterator[date]:
        """The dates in [first, last] (inclusive) on which this window applies.

        The same days as :meth:`rule` yields (a test holds them equal), counted directly:
        expanding an rrule on every week-page view cost more than the rest of the free-slot
        search together (H5 speed goal of issue 16).
        """
        day = max(first, self.valid_from)
        if self.valid_until is not None and self.valid_until < last:
            last = self.valid_until
        weekdays = self.weekdays
        one = timedelta(days=1)
        while day <= last:
            if day.weekday() in weekdays:
                yield day
            day += one


@lru_cache(maxsize=256)
def _holidays_for(region: str, first_year: int, last_year: int) -> frozenset[date]:
    """The public holidays of ``region`` in these years; cached, since the week page and
    series search ask for the same region and years again and again."""
    import holidays  # imported lazily: the table is large and only some practices use it

    country, _, subdivision = region.partition("-")
    years = range(first_year, last_year + 1)
    table = holidays.country_holidays(country, subdiv=subdivision or None, years=years)
    return frozenset(table.keys())


def known_holiday_region(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """An attrs validator: ``value`` is ``None`` or a region the ``holidays`` library knows."""
    if value is None:
        return
    try:
        _holidays_for(value, 2024, 2024)
    except (NotImplementedError, KeyError) as exc:
        raise ValidationError(
            "holiday_region", f"unknown country/subdivision {value!r} (e.g. 'DE-HH')"
        ) from exc


@attrs.frozen
class Availability:
    """A5: when a room (optionally for one practitioner's calendar) can be booked.

    Free slots are cut from its working windows into ``slot_length`` pieces; ``closed_days``
    and, with ``holiday_region`` (``"DE-BY"``, ``"DE-HH"``, …), that region's public holidays
    are removed entirely.
    """

    id: str = attrs.field(validator=non_empty)
    room_id: str = attrs.field(validator=non_empty)
    working_times: tuple[WorkingTime, ...] = attrs.field(converter=to_tuple)
    slot_length: timedelta = attrs.field(default=timedelta(minutes=30), validator=positive_duration)
    time_zone: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(iana_zone)
    )
    """The zone the working times are read in. ``None`` (the usual case): the zone of the
    room's branch, filled in by :meth:`in_branch_zone` where slots are computed (A5)."""
    calendar_id: str | None = None
    closed_days: frozenset[date] = attrs.field(default=frozenset(), converter=to_frozenset)
    holiday_region: str | None = attrs.field(default=None, validator=known_holiday_region)

    @property
    def zone_name(self) -> str:
        """The zone its working times are read in: its own, else the practice default
        (§0). Services resolve the branch's zone first with :meth:`in_branch_zone`."""
        return self.time_zone or DEFAULT_TIME_ZONE

    def in_branch_zone(self, branch_time_zone: str) -> Availability:
        """A5: this availability read in the zone of the room's branch — unless it names
        another zone explicitly, which it keeps.

        >>> hours = Availability("av-1", "room-1", ())
        >>> hours.in_branch_zone("Europe/Lisbon").time_zone
        'Europe/Lisbon'
        >>> Availability("av-2", "room-1", (), time_zone="Europe/Berlin").in_branch_zone(
        ...     "Europe/Lisbon").time_zone
        'Europe/Berlin'
        """
        if self.time_zone is not None:
            return self
        return attrs.evolve(self, time_zone=branch_time_zone)

    def windows(self, start: datetime, end: datetime) -> list[Interval]:
        """Every whole working window that touches [start, end), sorted.

        The windows are laid in local wall-clock time and returned as real-time intervals
        (UTC; show them with ``.astimezone(zone)``). They are returned whole (not clipped)
        so that slots stay aligned to the start of the working time whatever range is
        asked for.
        """
        return [Interval(s, e) for s, e in self.window_spans(start, end)]

    def window_spans(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """:meth:`windows` as plain UTC ``(start, end)`` pairs — what the slot search reads
        (no value object per window on the hot path, issue 16)."""
        tz = zone(self.zone_name)
        # A working time lies within one local day (it ends after it starts, A5), so only
        # the local days of the query can hold a window that touches it.
        first = start.astimezone(tz).date()
        last = end.astimezone(tz).date()
        closed: frozenset[date] | set[date] = self.closed_days
        if self.holiday_region:
            closed = closed | _holidays_for(self.holiday_region, first.year, last.year)
        q_start, q_end = start.astimezone(UTC), end.astimezone(UTC)
        if q_end <= q_start:
            raise ValidationError("end", f"must be after start ({start.isoformat()})")
        found: set[tuple[datetime, datetime]] = set()
        for wt in self.working_times:
            for day in wt.days_between(first, last):
                if day in closed:
                    continue
                opens = _utc_of(day, wt.start, tz)
                closes = _utc_of(day, wt.end, tz)
                if closes <= opens:
                    continue  # wholly inside the spring-forward gap: it never happens
                if opens < q_end and q_start < closes:
                    found.add((opens, closes))
        return _join_overlapping_spans(sorted(found))


@lru_cache(maxsize=16_384)
def _utc_of(day: date, wall_time: time, tz: ZoneInfo) -> datetime:
    """The instant of a wall-clock time (see :func:`~lemnicore.timekeeping.local_datetime`),
    remembered: the calendar does not change, and every week page asks for the same
    mornings again."""
    return local_datetime(day, wall_time, tz).astimezone(UTC)


def _join_overlapping_spans(
    windows: list[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    """:func:`_join_overlapping` on plain pairs."""
    joined: list[tuple[datetime, datetime]] = []
    for w_start, w_end in windows:
        if joined and w_start < joined[-1][1]:
            if w_end > joined[-1][1]:
                joined[-1] = (joined[-1][0], w_end)
        else:
            joined.append((w_start, w_end))
    return joined


def _join_overlapping(windows: list[Interval]) -> list[Interval]:
    """Working times that overlap (08–12 and 10–14) are one stretch of working time, so
    their slots form one grid and cannot overlap each other. Windows that merely touch
    (08–12 and 12–16) stay apart: each keeps its own edge and slot grid (A5)."""
    joined: list[Interval] = []
    for w in windows:
        if joined and w.start < joined[-1].end:
            if w.end > joined[-1].end:
                joined[-1] = Interval(joined[-1].start, w.end)
        else:
            joined.append(w)
    return joined


def require_separate(working_times: tuple[WorkingTime, ...], field: str = "working_times") -> None:
    """Refuse working times of one room or practitioner that overlap on a common weekday
    (A5/A10 set-up): 08:00–12:00 and 11:00–13:00 on Mondays is a typing error, not one
    long morning. Windows that merely touch (08–12 and 12–16) are two windows, each with
    its own slot grid, and are fine.

    >>> from datetime import time
    >>> require_separate((WorkingTime({0, 1}, time(8), time(12)),
    ...                   WorkingTime({1}, time(11), time(13))))
    Traceback (most recent call last):
    ...
    lemnicore.errors.ValidationError: working_times: Tue 08:00–12:00 overlaps Tue 11:00–13:00
    """
    for i, first in enumerate(working_times):
        for second in working_times[i + 1 :]:
            days = first.weekdays & second.weekdays
            if not days:
                continue
            if first.start >= second.end or second.start >= first.end:
                continue
            last_first = first.valid_until or date.max
            last_second = second.valid_until or date.max
            if first.valid_from > last_second or second.valid_from > last_first:
                continue
            day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[min(days)]
            raise ValidationError(
                field,
                f"{day} {first.start:%H:%M}–{first.end:%H:%M} overlaps"
                f" {day} {second.start:%H:%M}–{second.end:%H:%M}",
            )
