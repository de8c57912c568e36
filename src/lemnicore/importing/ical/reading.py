"""E8/E6: reading ``.ics`` files into timed events, recurring ones expanded in the window.

Pure functions over the file's bytes. What each export does, and how it is read:

- ``DTSTART;TZID=…`` with a ``VTIMEZONE`` (Outlook's "W. Europe Standard Time", custom
  zones) or an IANA name (Google, Apple): the zone the file defines or names.
- UTC times (``…Z``): as they are.
- Floating times (no zone): wall-clock time of the calendar's ``X-WR-TIMEZONE`` if the
  file names one, else of the practice; a ``TZID`` nobody defines is read the same way
  and noted.
- Local times that do not exist (the spring-forward hour) move forward like a clock; times
  that exist twice take the first; both are noted — nothing is dropped for it (E6).
- ``RRULE`` with ``EXDATE`` and ``RDATE`` expands to the occurrences in the window;
  a ``VEVENT`` with the same ``UID`` and a ``RECURRENCE-ID`` replaces that occurrence.
  Every occurrence's key is ``UID`` + recurrence id (the original start in UTC), so a
  re-import recognises it even after it was moved (E4).
- All-day events (``VALUE=DATE``), events marked free (``TRANSP:TRANSPARENT``) and
  cancelled ones are not appointments: skipped, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import attrs
import icalendar
from dateutil import tz as dateutil_tz
from dateutil.rrule import rruleset, rrulestr

from lemnicore.errors import ValidationError
from lemnicore.importing.issues import FIXED, IMPORTED, SKIPPED, Issue
from lemnicore.timekeeping import zone

KIND = "event"


@attrs.frozen
class CalendarEvent:
    """One timed occurrence from a calendar file, times in UTC."""

    key: str
    """``ics:<UID>`` or, for an occurrence of a series, ``ics:<UID>#<recurrence id>``."""
    record_id: str
    """How the report names it: ``praxis.ics: event <UID>`` (``… on <date>``)."""
    file: str
    start: datetime
    end: datetime
    summary: str = ""
    description: str = ""


@attrs.frozen
class CalendarFile:
    """A calendar file's name (as the user gave it) and bytes."""

    name: str
    data: bytes


@attrs.frozen
class ReadCalendar:
    """What one file held: its calendar name, its events in the window, the issues."""

    file: str
    calendar_name: str
    events: tuple[CalendarEvent, ...]
    issues: tuple[Issue, ...]
    outside_window: int = 0
    all_day: int = 0


