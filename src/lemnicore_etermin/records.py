"""E3: tolerant reading of eTermin records into plain, checked source values.

eTermin's data are messy (see ``research/etermin-api.md``): field names vary in case,
many fields are null, birthdays come as ``dd.mm.yyyy``, ISO or empty, notes carry a literal
backslash-n, appointments say ``Town`` where contacts say ``City``, times are local without
offset, and blocked slots look like appointments. Each reader here is a pure function that
returns the value it could make and a list of :class:`Issue` — one per problem, naming the
record, the field and the reason — so the dry-run report (E3) can list every faulty record.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from sys import intern
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from lemnicore.importing.issues import FIXED, IMPORTED, MERGED, SKIPPED, WARNING, Issue
from lemnicore.scheduling.clients import is_valid_email
from lemnicore.timekeeping import local_datetime

__all__ = ["FIXED", "IMPORTED", "MERGED", "SKIPPED", "WARNING", "Issue"]  # shared values
__all__ += ["Person", "SourceAppointment", "read_appointment", "read_contact"]


@attrs.frozen
class Person:
    """The personal data of a contact, or the person named on an appointment.

    ``key`` is the external id the client would get; ``record_id`` is how the report names
    the source record (``contact 17``, ``appointment 4711``).
    """

    key: str
    record_id: str
    kind: str
    last_name: str
    first_name: str = ""
    salutation: str = ""
    title: str = ""
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    street: str = ""
    postcode: str = ""
    town: str = ""
    birthday: date | None = None
    notes: str = ""
    tags: tuple[str, ...] = ()

    @property
    def postal_address(self) -> str | None:
        town = " ".join(p for p in (self.postcode, self.town) if p)
        return ", ".join(p for p in (self.street, town) if p) or None


@attrs.frozen
class SourceAppointment:
    """An eTermin appointment or blocked slot, with aware times (account time zone)."""

    key: str
    record_id: str
    calendar_id: str
    start: datetime
    end: datetime
    blocked: bool = False
    person: Person | None = None
    comment: str = ""
    created_at: datetime | None = None


# -- field access -----------------------------------------------------------------------


_LOWER_KEYS: dict[tuple[Any, ...], tuple[str, ...]] = {}


def lowered(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The record with lower-case field names: eTermin's casing is not reliable."""
    # E6: records of one response share their field names: lower them once per shape.
    keys = tuple(raw)
    lower = _LOWER_KEYS.get(keys)
    if lower is None:
        lower = tuple(str(k).lower() for k in keys)
        if len(_LOWER_KEYS) < 256:
            _LOWER_KEYS[keys] = lower
    return dict(zip(lower, raw.values(), strict=True))


def text(fields: Mapping[str, Any], *names: str) -> str:
    """The first non-empty of ``names`` as stripped text; null and missing become ``""``."""
    for name in names:
        value = fields.get(name)
        if value is None:
            continue
        if type(value) is str:  # the common case first: this runs millions of times
            found = value.strip()
            if found and found != "null":
                return found
            continue
        if isinstance(value, dict | list):
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        found = str(value).strip()
        if found and found.lower() != "null":
            return found
    return ""


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "ja", "-1"}
    return bool(value)


def unescape_notes(value: str) -> tuple[str, bool]:
    """Literal ``\\n`` (and ``\\r\\n``) as real line breaks; says whether anything changed."""
    fixed = value.replace("\\r\\n", "\n").replace("\\n", "\n").replace("\\r", "\n")
    return fixed.strip(), fixed != value


_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?Z?)?$")


@functools.lru_cache(maxsize=1 << 14)
def parse_birthday(value: str) -> tuple[date | None, str | None]:
    """``dd.mm.yyyy``, ISO ``yyyy-mm-dd`` (optionally with a midnight time) or empty.

    Returns the date or ``None``, and a reason if the value was there but unusable.
    """
    value = value.strip()
    if not value:
        return None, None
    german = _GERMAN_DATE.match(value)
    iso = _ISO_DATE.match(value)
    try:
        if german:
            day = date(int(german[3]), int(german[2]), int(german[1]))
        elif iso:
            day = date(int(iso[1]), int(iso[2]), int(iso[3]))
        else:
            return None, f"not a date (expected dd.mm.yyyy or yyyy-mm-dd): {value!r}"
    except ValueError:
        return None, f"no such date: {value!r}"
    if day.year < 1900 or day.year > 2100:
        return None, f"implausible birth year: {value!r}"
    return day, None


