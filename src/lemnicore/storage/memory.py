"""F1: the in-memory store (``memory://``) for tests and examples.

It behaves like the SQLite store: a unit of work sees its own changes, commits them all at
once, and a writing unit of work holds the store's lock so concurrent bookings from threads
serialise exactly as they do on SQLite (F2). Tables are copied on first write, so a rolled
back unit of work leaves nothing behind.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from lemnicore._validators import is_record_id
from lemnicore.access.audit import AuditEntry, redact_entry
from lemnicore.access.logins import ClientLogin
from lemnicore.access.policy import Grant
from lemnicore.access.staff import StaffAccount
from lemnicore.errors import ConflictError, NotFoundError, StoreError
from lemnicore.importing.runs import ImportRun
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.online.releases import OnlineRelease, SlotHold
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.busy import BusyInterval
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.community import CalendarCommunity
from lemnicore.scheduling.practice import (
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.scheduling.practitioner_hours import PractitionerHours
from lemnicore.scheduling.waiting_list import WaitingEntry, WaitingListOffer
from lemnicore.storage.memory_notifications import (
    NOTIFICATION_TABLES,
    MemoryMessageHistory,
    MemoryNotificationLog,
)
from lemnicore.storage.ports import record_name, sorted_by_start

T = TypeVar("T")

CATALOG_KINDS = (
    "organisations",
    "branches",
    "rooms",
    "practitioners",
    "calendars",
    "appointment_types",
    "availabilities",
    "communities",
    "grants",
    "staff_accounts",
    "client_logins",
    "online_releases",
    "slot_holds",
    "import_runs",
    "notification_policies",
    "practitioner_hours",
    "waiting_list",
    "waiting_list_offers",
)


class _Tables:
    """The committed state, or a unit of work's private copy of part of it."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Any]] = {
            k: {} for k in (*CATALOG_KINDS, "appointments", "clients", *NOTIFICATION_TABLES)
        }
        self.extra: dict[str, Any] = {}
        self.audit: list[AuditEntry] = []


class _Working:
    """Copy-on-write view of the committed tables for one unit of work."""

    def __init__(self, base: _Tables) -> None:
        self._base = base
        self._copied: dict[str, dict[str, Any]] = {}
        self.new_audit: list[AuditEntry] = []
        # B5: redacted versions of committed entries, applied on publish.
        self.redacted_audit: dict[str, AuditEntry] = {}

    def audit_entries(self) -> list[AuditEntry]:
        return [self.redacted_audit.get(e.id, e) for e in self._base.audit] + self.new_audit

    def read(self, table: str) -> dict[str, Any]:
        if table in self._copied:
            return self._copied[table]
        return self._base.tables[table]

    def write(self, table: str) -> dict[str, Any]:
        if table not in self._copied:
            self._copied[table] = dict(self._base.tables[table])
        return self._copied[table]

    def publish(self) -> None:
        self._base.tables.update(self._copied)
        if self.redacted_audit:
            self._base.audit[:] = [self.redacted_audit.get(e.id, e) for e in self._base.audit]
        self._base.audit.extend(self.new_audit)
        self._copied = {}
        self.new_audit = []
        self.redacted_audit = {}


class MemoryCatalog(Generic[T]):
    def __init__(self, working: Callable[[], _Working], table: str) -> None:
        self._working = working
        self._table = table

    def put(self, value: T) -> None:
        self._working().write(self._table)[value.id] = value  # type: ignore[attr-defined]

    def get(self, record_id: str) -> T:
        found = self.find(record_id)
        if found is None:
            raise NotFoundError(record_name(self._table), record_id)
        return found

    def find(self, record_id: str) -> T | None:
        if not is_record_id(record_id):
            return None
        value: T | None = self._working().read(self._table).get(record_id)
        return value

    def all(self) -> list[T]:
        table = self._working().read(self._table)
        return [table[k] for k in sorted(table)]

    def remove(self, record_id: str) -> None:
        self._working().write(self._table).pop(record_id, None)


def _busy(a: Appointment) -> BusyInterval:
    return BusyInterval(a.start, a.end, a.type_id, a.id, a.room_id, a.calendar_id)


