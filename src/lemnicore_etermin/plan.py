"""E1–E4: the takeover as a plan — pure functions from fetched records to lemnicore values.

:func:`read_account` turns raw eTermin records into checked source values;
:func:`plan_takeover` maps calendars to rooms (E2, with A8's overlap warning), filters the
window (E1), de-duplicates clients (E4) and validates everything (E3). Nothing here does
I/O or reads the clock: ``today`` and ``now`` are parameters. The plan is what a dry run
reports and what a commit writes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from sys import intern
from typing import Any

import attrs

from lemnicore._validators import non_empty
from lemnicore.errors import ValidationError
from lemnicore.importing.plan import ImportPlan, in_room_overlaps
from lemnicore.importing.runs import (
    CONFIRMATIONS_FUTURE,
    CONFIRMATIONS_NONE,
    ImportedConfirmations,
)
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.practice import AppointmentType
from lemnicore.timekeeping import DEFAULT_TIME_ZONE, zone
from lemnicore_etermin.dedup import combined, group_persons
from lemnicore_etermin.records import (
    SKIPPED,
    WARNING,
    Issue,
    Person,
    SourceAppointment,
    lowered,
    read_appointment,
    read_contact,
    read_deleted_key,
    text,
)

SOURCE = "etermin"
APPOINTMENT_TYPE = AppointmentType("etermin-appointment", "Appointment (from eTermin)")
BLOCK_TYPE = AppointmentType(
    "etermin-block", "Blocked time (from eTermin)", allows_auto_notifications=False
)


def record_id_for(key: str) -> str:
    """The lemnicore id for a source key: the same on every run, so re-runs and resets
    followed by re-imports produce identical records (E4, E5)."""
    return hashlib.blake2b(key.encode(), digest_size=16, person=b"lemnicore-etmn").hexdigest()


@attrs.frozen
class CalendarMapping:
    """E2: one eTermin calendar into one lemnicore room and calendar."""

    source_id: str = attrs.field(validator=non_empty)
    room_id: str = attrs.field(validator=non_empty)
    calendar_id: str = attrs.field(validator=non_empty)


def _mapping_tuple(values: Iterable[CalendarMapping]) -> tuple[CalendarMapping, ...]:
    return tuple(values)


def _confirmations(value: str) -> ImportedConfirmations:
    try:
        return ImportedConfirmations(value)
    except ValueError:
        raise ValidationError(
            "confirmations", f"must be {CONFIRMATIONS_NONE!r} or {CONFIRMATIONS_FUTURE!r}"
        ) from None


@attrs.frozen
class TakeoverOptions:
    """What the user chose (E1, E2, D16, D17).

    The window is relative to today in days, inclusive at both ends (−500 … +200).
    ``time_zone`` is the eTermin account's zone: its times come without offset.
    """

    organisation_id: str = attrs.field(validator=non_empty)
    calendars: tuple[CalendarMapping, ...] = attrs.field(converter=_mapping_tuple)
    window_from_days: int = -500
    window_to_days: int = 200
    confirmations: ImportedConfirmations = attrs.field(
        default=ImportedConfirmations.NONE, converter=_confirmations
    )
    reminders_from: date | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    default_consent: bool | None = None
    """D4/D18: the notification consent imported clients start with. ``None`` (default):
    the organisation's default for new records, read when the import is committed."""

    def __attrs_post_init__(self) -> None:
        if self.window_from_days > self.window_to_days:
            raise ValidationError(
                "window", f"from ({self.window_from_days}) is after to ({self.window_to_days})"
            )
        if not self.calendars:
            raise ValidationError("calendars", "select at least one eTermin calendar (E2)")
        zone(self.time_zone)

    def window(self, today: date) -> tuple[date, date]:
        """The first and last local day of the import window."""
        return today + timedelta(days=self.window_from_days), today + timedelta(
            days=self.window_to_days
        )

    @property
    def source_calendar_ids(self) -> list[str]:
        return list(dict.fromkeys(m.source_id for m in self.calendars))


def check_mapped_calendars(
    calendars: Iterable[Mapping[str, Any]], options: TakeoverOptions
) -> None:
    """E2: refuse a mapping to a calendar the account does not have, naming it.

    A typo such as ``999=room-1`` would otherwise import "nothing from calendar 999".
    """
    listed = [lowered(c) for c in calendars]
    known = {text(c, "calendarid", "id") for c in listed}
    unknown = [m.source_id for m in options.calendars if m.source_id not in known]
    if unknown:
        has = ", ".join(
            f"{text(c, 'calendarid', 'id')} ({text(c, 'calendarname', 'name')})" for c in listed
        )
        raise ValidationError(
            "calendars",
            f"the eTermin account has no calendar {', '.join(map(repr, unknown))}"
            f" (it has: {has or 'none'})",
        )