_NON_DIGITS = re.compile(r"\D")


@functools.lru_cache(maxsize=1 << 14)
def phone_key(value: str) -> str:
    """Digits of a phone number in German national form, for comparing (E4).

    ``+49 170 1234567``, ``0049-170-1234567`` and ``0170/1234567`` are the same number.
    """
    digits = _NON_DIGITS.sub("", value)
    if value.strip().startswith("+"):
        digits = "00" + digits
    if digits.startswith("0049"):
        digits = "0" + digits[4:]
    return digits


_MOBILE_PREFIX = re.compile(r"^01[567]\d")
_LETTER = re.compile(r"[A-Za-z]")


@functools.lru_cache(maxsize=1 << 14)
def parse_phone(value: str) -> tuple[str | None, bool, str | None]:
    """(number, is German mobile, problem). Letters or too few digits make it unusable."""
    value = value.strip()
    if not value:
        return None, False, None
    if _LETTER.search(value) or len(_NON_DIGITS.sub("", value)) < 6:
        return None, False, f"not a phone number: {value!r}"
    return value, bool(_MOBILE_PREFIX.match(phone_key(value))), None


def parse_local_time(
    value: str, tz: ZoneInfo, utc_value: str = ""
) -> tuple[datetime | None, str | None]:
    """An eTermin time: local to the account (no offset) → aware in ``tz``.

    A wall time in the spring-forward gap moves forward like a clock; an ambiguous autumn
    time takes its first occurrence unless the record's UTC time says otherwise.
    """
    value = value.strip()
    if not value:
        return None, "missing"
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        return None, f"not a date and time: {value!r}"
    if parsed.tzinfo is not None:
        return parsed.astimezone(tz), None
    if utc_value:
        # The UTC twin, when it agrees with the local time, settles DST questions at once.
        try:
            utc = datetime.fromisoformat(utc_value.strip().replace(" ", "T", 1))
        except ValueError:
            utc = None
        if utc is not None:
            in_zone = (utc.replace(tzinfo=UTC) if utc.tzinfo is None else utc).astimezone(tz)
            if in_zone.replace(tzinfo=None) == parsed:
                return in_zone, None
    return local_datetime(parsed.date(), parsed.time(), tz), None


def unclear_wall_time(value: str, tz: ZoneInfo) -> str:
    """E6: why a local time without offset is unclear in ``tz`` (``""`` if it is not):
    it falls in the spring-forward gap, or in the autumn hour that happens twice."""
    try:
        naive = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        return ""
    if naive.tzinfo is not None:
        return ""
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return ""
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        return f"local time {value} does not exist (clocks spring forward)"
    return f"local time {value} happens twice (clocks fall back)"


def _utc_pair(start: str, end: str) -> tuple[datetime, datetime] | None:
    """The record's UTC start and end, if both are there, readable and in order."""
    parsed: list[datetime] = []
    for value in (start, end):
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value.replace(" ", "T", 1).replace("Z", "+00:00"))
        except ValueError:
            return None
        parsed.append(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment)
    first, last = parsed[0].astimezone(UTC), parsed[1].astimezone(UTC)
    return (first, last) if first < last else None


def _agreeing_utc(local_text: str, utc_text: str, tz: ZoneInfo) -> datetime | None:
    """The UTC instant ``utc_text`` if it is plainly the same moment as the wall time
    ``local_text`` in ``tz`` (both without offset, as eTermin sends them); else ``None``."""
    if not utc_text or len(utc_text) != 19 or len(local_text) != 19:
        return None
    try:
        local = datetime.fromisoformat(local_text)
        utc = datetime.fromisoformat(utc_text + "+00:00")
    except ValueError:
        return None
    wall = utc.astimezone(tz)
    if (
        wall.minute == local.minute
        and wall.hour == local.hour
        and wall.day == local.day
        and wall.month == local.month
        and wall.year == local.year
        and wall.second == local.second
        and not local.microsecond
    ):
        return utc
    return None