def calendar_name(data: bytes) -> str:
    """``X-WR-CALNAME`` of a file (``""`` if it has none or cannot be read)."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError:
        return ""
    return str(calendar.get("X-WR-CALNAME", "")).strip()


def _text(component: Any, name: str) -> str:
    value = component.get(name)
    return str(value).strip() if value is not None else ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class _Reader:
    """Reads one file; collects issues as it goes."""

    def __init__(
        self, file: str, floating: tzinfo, first_day: date, last_day: date, zone_name: str
    ) -> None:
        self.file = file
        self.floating = floating
        self.zone_name = zone_name
        self.lo = datetime.combine(first_day, time(0), tzinfo=floating).astimezone(UTC)
        self.hi = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=floating)
        self.hi = self.hi.astimezone(UTC)
        self.issues: list[Issue] = []
        self.outside = 0
        self.all_day = 0

    def note(self, record: str, field: str, reason: str, action: str = IMPORTED) -> None:
        self.issues.append(Issue(KIND, record, field, reason, action))

    # -- times ------------------------------------------------------------------------

    def zone_of(self, component: Any, name: str, record: str) -> tuple[datetime | date, tzinfo]:
        """The property's value and the zone its wall time is in."""
        prop = component.get(name)
        value = prop.dt
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value, value.tzinfo
        tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
        if tzid:
            self.note(record, name, f"time zone {tzid!r} is not defined in the file: read as"
                      f" {self.zone_name}", FIXED)  # fmt: skip
        return value, self.floating

    def instant(self, wall: datetime, zone_: tzinfo, record: str, field: str) -> datetime:
        """E6: a wall time in ``zone_`` → UTC; gap times forward, doubled times first."""
        naive = wall.replace(tzinfo=None)
        aware = naive.replace(tzinfo=zone_, fold=0)
        if not dateutil_tz.datetime_exists(aware):
            moved = dateutil_tz.resolve_imaginary(aware)
            self.note(
                record,
                field,
                f"local time {naive:%d.%m.%Y %H:%M} does not exist (clocks spring forward):"
                f" taken as {moved:%H:%M}",
            )
            return moved.astimezone(UTC)
        if dateutil_tz.datetime_ambiguous(aware):
            self.note(
                record,
                field,
                f"local time {naive:%d.%m.%Y %H:%M} happens twice (clocks fall back):"
                " taken at its first occurrence",
            )
        return aware.astimezone(UTC)

    # -- events ------------------------------------------------------------------------

    def read(self, data: bytes) -> tuple[str, list[CalendarEvent]]:
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except ValueError as exc:
            # Nothing of a file that is not a calendar is imported: refuse it, naming it.
            raise ValidationError(
                "FILE", f"not an iCalendar file ({exc})", record=self.file
            ) from None
        name = _text(calendar, "X-WR-CALNAME")
        wr_zone = _text(calendar, "X-WR-TIMEZONE")
        if wr_zone:
            try:
                self.floating = zone(wr_zone)
                self.zone_name = wr_zone
            except Exception:  # an unknown zone name: keep the practice's
                self.note(self.file, "X-WR-TIMEZONE", f"unknown time zone {wr_zone!r}", FIXED)
        masters: dict[str, Any] = {}
        overrides: dict[str, dict[datetime, Any]] = {}
        singles: list[Any] = []
        for index, event in enumerate(calendar.walk("VEVENT"), start=1):
            uid = _text(event, "UID")
            if not uid:
                self.note(f"{self.file}: event #{index}", "UID", "no UID", SKIPPED)
                continue
            if event.get("RECURRENCE-ID") is not None:
                record = f"{self.file}: event {uid}"
                rid_value, rid_zone = self.zone_of(event, "RECURRENCE-ID", record)
                if not isinstance(rid_value, datetime):
                    self.all_day += 1
                    continue
                rid = self.instant(rid_value, rid_zone, record, "RECURRENCE-ID")
                overrides.setdefault(uid, {})[rid] = event
            elif event.get("RRULE") is not None or event.get("RDATE") is not None:
                masters[uid] = event
            else:
                singles.append(event)
        events: list[CalendarEvent] = []
        for event in singles:
            events.extend(self.single(event))
        for uid, event in masters.items():
            events.extend(self.series(uid, event, overrides.pop(uid, {})))
        for uid, moved in overrides.items():  # overrides of a series this file lacks
            for rid, event in moved.items():
                events.extend(self.single(event, key=f"ics:{uid}#{rid:%Y%m%dT%H%M%SZ}"))
        return name, events

    def _span(self, event: Any, record: str) -> tuple[datetime, timedelta, tzinfo] | None:
        """Wall-clock start, duration and zone of an event, or ``None`` (reported)."""
        if event.get("DTSTART") is None:
            self.note(record, "DTSTART", "missing", SKIPPED)
            return None
        start, zone_ = self.zone_of(event, "DTSTART", record)
        if not isinstance(start, datetime):
            self.all_day += 1
            self.note(record, "DTSTART", "all-day event: not an appointment", SKIPPED)
            return None
        if event.get("DTEND") is not None:
            end, end_zone = self.zone_of(event, "DTEND", record)
            if not isinstance(end, datetime):
                self.note(record, "DTEND", "a date, not a time", SKIPPED)
                return None
            s = self.instant(start, zone_, record, "DTSTART")
            e = self.instant(end, end_zone, record, "DTEND")
            duration = e - s
        elif event.get("DURATION") is not None:
            duration = event.decoded("DURATION")
        else:
            duration = timedelta(0)
        if duration <= timedelta(0):
            self.note(record, "DTEND", "no positive duration (no end, or ends before it"
                      " starts)", SKIPPED)  # fmt: skip
            return None
        return start.replace(tzinfo=None), duration, zone_

    def _event(
        self, event: Any, key: str, record: str, start: datetime, duration: timedelta
    ) -> CalendarEvent:
        return CalendarEvent(
            key=key,
            record_id=record,
            file=self.file,
            start=start,
            end=start + duration,
            summary=_text(event, "SUMMARY"),
            description=_text(event, "DESCRIPTION").replace("\r\n", "\n"),
        )

    def _kept(self, event: Any, record: str) -> bool:
        status = _text(event, "STATUS").upper()
        if status == "CANCELLED":
            self.note(record, "STATUS", "cancelled in the calendar", SKIPPED)
            return False
        if _text(event, "TRANSP").upper() == "TRANSPARENT":
            self.note(record, "TRANSP", "shown as free in the calendar: not a booking", SKIPPED)
            return False
        return True

    def single(self, event: Any, *, key: str | None = None) -> Iterator[CalendarEvent]:
        uid = _text(event, "UID")
        record = f"{self.file}: event {uid}"
        if key is not None:
            record = f"{record} on {key.rsplit('#', 1)[-1]}"
        span = self._span(event, record)
        if span is None or not self._kept(event, record):
            return
        wall, duration, zone_ = span
        start = self.instant(wall, zone_, record, "DTSTART")
        if not (self.lo <= start < self.hi):
            self.outside += 1
            self.note(record, "DTSTART", f"{start:%d.%m.%Y} is outside the window", SKIPPED)
            return
        yield self._event(event, key or f"ics:{uid}", record, start, duration)

    def series(
        self, uid: str, event: Any, overrides: dict[datetime, Any]
    ) -> Iterator[CalendarEvent]:
        record = f"{self.file}: event {uid}"
        span = self._span(event, record)
        if span is None:
            return
        if not self._kept(event, record):
            return
        wall, duration, zone_ = span
        first = wall.replace(tzinfo=zone_)
        rules = rruleset()
        try:
            for rule in _as_list(event.get("RRULE")):
                text = _until_in_utc(rule.to_ical().decode(), zone_)
                rules.rrule(rrulestr(text, dtstart=first, ignoretz=False))  # type: ignore[arg-type]
        except (ValueError, TypeError) as exc:
            self.note(record, "RRULE", f"cannot be read ({exc}): first date only", FIXED)
            rules = rruleset()
            rules.rdate(first)
        for name, add in (("EXDATE", rules.exdate), ("RDATE", rules.rdate)):
            for prop in _as_list(event.get(name)):
                for item in getattr(prop, "dts", []):
                    value = item.dt
                    if isinstance(value, tuple):  # RDATE;VALUE=PERIOD: its start
                        value = value[0]
                    if isinstance(value, datetime):
                        wall_value = value.astimezone(zone_) if value.tzinfo is not None else value
                        add(wall_value.replace(tzinfo=None).replace(tzinfo=zone_))
                    elif isinstance(value, date):
                        add(datetime.combine(value, wall.time(), tzinfo=zone_))
        # Walk a little before the window: an occurrence starting earlier may be moved in.
        lo = (self.lo - timedelta(days=1)).astimezone(zone_).replace(tzinfo=zone_)
        hi = self.hi.astimezone(zone_)
        for occurrence in rules.between(lo, hi, inc=True):
            when = f"{occurrence:%d.%m.%Y %H:%M}"
            start = self.instant(occurrence, zone_, f"{record} on {when}", "DTSTART")
            key = f"ics:{uid}#{start:%Y%m%dT%H%M%SZ}"
            moved = overrides.pop(start, None)
            if moved is not None:
                yield from self.single(moved, key=key)
                continue
            if self.lo <= start < self.hi:
                yield self._event(event, key, f"{record} on {when}", start, duration)
        for rid, moved in overrides.items():  # moved here from outside the walked range
            yield from self.single(moved, key=f"ics:{uid}#{rid:%Y%m%dT%H%M%SZ}")