@attrs.frozen
class FetchedAccount:
    """What was read from eTermin, already checked record by record (E3)."""

    calendars: tuple[Mapping[str, Any], ...]
    contacts: tuple[Person, ...]
    appointments: tuple[SourceAppointment, ...]
    deleted_keys: frozenset[str]
    issues: tuple[Issue, ...]


class AccountReader:
    """Collects raw records chunk by chunk, so raw JSON never piles up (E6)."""

    def __init__(self, time_zone: str) -> None:
        self.tz = zone(time_zone)
        self.calendars: list[Mapping[str, Any]] = []
        self.contacts: list[Person] = []
        self.appointments: dict[str, SourceAppointment] = {}
        self.deleted: set[str] = set()
        self.issues: list[Issue] = []

    def add_calendars(self, raw: Iterable[Mapping[str, Any]]) -> None:
        self.calendars.extend(raw)

    def add_contacts(self, raw: Iterable[Mapping[str, Any]]) -> None:
        for record in raw:
            person, issues = read_contact(record)
            self.issues.extend(issues)
            if person is not None:
                self.contacts.append(person)

    def add_appointments(self, raw: Iterable[Mapping[str, Any]]) -> None:
        for record in raw:
            appointment, issues = read_appointment(record, self.tz)
            self.issues.extend(issues)
            # A record seen twice (overlapping requests) is one appointment.
            if appointment is not None:
                self.appointments.setdefault(appointment.key, appointment)

    def add_deleted(self, raw: Iterable[Mapping[str, Any]]) -> None:
        self.deleted.update(k for k in map(read_deleted_key, raw) if k)

    def result(self) -> FetchedAccount:
        return FetchedAccount(
            calendars=tuple(self.calendars),
            contacts=tuple(self.contacts),
            appointments=tuple(sorted(self.appointments.values(), key=lambda a: (a.start, a.key))),
            deleted_keys=frozenset(self.deleted),
            issues=tuple(self.issues),
        )


def read_account(
    *,
    calendars: Iterable[Mapping[str, Any]],
    contacts: Iterable[Mapping[str, Any]],
    appointments: Iterable[Mapping[str, Any]],
    deleted: Iterable[Mapping[str, Any]] = (),
    time_zone: str = DEFAULT_TIME_ZONE,
) -> FetchedAccount:
    """Read raw eTermin records (as the API sends them) into a :class:`FetchedAccount`."""
    reader = AccountReader(time_zone)
    reader.add_calendars(calendars)
    reader.add_contacts(contacts)
    reader.add_appointments(appointments)
    reader.add_deleted(deleted)
    return reader.result()


TakeoverPlan = ImportPlan
"""An eTermin takeover's plan is an :class:`~lemnicore.importing.plan.ImportPlan`."""


def _client(
    person: Person, *, organisation_id: str, consent: bool, now: datetime, import_id: str | None
) -> Client:
    notes = person.notes
    if person.title:
        notes = "\n".join(p for p in (f"Title: {person.title}", notes) if p)
    return Client(
        id=record_id_for(person.key),
        organisation_id=organisation_id,
        last_name=person.last_name,
        first_name=person.first_name,
        salutation=person.salutation,
        email=person.email,
        mobile=person.mobile,
        phone=person.phone,
        postal_address=person.postal_address,
        birthday=person.birthday,
        notes=notes,
        tags=frozenset(person.tags),
        notification_consent=consent,
        consent_changed_at=now,
        contact_changed_at=now,
        external_id=person.key,
        import_id=import_id,
    )