def resolve_times(
    start_text: str, end_text: str, start_utc: str, end_utc: str, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None, str, str, str]:
    """E6: an appointment's start and end in UTC from its local and UTC times.

    Returns ``(start, end, field, reason, note)``: on a problem ``start``/``end`` are
    ``None`` and ``field``/``reason`` say why the record is skipped; ``note`` says when the
    UTC times settled a local time that does not exist or exists twice.
    """
    # The usual record: local and UTC times that agree (an unclear wall time never does:
    # a gap time has no UTC twin showing the same wall time, and of a twice-happening
    # time its UTC twin picks one). Read once, without the general path's checks.
    start = _agreeing_utc(start_text, start_utc, tz)
    if start is not None:
        end = _agreeing_utc(end_text, end_utc, tz)
        if end is not None and start < end:
            return start, end, "", "", ""
    return _resolve_times(start_text, end_text, start_utc, end_utc, tz)


@functools.lru_cache(maxsize=4096)  # the unusual records; do not hold them all
def _resolve_times(
    start_text: str, end_text: str, start_utc: str, end_utc: str, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None, str, str, str]:
    start, problem = parse_local_time(start_text, tz, start_utc)
    if start is None:
        return None, None, "StartDateTime", problem or "missing", ""
    end, problem = parse_local_time(end_text, tz, end_utc)
    if end is None:
        return None, None, "EndDateTime", problem or "missing", ""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    note = ""
    utc_pair = _utc_pair(start_utc, end_utc)
    if utc_pair is not None and utc_pair != (start, end):
        unclear = unclear_wall_time(start_text, tz) or unclear_wall_time(end_text, tz)
        if unclear or end <= start:
            # A local time in the spring-forward gap or the repeated autumn hour says
            # nothing for sure; the record's UTC pair does. Never drop the appointment.
            start, end = utc_pair
            note = (
                f"{unclear or 'local times disagree with the UTC times'}: taken from the UTC times"
            )
    if end <= start:
        reason = f"ends ({end.isoformat()}) before it starts ({start.isoformat()})"
        return None, None, "EndDateTime", reason, ""
    return start, end, "", "", note


# -- record readers -----------------------------------------------------------------------


def contact_key(source_id: str) -> str:
    return f"etermin:contact:{source_id}"


def appointment_key(source_id: str) -> str:
    return f"etermin:appointment:{source_id}"


def appointment_client_key(source_id: str) -> str:
    return f"etermin:appointment-client:{source_id}"


def _read_person(
    f: Mapping[str, Any], *, key: str, record_id: str, kind: str, issues: list[Issue]
) -> Person | None:
    last_name = text(f, "lastname", "name")
    first_name = text(f, "firstname")
    if not last_name:
        if first_name:
            issues.append(Issue(kind, record_id, "LastName", "missing; first name used", FIXED))
            last_name, first_name = first_name, ""
        else:
            return None
    email: str | None = text(f, "email", "e-mail", "mail")
    if not email:
        issues.append(Issue(kind, record_id, "Email", "missing: no e-mail messages possible"))
        email = None
    elif not is_valid_email(email):
        issues.append(Issue(kind, record_id, "Email", f"not a valid e-mail: {email!r}", FIXED))
        email = None
    phone, mobile = None, None
    for name in ("phone", "mobile", "mobilephone", "telefon"):
        raw_phone = text(f, name)
        if not raw_phone:
            continue
        number, is_mobile, problem = parse_phone(raw_phone)
        if problem:
            issues.append(Issue(kind, record_id, "Phone", problem, FIXED))
        elif is_mobile and mobile is None:
            mobile = number
        elif phone is None:
            phone = number
    birthday, problem = parse_birthday(text(f, "birthday", "birthdate", "dateofbirth"))
    if problem:
        issues.append(Issue(kind, record_id, "Birthday", problem, FIXED))
    # An appointment's notes are the appointment's (its comment), not the person's.
    notes, unescaped = (
        unescape_notes(text(f, "notes", "note")) if kind == "contact" else ("", False)
    )
    if unescaped:
        issues.append(Issue(kind, record_id, "Notes", "literal \\n made line breaks", FIXED))
    tag_text = text(f, "tags")
    tags = tuple(t.strip() for t in tag_text.split(",") if t.strip()) if tag_text else ()
    # E6: the same person comes on many appointments; their strings are stored once.
    return Person(
        key=key,
        record_id=record_id,
        kind=kind,
        last_name=intern(last_name),
        first_name=intern(first_name),
        salutation=intern(text(f, "salutation")),
        title=intern(text(f, "title")),
        email=intern(email) if email else None,
        phone=intern(phone) if phone else None,
        mobile=intern(mobile) if mobile else None,
        street=intern(text(f, "street")),
        postcode=intern(text(f, "zip", "zipcode", "postcode")),
        town=intern(text(f, "town", "city")),  # appointments say Town, contacts say City
        birthday=birthday,
        notes=notes,
        tags=tags,
    )


