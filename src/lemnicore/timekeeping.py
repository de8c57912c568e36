"""Time zone helpers: lemnicore only ever handles timezone-aware datetimes.

Rules stated in wall-clock time (quiet hours, "the next day", quarters) are evaluated in a
branch's IANA zone; everything stored is UTC. Nothing here reads the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lemnicore.errors import NaiveDatetimeError, ValidationError

DEFAULT_TIME_ZONE = "Europe/Berlin"

EARLIEST_DAY = date(1900, 1, 1)
"""The first day lemnicore handles (G7): appointments, slots, runs and birthdays lie in
[EARLIEST_DAY, LATEST_DAY]. The bounds keep every calculation lemnicore does around a date
(week bounds, a day of margin, the end of the next quarter) far from Python's year 1 and
9999, so an extreme input is a :class:`ValidationError` instead of an ``OverflowError``."""
LATEST_DAY = date(2999, 12, 31)
"""The last day lemnicore handles (G7), see :data:`EARLIEST_DAY`."""
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
"""The first instant lemnicore handles (G7), midnight UTC of :data:`EARLIEST_DAY`."""
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
"""The end (exclusive) of the instants lemnicore handles (G7)."""
_RANGE = f"must lie between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def require_aware(value: datetime, field: str, *, record: str | None = None) -> datetime:
    """Return ``value`` unchanged, or raise :class:`NaiveDatetimeError` naming ``field``.

    The instant must also lie in [:data:`EARLIEST`, :data:`LATEST`) (G7), else a
    :class:`ValidationError` naming ``field``."""
    if not isinstance(value, datetime):
        raise ValidationError(
            field, f"must be a datetime, got {type(value).__name__}", record=record
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(field, record=record)
    if not EARLIEST <= value < LATEST:
        raise ValidationError(field, f"{_RANGE}, got {value.isoformat()}", record=record)
    return value


def require_day(value: date, field: str, *, record: str | None = None) -> date:
    """Return the calendar day ``value`` unchanged if it is a :class:`date` (not a datetime)
    between :data:`EARLIEST_DAY` and :data:`LATEST_DAY`; else a :class:`ValidationError`
    naming ``field`` (G7)."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(field, f"must be a date, got {type(value).__name__}", record=record)
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValidationError(field, f"{_RANGE}, got {value.isoformat()}", record=record)
    return value


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; a clear error for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("time_zone", f"unknown IANA time zone {name!r}") from exc


def to_utc(value: datetime) -> datetime:
    """The same instant in UTC."""
    return value.astimezone(UTC)


def local_datetime(day: date, wall_time: time, tz: ZoneInfo) -> datetime:
    """The aware datetime for a wall-clock time on ``day`` in ``tz``.

    A wall time inside the spring-forward gap (02:30 on the last Sunday of March in
    Europe/Berlin) does not exist; it is moved forward by the gap, as a wall clock would be.
    An ambiguous time in the autumn (02:30 twice) is taken at its first occurrence.
    """
    naive = datetime.combine(day, wall_time)
    aware = naive.replace(tzinfo=tz, fold=0)
    # A gap time with fold=0 is read with the offset from before the change (PEP 495), so
    # the round trip through UTC lands the gap's length later: 02:30 becomes 03:30 CEST.
    # (fold=1 would read it with the summer offset and land an hour *earlier*, 01:30 CET.)
    round_trip = aware.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:
        return round_trip
    return aware


def start_of_local_day(instant: datetime, tz: ZoneInfo) -> datetime:
    """Midnight (local) of the day ``instant`` falls on in ``tz``."""
    return local_datetime(instant.astimezone(tz).date(), time(0), tz)


def local_days(start: datetime, end: datetime, tz: ZoneInfo) -> list[date]:
    """Every local calendar date touched by the half-open interval [start, end)."""
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