def plan_takeover(
    account: FetchedAccount,
    options: TakeoverOptions,
    *,
    today: date,
    now: datetime,
    import_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TakeoverPlan:
    """E1–E4: map, de-duplicate and validate; return what an import would write.

    Appointments outside the window, in calendars that are not mapped, or deleted in
    eTermin are left out and reported. Blocked slots become client-less blocks of the
    ``etermin-block`` type (no notifications). Overlaps in a room are kept, marked
    ``double_booked`` and reported (A4, A8). ``import_id`` (from
    :func:`~lemnicore_etermin.takeover.next_import_id`) stamps the records right away, which
    spares the commit a copy of every record.
    """
    tz = zone(options.time_zone)
    window_from, window_to = options.window(today)
    issues: list[Issue] = list(account.issues)
    mapping = {m.source_id: m for m in options.calendars}
    check_mapped_calendars(account.calendars, options)
    rooms: dict[str, list[str]] = {}
    for m in options.calendars:
        rooms.setdefault(m.room_id, []).append(m.source_id)
    shared_rooms = {room: tuple(ids) for room, ids in rooms.items() if len(ids) > 1}

    kept: list[SourceAppointment] = []
    counts = {"outside_window": 0, "unknown_calendar": 0, "deleted_in_source": 0}
    # E6: progress in records: each appointment is looked at twice (kept? then mapped).
    total = 2 * len(account.appointments)
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 5000 == 0 or done == total):
            progress(done, total)

    if progress is not None:
        progress(0, total)
    for a in account.appointments:
        advance()
        local_day = a.start.astimezone(tz).date()
        if a.key in account.deleted_keys:
            counts["deleted_in_source"] += 1
            issues.append(Issue("appointment", a.record_id, "ID", "deleted in eTermin", SKIPPED))
        elif a.calendar_id not in mapping:
            counts["unknown_calendar"] += 1
            reason = f"calendar {a.calendar_id!r} is not selected or unknown"
            issues.append(Issue("appointment", a.record_id, "CalendarID", reason, SKIPPED))
        elif not window_from <= local_day <= window_to:
            counts["outside_window"] += 1
            reason = f"{local_day.isoformat()} is outside {window_from}…{window_to}"
            issues.append(Issue("appointment", a.record_id, "StartDateTime", reason, SKIPPED))
        else:
            kept.append(a)

    persons = [*account.contacts, *(a.person for a in kept if a.person is not None)]
    groups, group_of, merges, possible = group_persons(persons)
    clients = [
        _client(
            combined(g),
            organisation_id=options.organisation_id,
            consent=bool(options.default_consent),  # None: settled by the commit
            now=now,
            import_id=import_id,
        )
        for g in groups
    ]
    for merge in merges:
        # One string per client, not per merged record (E6: memory at 100 000 records).
        reason = intern(f"same client as {merge.kept} ({merge.rule})")
        kind = intern(merge.merged.split(" ", 1)[0])
        issues.append(Issue(kind, merge.merged, "client", reason, "merged"))
    for doubt in possible:
        kind = doubt.merged.split(" ", 1)[0]
        reason = f"{doubt.rule} as {doubt.kept}: kept apart, decide by hand"
        issues.append(Issue(kind, doubt.merged, "client", reason, WARNING))

    appointments: list[Appointment] = []
    source_of: dict[str, str] = {}
    done = total - len(kept)  # the left-out ones need no mapping
    for a in kept:
        advance()
        target = mapping[a.calendar_id]
        client_id = None
        if a.person is not None:
            client_id = clients[group_of[a.person.key]].id
        appointment_id = record_id_for(a.key)
        source_of[appointment_id] = a.record_id
        appointments.append(
            Appointment(
                id=appointment_id,
                calendar_id=target.calendar_id,
                room_id=target.room_id,
                start=a.start,
                end=a.end,
                type_id=BLOCK_TYPE.id if a.blocked else APPOINTMENT_TYPE.id,
                client_id=client_id,
                comment=a.comment,
                created_at=a.created_at,
                external_id=a.key,
                import_id=import_id,
            )
        )
    overlaps, overlap_issues, double = in_room_overlaps(appointments, source_of)
    issues.extend(overlap_issues)
    if double:
        appointments = [
            attrs.evolve(a, double_booked=True) if a.id in double else a for a in appointments
        ]
    counts |= {
        "calendars": len(mapping),
        "contacts_read": len(account.contacts),
        "appointments_read": len(account.appointments),
        "clients": len(clients),
        "appointments": sum(1 for a in appointments if a.type_id == APPOINTMENT_TYPE.id),
        "blocks": sum(1 for a in appointments if a.type_id == BLOCK_TYPE.id),
        "merged": len(merges),
        "possible_duplicates": len(possible),
        "overlaps": len(overlaps),
        "deleted_feed": len(account.deleted_keys),
        "faulty_records": sum(1 for i in issues if i.action == SKIPPED),
        "issues": len(issues),
    }
    return ImportPlan(
        source=SOURCE,
        import_id=import_id,
        options=options,
        window_from=window_from,
        window_to=window_to,
        appointment_types=(APPOINTMENT_TYPE, BLOCK_TYPE),
        clients=tuple(clients),
        appointments=tuple(appointments),
        deleted_keys=account.deleted_keys,
        issues=tuple(issues),
        merges=tuple(merges),
        overlaps=tuple(overlaps),
        shared_rooms=shared_rooms,
        counts=counts,
        possible_duplicates=tuple(possible),
        client_sources={
            c.id: tuple((p.key, p.record_id) for p in g.members)
            for c, g in zip(clients, groups, strict=True)
        },
    )


def summarise_issues(issues: Sequence[Issue]) -> dict[str, int]:
    """How many issues of each (kind, field, action), for the report's overview."""
    summary: dict[str, int] = {}
    for issue in issues:
        key = f"{issue.kind}.{issue.field} [{issue.action}]"
        summary[key] = summary.get(key, 0) + 1
    return dict(sorted(summary.items()))
