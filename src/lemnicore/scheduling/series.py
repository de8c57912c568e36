"""A9: appointment series — a prescription of N treatments proposed as N free slots.

Pure: :func:`propose_series` takes the request, the rooms' availabilities, the busy time
(already widened by buffers, A10), the practitioner's windows and ``now``, and returns the
proposal. The service books it atomically (:mod:`lemnicore.services.series`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import attrs

from lemnicore._validators import iana_zone, instant, non_empty, to_frozenset, to_tuple
from lemnicore.errors import ValidationError
from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.busy import Span, is_free, within
from lemnicore.timekeeping import DEFAULT_TIME_ZONE, local_datetime, to_utc, zone

_RECORD = "series request"


def _count(instance: SeriesRequest, attribute: attrs.Attribute[Any], value: int) -> None:
    if not 1 <= value <= 100:
        raise ValidationError("count", f"must be 1 … 100 treatments, got {value}", record=_RECORD)


def _weekdays(
    instance: SeriesRequest, attribute: attrs.Attribute[Any], value: frozenset[int]
) -> None:
    if not value or any(d not in range(7) for d in value):
        raise ValidationError(
            "weekdays",
            f"must be a non-empty set of 0 (Monday) … 6 (Sunday), got {sorted(value)}",
            record=_RECORD,
        )


def _latest(instance: SeriesRequest, attribute: attrs.Attribute[Any], value: date) -> None:
    if value < instance.earliest_start:
        raise ValidationError(
            "latest_end", f"is before earliest_start ({instance.earliest_start})", record=_RECORD
        )


def _rooms(
    instance: SeriesRequest, attribute: attrs.Attribute[Any], value: tuple[str, ...]
) -> None:
    if not value or len(set(value)) != len(value):
        raise ValidationError(
            "room_ids", "name one room or a set of distinct rooms", record=_RECORD
        )


@attrs.frozen
class SeriesRequest:
    """A9: ``count`` appointments of ``type_id`` for ``client_id`` in ``calendar_id``.

    Weekly on ``weekdays`` (0 = Monday) at ``preferred_time`` (wall clock in ``time_zone``),
    from ``earliest_start`` to ``latest_end`` (local dates, inclusive), in one of
    ``room_ids`` (tried in the order given). ``duration`` defaults to the type's.
    """

    client_id: str = attrs.field(validator=non_empty)
    type_id: str = attrs.field(validator=non_empty)
    calendar_id: str = attrs.field(validator=non_empty)
    count: int = attrs.field(validator=_count)
    weekdays: frozenset[int] = attrs.field(converter=to_frozenset, validator=_weekdays)
    preferred_time: time
    earliest_start: date
    latest_end: date = attrs.field(validator=_latest)
    room_ids: tuple[str, ...] = attrs.field(converter=to_tuple, validator=_rooms)
    duration: timedelta | None = None
    time_zone: str = attrs.field(default=DEFAULT_TIME_ZONE, validator=iana_zone)


@attrs.frozen
class SeriesSlot:
    """One proposed treatment. ``as_asked`` is True on the wished weekday and time."""

    start: datetime = attrs.field(converter=instant)
    end: datetime = attrs.field(converter=instant)
    room_id: str
    as_asked: bool = True


@attrs.frozen
class SeriesProposal:
    """A9: the slots found, in order, and — when fewer than asked fit — why not."""

    request: SeriesRequest
    slots: tuple[SeriesSlot, ...]
    shortfall: str = ""

    @property
    def complete(self) -> bool:
        return len(self.slots) == self.request.count


@attrs.frozen
class SeriesCalendar:
    """What :func:`propose_series` looks at, gathered by the service.

    ``availabilities`` per room; ``room_busy`` per room and ``practitioner_busy`` as
    merged, sorted spans (buffers included, A10); ``practitioner_windows`` the
    practitioner's own working time or ``None`` if they keep none; ``buffers`` the
    (before, after) of the requested type.
    """

    availabilities: Mapping[str, Sequence[Availability]]
    room_busy: Mapping[str, Sequence[Span]]
    practitioner_busy: Sequence[Span] = ()
    practitioner_windows: Sequence[Span] | None = None
    buffers: tuple[timedelta, timedelta] = (timedelta(0), timedelta(0))


def _candidates(
    request: SeriesRequest,
    cal: SeriesCalendar,
    day: date,
    duration: timedelta,
    taken: list[Span],
    now: datetime,
) -> list[tuple[datetime, datetime, str]]:
    """Every start on local ``day`` at which a room and the practitioner are free."""
    tz = zone(request.time_zone)
    lo = to_utc(local_datetime(day, time(0), tz))
    hi = to_utc(local_datetime(day + timedelta(days=1), time(0), tz))
    before, after = cal.buffers
    p_busy = sorted([*cal.practitioner_busy, *taken])
    p_ends = [e for _, e in p_busy]
    p_windows = cal.practitioner_windows
    p_starts = [s for s, _ in p_windows] if p_windows is not None else []
    found: list[tuple[datetime, datetime, str]] = []
    for room_id in request.room_ids:
        r_busy = cal.room_busy.get(room_id, ())
        r_ends = [e for _, e in r_busy]
        for availability in cal.availabilities.get(room_id, ()):
            for window_start, window_end in availability.window_spans(lo, hi):
                start = window_start
                while start + duration <= window_end:
                    end = start + duration
                    if (
                        lo <= start < hi
                        and start >= now
                        and is_free(r_busy, r_ends, start - before, end + after)
                        # Nobody is in two rooms at once, not even during a buffer (A10).
                        and is_free(p_busy, p_ends, start, end)
                        and (p_windows is None or within(p_windows, p_starts, start, end))
                    ):
                        found.append((start, end, room_id))
                    start += availability.slot_length
    return found


def _distance(start: datetime, wished: datetime) -> timedelta:
    return abs(start - wished)


def propose_series(
    request: SeriesRequest,
    calendar: SeriesCalendar,
    now: datetime,
    *,
    duration: timedelta | None = None,
) -> SeriesProposal:
    """A9: propose ``request.count`` free slots, week by week on the wished weekdays.

    For each wished day: the wished time if a room (in the order given) and the
    practitioner are free then; otherwise the nearest free time that day; otherwise the
    nearest other day of that week not already used. Never two treatments on one day. A
    day without any free time (a public holiday, a full week) is skipped and the series
    runs on into later weeks until ``latest_end``; if fewer than ``count`` fit, the
    proposal says which days could not be used.

    Times are wall-clock times in ``request.time_zone``: 09:00 stays 09:00 across a DST
    change.
    """
    length = request.duration or duration
    if length is None:
        raise ValidationError("duration", "the series needs a duration (or the type's)")
    now = to_utc(now)
    tz = zone(request.time_zone)
    slots: list[SeriesSlot] = []
    used_days: set[date] = set()
    taken: list[Span] = []
    missed: list[str] = []
    monday = request.earliest_start - timedelta(days=request.earliest_start.weekday())
    wished_days = sorted(request.weekdays)
    while monday <= request.latest_end and len(slots) < request.count:
        week = [monday + timedelta(days=n) for n in range(7)]
        in_range = [d for d in week if request.earliest_start <= d <= request.latest_end]
        for weekday in wished_days:
            if len(slots) == request.count:
                break
            wished_day = week[weekday]
            if wished_day not in in_range:
                continue
            wished_at = to_utc(local_datetime(wished_day, request.preferred_time, tz))
            # The wished day first, then the other days of the week, nearest first.
            order = sorted(
                (d for d in in_range if d not in used_days),
                key=lambda d: (abs((d - wished_day).days), d),
            )
            chosen: tuple[datetime, datetime, str] | None = None
            for day in order:
                if day != wished_day and day.weekday() in request.weekdays:
                    continue  # another wished day of the series: it gets its own treatment
                found = _candidates(request, calendar, day, length, taken, now)
                if not found:
                    continue
                target = to_utc(local_datetime(day, request.preferred_time, tz))
                chosen = min(found, key=lambda c: (_distance(c[0], target), c[0]))
                break
            if chosen is None:
                missed.append(f"{wished_day:%a %d.%m.%Y}")
                continue
            start, end, room_id = chosen
            day = start.astimezone(tz).date()
            used_days.add(day)
            taken.append((start, end))
            slots.append(SeriesSlot(start, end, room_id, as_asked=start == wished_at))
        monday += timedelta(days=7)
    shortfall = ""
    if len(slots) < request.count:
        shortfall = (
            f"only {len(slots)} of {request.count} treatments fit between"
            f" {request.earliest_start} and {request.latest_end}"
        )
        if missed:
            shortfall += "; no free time in the week of: " + ", ".join(missed)
    slots.sort(key=lambda s: s.start)
    return SeriesProposal(request, tuple(slots), shortfall)


__all__ = [
    "SeriesCalendar",
    "SeriesProposal",
    "SeriesRequest",
    "SeriesSlot",
    "propose_series",
]