class MemoryAppointments:
    def __init__(self, working: Callable[[], _Working]) -> None:
        self._working = working

    def _all(self) -> Iterator[Appointment]:
        return iter(self._working().read("appointments").values())

    def add(self, appointment: Appointment) -> None:
        table = self._working().write("appointments")
        if appointment.id in table:
            raise StoreError(f"appointment {appointment.id!r} exists already")
        table[appointment.id] = appointment

    def add_many(self, appointments: Sequence[Appointment]) -> None:
        for appointment in appointments:
            self.add(appointment)

    def update(self, appointment: Appointment) -> None:
        table = self._working().write("appointments")
        if appointment.id not in table:
            raise NotFoundError("appointment", appointment.id)
        table[appointment.id] = appointment

    def get(self, appointment_id: str) -> Appointment:
        found = self.find(appointment_id)
        if found is None:
            raise NotFoundError("appointment", appointment_id)
        return found

    def find(self, appointment_id: str) -> Appointment | None:
        if not is_record_id(appointment_id):
            return None
        value: Appointment | None = self._working().read("appointments").get(appointment_id)
        return value

    def in_room(
        self, room_id: str, start: datetime, end: datetime, *, active_only: bool = True
    ) -> list[Appointment]:
        return sorted_by_start(
            [
                a
                for a in self._all()
                if a.room_id == room_id
                and a.start < end
                and a.end > start
                and (a.blocks_room or not active_only)
            ]
        )

    def in_calendar(self, calendar_id: str, start: datetime, end: datetime) -> list[Appointment]:
        return sorted_by_start(
            [
                a
                for a in self._all()
                if a.calendar_id == calendar_id and a.start < end and a.end > start
            ]
        )

    def busy_in_room(self, room_id: str, start: datetime, end: datetime) -> list[BusyInterval]:
        return [_busy(a) for a in self.in_room(room_id, start, end)]

    def busy_of_calendars(
        self, calendar_ids: Collection[str], start: datetime, end: datetime
    ) -> list[BusyInterval]:
        wanted = set(calendar_ids)
        return [
            _busy(a)
            for a in sorted_by_start(
                [
                    a
                    for a in self._all()
                    if a.calendar_id in wanted and a.blocks_room and a.start < end and a.end > start
                ]
            )
        ]

    def in_series(self, series_id: str) -> list[Appointment]:
        return sorted_by_start([a for a in self._all() if a.series_id == series_id])

    def starting_between(self, start: datetime, end: datetime) -> list[Appointment]:
        return sorted_by_start([a for a in self._all() if start <= a.start < end])

    def count_active_starting_between(
        self,
        calendar_ids: Collection[str],
        start: datetime,
        end: datetime,
        *,
        excluding: str | None = None,
    ) -> int:
        return sum(
            1
            for a in self._all()
            if a.calendar_id in calendar_ids
            and start <= a.start < end
            and a.blocks_room
            and a.id != excluding
        )

    def of_client(self, client_id: str) -> list[Appointment]:
        return sorted_by_start([a for a in self._all() if a.client_id == client_id])

    def by_external_id(self, external_id: str) -> Appointment | None:
        return next((a for a in self._all() if a.external_id == external_id), None)

    def with_import_id(self, import_id: str) -> list[Appointment]:
        return sorted_by_start([a for a in self._all() if a.import_id == import_id])

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        wanted = set(external_ids)
        return {a.external_id for a in self._all() if a.external_id in wanted}

    def delete(self, appointment_id: str) -> None:
        self._working().write("appointments").pop(appointment_id, None)

    def count(self) -> int:
        return len(self._working().read("appointments"))


class MemoryClients:
    def __init__(self, working: Callable[[], _Working]) -> None:
        self._working = working

    def _table(self) -> dict[str, Client]:
        return self._working().read("clients")

    def add(self, client: Client) -> None:
        table = self._working().write("clients")
        if client.id in table:
            raise StoreError(f"client {client.id!r} exists already")
        table[client.id] = client

    def add_many(self, clients: Sequence[Client]) -> None:
        for client in clients:
            self.add(client)

    def update(self, client: Client) -> None:
        table = self._working().write("clients")
        if client.id not in table:
            raise NotFoundError("client", client.id)
        table[client.id] = client

    def get(self, client_id: str) -> Client:
        found = self.find(client_id)
        if found is None:
            raise NotFoundError("client", client_id)
        return found

    def find(self, client_id: str) -> Client | None:
        if not is_record_id(client_id):
            return None
        return self._table().get(client_id)

    def by_email(self, email: str) -> list[Client]:
        wanted = email.strip().casefold()
        return sorted(
            (c for c in self._table().values() if c.email and c.email.casefold() == wanted),
            key=lambda c: c.id,
        )

    def by_external_id(self, external_id: str) -> Client | None:
        return next((c for c in self._table().values() if c.external_id == external_id), None)

    def with_import_id(self, import_id: str) -> list[Client]:
        return sorted(
            (c for c in self._table().values() if c.import_id == import_id), key=lambda c: c.id
        )

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        wanted = set(external_ids)
        return {c.external_id for c in self._table().values() if c.external_id in wanted}

    def all(self) -> list[Client]:
        return sorted(self._table().values(), key=lambda c: c.id)

    def delete(self, client_id: str) -> None:
        self._working().write("clients").pop(client_id, None)

    def count(self) -> int:
        return len(self._table())


def _copied(entry: AuditEntry) -> AuditEntry:
    return attrs.evolve(entry, before=copy.deepcopy(entry.before), after=copy.deepcopy(entry.after))


