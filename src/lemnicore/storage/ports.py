"""F1: the storage port — what the services need from any store.

A :class:`Store` hands out units of work; a :class:`UnitOfWork` is one transaction holding
the repositories. Leaving the ``with`` block without :meth:`UnitOfWork.commit` rolls back,
so nothing is ever half-written. A store plugin implements these protocols and answers the
:func:`~lemnicore.plugins.hookspecs.lemnicore_open_store` hook for its URL scheme.

Every datetime handed to a store is timezone-aware; stores may keep UTC and return UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar

from lemnicore.access.audit import AuditEntry
from lemnicore.access.logins import ClientLogin
from lemnicore.access.policy import Grant
from lemnicore.access.staff import StaffAccount
from lemnicore.importing.runs import ImportRun
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.ports import MessageHistory, NotificationLog
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

T = TypeVar("T")


class Catalog(Protocol[T]):
    """Master data of one kind (rooms, calendars, …), keyed by the value's ``id``."""

    def put(self, value: T) -> None:
        """Insert or replace ``value``."""

    def get(self, record_id: str) -> T:
        """The value with ``record_id``; :class:`~lemnicore.errors.NotFoundError` if none."""

    def find(self, record_id: str) -> T | None:
        """The value with ``record_id`` or ``None``."""

    def all(self) -> list[T]:
        """Every value of this kind, ordered by id."""

    def remove(self, record_id: str) -> None:
        """Delete the value with ``record_id`` (no error if there is none)."""