def read_contact(raw: Mapping[str, Any]) -> tuple[Person | None, list[Issue]]:
    """An eTermin contact → a :class:`Person` (or ``None`` if it has no name at all)."""
    f = lowered(raw)
    source_id = text(f, "externalid", "cid", "id")
    record_id = f"contact {text(f, 'cid', 'id', 'externalid') or '?'}"
    issues: list[Issue] = []
    if not source_id:
        return None, [Issue("contact", record_id, "CID", "no id", SKIPPED)]
    person = _read_person(
        f, key=contact_key(source_id), record_id=record_id, kind="contact", issues=issues
    )
    if person is None:
        issues.append(Issue("contact", record_id, "LastName", "missing name", SKIPPED))
    return person, issues


def read_appointment(
    raw: Mapping[str, Any], tz: ZoneInfo
) -> tuple[SourceAppointment | None, list[Issue]]:
    """An eTermin appointment → a :class:`SourceAppointment` in the account's zone ``tz``."""
    f = lowered(raw)
    source_id = text(f, "externalid", "id", "iid")
    record_id = f"appointment {text(f, 'id', 'iid', 'externalid') or '?'}"
    issues: list[Issue] = []
    kind = "appointment"
    if not source_id:
        return None, [Issue(kind, record_id, "ExternalID", "no id", SKIPPED)]
    start, end, field, reason, note = resolve_times(
        text(f, "startdatetime", "start"),
        text(f, "enddatetime", "end"),
        text(f, "startdatetimeutc"),
        text(f, "enddatetimeutc"),
        tz,
    )
    if start is None or end is None:
        return None, [Issue(kind, record_id, field, reason, SKIPPED)]
    if note:
        issues.append(Issue(kind, record_id, "StartDateTime", note))
    calendar_id = text(f, "calendarid")
    if not calendar_id:
        return None, [Issue(kind, record_id, "CalendarID", "missing", SKIPPED)]
    notes, unescaped = unescape_notes(text(f, "notes", "note"))
    if unescaped:
        issues.append(Issue(kind, record_id, "Notes", "literal \\n made line breaks", FIXED))
    blocked = truthy(f.get("blockedapp"))
    services = text(f, "servicestext")
    comment = intern("\n".join(p for p in (services, notes) if p))
    created, _ = parse_local_time(text(f, "creationdate"), tz)
    rule = text(f, "recurrencerule")
    if rule:
        # eTermin's series format is undocumented; importing only this record and saying
        # so beats guessing occurrences that eTermin may also send as records of their own.
        reason = (
            f"part of a recurring series in eTermin ({rule}): imported as this one"
            " appointment; check the series' other dates"
        )
        issues.append(Issue(kind, record_id, "RecurrenceRule", reason, WARNING))
    person: Person | None = None
    if not blocked:
        linked = text(f, "cid", "contactid")
        key = contact_key(linked) if linked else appointment_client_key(source_id)
        person = _read_person(f, key=key, record_id=record_id, kind=kind, issues=issues)
        if person is None:
            issues.append(
                Issue(kind, record_id, "LastName", "missing name: imported without client")
            )
    # Kept in UTC: aware datetimes sharing one ZoneInfo compare by wall time and ignore
    # ``fold``, which would misorder the repeated autumn hour.
    return SourceAppointment(
        key=appointment_key(source_id),
        record_id=record_id,
        calendar_id=calendar_id,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        blocked=blocked,
        person=person,
        comment=comment,
        created_at=created,
    ), issues


def read_deleted_key(raw: Mapping[str, Any]) -> str | None:
    """The appointment key of a record from the deleted-appointments feed."""
    f = lowered(raw)
    source_id = text(f, "externalid", "id", "iid", "appointmentid")
    return appointment_key(source_id) if source_id else None