_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6})?)(?=;|$)")


def _until_in_utc(rule: str, zone_: tzinfo) -> str:
    """A floating ``UNTIL`` (local wall time) as UTC: dateutil wants UTC beside an aware
    start, and many exports write it without the ``Z``."""

    def to_utc(match: re.Match[str]) -> str:
        value = match[1]
        day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        at = time(int(value[9:11]), int(value[11:13]), int(value[13:15])) if "T" in value else None
        wall = datetime.combine(day, at or time(23, 59, 59), tzinfo=zone_)
        return f"UNTIL={wall.astimezone(UTC):%Y%m%dT%H%M%SZ}"

    return _UNTIL.sub(to_utc, rule)


def read_calendar(
    file: CalendarFile, *, time_zone: str, first_day: date, last_day: date
) -> ReadCalendar:
    """E8: the timed events of ``file`` in the window ``first_day … last_day`` (local days
    in ``time_zone``, inclusive), each recurring event expanded, with every issue."""
    reader = _Reader(file.name, zone(time_zone), first_day, last_day, time_zone)
    name, events = reader.read(file.data)
    return ReadCalendar(
        file=file.name,
        calendar_name=name,
        events=tuple(sorted(events, key=lambda e: (e.start, e.key))),
        issues=tuple(reader.issues),
        outside_window=reader.outside,
        all_day=reader.all_day,
    )


def read_calendars(
    files: Sequence[CalendarFile], *, time_zone: str, first_day: date, last_day: date
) -> list[ReadCalendar]:
    """:func:`read_calendar` for each file."""
    return [
        read_calendar(f, time_zone=time_zone, first_day=first_day, last_day=last_day) for f in files
    ]