class MemoryAuditLog:
    def __init__(self, working: Callable[[], _Working], base: _Tables) -> None:
        self._working = working
        self._base = base

    def append(self, entry: AuditEntry) -> None:
        # Stored as a private copy: the caller's before/after dicts stay the caller's.
        self._working().new_audit.append(_copied(entry))

    def query(
        self,
        *,
        appointment_id: str | None = None,
        client_id: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        # Copies out, too: an audit row handed out cannot be changed in the store (B3).
        return [
            _copied(e)
            for e in self._working().audit_entries()
            if (appointment_id is None or e.appointment_id == appointment_id)
            and (client_id is None or e.client_id == client_id)
            and (actor_id is None or e.actor_id == actor_id)
            and (since is None or e.at >= since)
        ]

    def redact_for_client(self, client_id: str, appointment_ids: Sequence[str] = ()) -> int:
        working = self._working()
        client = working.read("clients").get(client_id)
        if client is None or not client.erased:
            raise ConflictError(
                f"client {client_id!r} is not erased: audit values are blanked only by an"
                " erasure (B3, B5)"
            )
        about = set(appointment_ids)

        def concerns(e: AuditEntry) -> bool:
            return e.client_id == client_id or (
                e.appointment_id is not None and e.appointment_id in about
            )

        count = 0
        for e in working.audit_entries():
            if concerns(e):
                count += 1
        for e in self._base.audit:
            current = working.redacted_audit.get(e.id, e)
            if concerns(current):
                working.redacted_audit[e.id] = redact_entry(current)
        working.new_audit[:] = [redact_entry(e) if concerns(e) else e for e in working.new_audit]
        return count


class MemoryUnitOfWork:
    """A transaction over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore, *, write: bool) -> None:
        self._store = store
        self._write = write
        self._current: _Working | None = None
        self._lock_held = False
        get = self._get_working
        self.organisations: MemoryCatalog[Organisation] = MemoryCatalog(get, "organisations")
        self.branches: MemoryCatalog[Branch] = MemoryCatalog(get, "branches")
        self.rooms: MemoryCatalog[Room] = MemoryCatalog(get, "rooms")
        self.practitioners: MemoryCatalog[Practitioner] = MemoryCatalog(get, "practitioners")
        self.calendars: MemoryCatalog[Calendar] = MemoryCatalog(get, "calendars")
        self.appointment_types: MemoryCatalog[AppointmentType] = MemoryCatalog(
            get, "appointment_types"
        )
        self.availabilities: MemoryCatalog[Availability] = MemoryCatalog(get, "availabilities")
        self.communities: MemoryCatalog[CalendarCommunity] = MemoryCatalog(get, "communities")
        self.grants: MemoryCatalog[Grant] = MemoryCatalog(get, "grants")
        self.staff_accounts: MemoryCatalog[StaffAccount] = MemoryCatalog(get, "staff_accounts")
        self.client_logins: MemoryCatalog[ClientLogin] = MemoryCatalog(get, "client_logins")
        self.online_releases: MemoryCatalog[OnlineRelease] = MemoryCatalog(get, "online_releases")
        self.slot_holds: MemoryCatalog[SlotHold] = MemoryCatalog(get, "slot_holds")
        self.import_runs: MemoryCatalog[ImportRun] = MemoryCatalog(get, "import_runs")
        self.practitioner_hours: MemoryCatalog[PractitionerHours] = MemoryCatalog(
            get, "practitioner_hours"
        )
        self.waiting_list: MemoryCatalog[WaitingEntry] = MemoryCatalog(get, "waiting_list")
        self.waiting_list_offers: MemoryCatalog[WaitingListOffer] = MemoryCatalog(
            get, "waiting_list_offers"
        )
        self.appointments = MemoryAppointments(get)
        self.clients = MemoryClients(get)
        self.audit = MemoryAuditLog(get, store._tables)
        self.notification_policies: MemoryCatalog[NotificationPolicy] = MemoryCatalog(
            get, "notification_policies"
        )
        self.notification_log = MemoryNotificationLog(get)
        self.message_history = MemoryMessageHistory(get)

    def _get_working(self) -> _Working:
        if self._current is None:
            raise StoreError("use the unit of work inside a 'with' block")
        return self._current

    def __enter__(self) -> Self:
        if self._write:
            me = threading.get_ident()
            if self._store._writer == me:
                # The lock is not re-entrant: waiting for ourselves would hang for ever.
                raise StoreError(
                    f"a writing unit of work is already open in this thread on {self._store.url}"
                )
            self._store._lock.acquire()
            self._store._writer = me
            self._lock_held = True
        self._current = _Working(self._store._tables)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._current = None
        if self._lock_held:
            self._lock_held = False
            self._store._writer = None
            self._store._lock.release()

    def commit(self) -> None:
        working = self._get_working()
        if not self._write and (working._copied or working.new_audit or working.redacted_audit):
            raise StoreError("a read-only unit of work cannot commit changes")
        working.publish()

    def rollback(self) -> None:
        self._current = _Working(self._store._tables)


class MemoryStore:
    """F1: everything in this process's memory; gone when the object is."""

    def __init__(self, name: str = "") -> None:
        self._tables = _Tables()
        self._lock = threading.Lock()
        self._writer: int | None = None  # thread holding the write lock
        self._name = name

    @property
    def url(self) -> str:
        return f"memory://{self._name}"

    @property
    def extra(self) -> dict[str, Any]:
        """Room for plugins' own in-memory tables (e.g. a notification outbox)."""
        return self._tables.extra

    def unit_of_work(self, *, write: bool = True) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self, write=write)

    def close(self) -> None:
        """Nothing to release."""