class Appointments(Protocol):
    """The appointments, with the range queries free slots and notifications need."""

    def add(self, appointment: Appointment) -> None:
        """Insert a new appointment (its id must be new)."""

    def add_many(self, appointments: Sequence[Appointment]) -> None:
        """Insert many new appointments at once (imports, E4/E6)."""

    def update(self, appointment: Appointment) -> None:
        """Replace the stored appointment with the same id."""

    def get(self, appointment_id: str) -> Appointment:
        """The appointment; :class:`~lemnicore.errors.NotFoundError` if unknown."""

    def find(self, appointment_id: str) -> Appointment | None:
        """The appointment or ``None``."""

    def in_room(
        self, room_id: str, start: datetime, end: datetime, *, active_only: bool = True
    ) -> list[Appointment]:
        """Appointments of ``room_id`` overlapping [start, end), by start (A4, A5)."""

    def in_calendar(self, calendar_id: str, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments of ``calendar_id`` overlapping [start, end), by start."""

    def busy_in_room(self, room_id: str, start: datetime, end: datetime) -> list[BusyInterval]:
        """A5/A10: the active appointments of ``room_id`` overlapping [start, end) as busy
        time only, by start — no :class:`Appointment` is built (free slots, week view,
        series search and waiting list read this, issue 16)."""

    def busy_of_calendars(
        self, calendar_ids: Collection[str], start: datetime, end: datetime
    ) -> list[BusyInterval]:
        """A10: the same for the active appointments of these calendars (one practitioner's,
        in every room and branch), by start."""

    def in_series(self, series_id: str) -> list[Appointment]:
        """A9: every appointment of one series, by start."""

    def starting_between(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments whose start lies in [start, end), by start (the notifier's window)."""

    def count_active_starting_between(
        self,
        calendar_ids: Collection[str],
        start: datetime,
        end: datetime,
        *,
        excluding: str | None = None,
    ) -> int:
        """How many active appointments (A3) of these calendars start in [start, end),
        not counting ``excluding`` — the B4 "appointments per month" count, without
        loading them."""

    def of_client(self, client_id: str) -> list[Appointment]:
        """Every appointment of one client, by start."""

    def by_external_id(self, external_id: str) -> Appointment | None:
        """The appointment taken over with this source id (E4), or ``None``."""

    def with_import_id(self, import_id: str) -> list[Appointment]:
        """Every appointment created by one import (E5)."""

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        """Which of ``external_ids`` are already stored (E4: idempotent imports, in bulk)."""

    def delete(self, appointment_id: str) -> None:
        """Remove an appointment for good (only data resets do this, E5)."""

    def count(self) -> int:
        """How many appointments are stored."""


class Clients(Protocol):
    """Client records."""

    def add(self, client: Client) -> None: ...

    def add_many(self, clients: Sequence[Client]) -> None:
        """Insert many new clients at once (imports, E4/E7)."""

    def update(self, client: Client) -> None: ...

    def get(self, client_id: str) -> Client: ...

    def find(self, client_id: str) -> Client | None: ...

    def by_email(self, email: str) -> list[Client]:
        """Clients with this e-mail address (compared case-insensitively)."""

    def by_external_id(self, external_id: str) -> Client | None: ...

    def with_import_id(self, import_id: str) -> list[Client]: ...

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        """Which of ``external_ids`` are already stored (E4: idempotent imports, in bulk)."""

    def all(self) -> list[Client]: ...

    def delete(self, client_id: str) -> None: ...

    def count(self) -> int: ...


class AuditLog(Protocol):
    """B3: append-only. There is deliberately no update and no delete."""

    def append(self, entry: AuditEntry) -> None: ...

    def query(
        self,
        *,
        appointment_id: str | None = None,
        client_id: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        """Entries matching every given filter, oldest first."""

    def redact_for_client(self, client_id: str, appointment_ids: Sequence[str] = ()) -> int:
        """B5, for erasure only: blank the values of every entry about ``client_id`` or
        one of ``appointment_ids`` (see :func:`lemnicore.access.audit.redact_entry`).

        Who, when and what kind stay; nothing else can be changed. Returns how many entries
        were redacted.
        """


class UnitOfWork(Protocol):
    """One transaction over all repositories."""

    @property
    def organisations(self) -> Catalog[Organisation]: ...

    @property
    def branches(self) -> Catalog[Branch]: ...

    @property
    def rooms(self) -> Catalog[Room]: ...

    @property
    def practitioners(self) -> Catalog[Practitioner]: ...

    @property
    def calendars(self) -> Catalog[Calendar]: ...

    @property
    def appointment_types(self) -> Catalog[AppointmentType]: ...

    @property
    def availabilities(self) -> Catalog[Availability]: ...

    @property
    def communities(self) -> Catalog[CalendarCommunity]: ...

    @property
    def grants(self) -> Catalog[Grant]: ...

    @property
    def staff_accounts(self) -> Catalog[StaffAccount]: ...

    @property
    def client_logins(self) -> Catalog[ClientLogin]:
        """C6/E7: booking-page logins, keyed by login id."""

    @property
    def online_releases(self) -> Catalog[OnlineRelease]: ...

    @property
    def slot_holds(self) -> Catalog[SlotHold]: ...

    @property
    def import_runs(self) -> Catalog[ImportRun]:
        """E4/E5: every import run, with its options (D16/D17) and counts."""

    @property
    def practitioner_hours(self) -> Catalog[PractitionerHours]:
        """A10: practitioners' own working times."""

    @property
    def waiting_list(self) -> Catalog[WaitingEntry]:
        """A11: who waits for which kind of appointment."""

    @property
    def waiting_list_offers(self) -> Catalog[WaitingListOffer]:
        """A11: freed slots offered from the waiting list, open and settled."""

    @property
    def appointments(self) -> Appointments: ...

    @property
    def clients(self) -> Clients: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def notification_policies(self) -> Catalog[NotificationPolicy]:
        """D: the notification policy document(s), keyed by policy id (``"default"``)."""

    @property
    def notification_log(self) -> NotificationLog:
        """D15: the outbox, the single source of truth of what was sent."""

    @property
    def message_history(self) -> MessageHistory:
        """D14: client and appointment message history."""

    def commit(self) -> None:
        """Make every change of this unit of work durable at once."""

    def rollback(self) -> None:
        """Forget every change since the last commit."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed, and release the transaction."""


class Store(Protocol):
    """A place appointments live: opened from a URL by a storage plugin (F1)."""

    @property
    def url(self) -> str:
        """The URL the store was opened from, with any password masked."""

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork:
        """A new transaction.

        ``write=True`` takes the write lock at the start (SQLite: ``BEGIN IMMEDIATE``), so a
        check-then-insert such as a booking cannot interleave with another writer (F2).
        """

    def close(self) -> None:
        """Release connections and files."""


CATALOG_RECORD_NAMES = {
    "organisations": "organisation",
    "branches": "branch",
    "rooms": "room",
    "practitioners": "practitioner",
    "calendars": "calendar",
    "appointment_types": "appointment type",
    "availabilities": "availability",
    "communities": "community",
    "grants": "grant",
    "practitioner_hours": "practitioner hours",
    "waiting_list": "waiting list entry",
    "waiting_list_offers": "waiting list offer",
}
"""What one record of each catalog is called in an error message ("unknown room 'x'")."""


def record_name(table: str) -> str:
    return CATALOG_RECORD_NAMES.get(table, table.replace("_", " "))


def sorted_by_start(appointments: Sequence[Appointment]) -> list[Appointment]:
    """The order every range query returns: by start, then id."""
    return sorted(appointments, key=lambda a: (a.start, a.id))
