"""The sample practice of ``lemnicore demo`` (G4): its master data, its clients and a
deterministic plan of appointments, set up through the public services.

"Praxis am Stadtpark" (Europe/Berlin) with branch ``HH1``, three rooms open Monday to
Friday, two practitioners whose calendars form a calendar community sharing the rooms (A7),
one appointment type, thirty clients and appointments from two weeks before to three weeks
after the current week (A1–A5).

Everything goes through :class:`~lemnicore.AppointmentBook`, :class:`~lemnicore.ClientRecords`
and the storage port's catalogs, so the sample runs on any store a plugin provides. Every
record has a stable id and the appointments of a day are planned from a fixed seed and the
date alone, so setting up again finds everything in place and adds nothing; a set-up in a
later week only tops up the weeks that are new.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol, TypeVar

import attrs

from lemnicore.access.actors import Actor, Role
from lemnicore.clock import Clock
from lemnicore.scheduling.appointments import AppointmentStatus
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.community import CalendarCommunity
from lemnicore.scheduling.practice import (
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.scheduling.slots import slot_grid
from lemnicore.services.booking import AppointmentBook
from lemnicore.services.clients import ClientRecords
from lemnicore.services.entitlements import UNLIMITED
from lemnicore.storage.ports import Catalog, Store
from lemnicore.timekeeping import local_datetime, zone

DEMO_SEED = 20260504
TIME_ZONE = "Europe/Berlin"
WEEKS_BEFORE = 2
WEEKS_AFTER = 3
FILL_RATE = 0.55
"""The share of slots the generator books: enough to look busy, enough left to book."""

MON_FRI = frozenset(range(5))
MORNING_AND_AFTERNOON = (
    WorkingTime(MON_FRI, time(8), time(12)),
    WorkingTime(MON_FRI, time(13), time(17)),
)

ORGANISATION = Organisation(
    "demo-org", "Praxis am Stadtpark", TIME_ZONE, default_notification_consent=True
)
BRANCH = Branch("demo-branch-hh1", ORGANISATION.id, "HH1", "Hamburg-Altona", TIME_ZONE)
ROOMS = (
    # C1: released for online booking; the token is part of a public link, not a secret.
    Room("demo-room-1", BRANCH.id, "Treatment room 1", True, "stadtpark-room-1"),
    Room("demo-room-2", BRANCH.id, "Treatment room 2"),
    Room("demo-room-3", BRANCH.id, "Exercise room"),
)
AVAILABILITIES = (
    Availability("demo-hours-room-1", "demo-room-1", MORNING_AND_AFTERNOON, time_zone=TIME_ZONE),
    Availability("demo-hours-room-2", "demo-room-2", MORNING_AND_AFTERNOON, time_zone=TIME_ZONE),
    Availability(
        "demo-hours-room-3",
        "demo-room-3",
        (WorkingTime(MON_FRI, time(10), time(16)),),
        time_zone=TIME_ZONE,
        # Public holidays of Hamburg close the exercise room; the others take emergencies.
        holiday_region="DE-HH",
    ),
)
PRACTITIONERS = (
    Practitioner("demo-anna", ORGANISATION.id, "Anna Hoffmann", "anna@praxis.example"),
    Practitioner("demo-ben", ORGANISATION.id, "Ben Krüger", "ben@praxis.example"),
)
CALENDARS = (
    Calendar("demo-calendar-anna", "demo-anna", "Anna's calendar", BRANCH.id),
    Calendar("demo-calendar-ben", "demo-ben", "Ben's calendar", BRANCH.id),
)
CALENDAR_OF = {c.owner_id: c.id for c in CALENDARS}
COMMUNITY = CalendarCommunity(
    "demo-community",
    "Praxisgemeinschaft am Stadtpark",
    frozenset(c.id for c in CALENDARS),
    frozenset(r.id for r in ROOMS),
)
TREATMENT = AppointmentType("demo-treatment", "Treatment", timedelta(minutes=30))

FIRST_NAMES = (
    "Lena", "Jonas", "Mia", "Paul", "Emma", "Felix", "Hanna", "Lukas", "Sophie", "Noah",
    "Clara", "Elias", "Marie", "Jakob", "Ida",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Koch", "Richter", "Wolf", "Neumann", "Schwarz",
)  # fmt: skip
CLIENT_COUNT = 30
FRONT_DESK = Actor("demo-front-desk", Role.FRONT_DESK, "Front desk", None, ORGANISATION.id)


@attrs.frozen
class DemoClient:
    id: str
    first_name: str
    last_name: str
    email: str | None
    mobile: str | None


def demo_clients() -> list[DemoClient]:
    """The thirty sample clients, always the same ones."""
    rng = random.Random(DEMO_SEED)
    names = rng.sample([(f, last) for f in FIRST_NAMES for last in LAST_NAMES], CLIENT_COUNT)
    clients = []
    for n, (first, last) in enumerate(names, start=1):
        ascii_last = last.replace("ü", "ue").lower()
        clients.append(
            DemoClient(
                id=f"demo-client-{n:02d}",
                first_name=first,
                last_name=last,
                # Some clients give only a phone number, some only an e-mail (D4, D12).
                email=None if n % 7 == 0 else f"{first.lower()}.{ascii_last}@example.org",
                mobile=None
                if n % 3 == 0
                else f"+49151{DEMO_SEED % 10000:04d}{n:04d}",  # E.164, valid
            )
        )
    return clients


@attrs.frozen
class PlannedAppointment:
    """One appointment the demo would like to exist, with the outcome it will have."""

    id: str
    practitioner_id: str
    room_id: str
    start: datetime
    end: datetime
    client_id: str
    outcome: str  # "attended", "no_show" or "cancelled"


def plan_days(days: Sequence[date]) -> list[PlannedAppointment]:
    """The demo's appointments on ``days``: a pure function of the seed and the dates.

    Rooms are filled slot by slot; a practitioner is never in two rooms at once, and a
    quarter of the appointments take two slots. Because nothing but the date feeds each
    day's random generator, the same day always yields the same ids, whichever range it is
    planned in — that is what makes the demo idempotent.
    """
    if not days:
        return []
    tz = zone(TIME_ZONE)
    first = local_datetime(min(days), time(0), tz)
    last = local_datetime(max(days) + timedelta(days=1), time(0), tz)
    # One grid for the whole range: computing it per day would redo the recurrence each time.
    by_day: dict[date, list[tuple[datetime, str, datetime]]] = {}
    for availability in AVAILABILITIES:
        for slot in slot_grid(availability, (), first, last):
            by_day.setdefault(slot.start.date(), []).append(
                (slot.start, availability.room_id, slot.end)
            )
    planned: list[PlannedAppointment] = []
    for day in days:
        planned += _plan_day(day, by_day.get(day, []))
    return planned


def _plan_day(day: date, grid: list[tuple[datetime, str, datetime]]) -> list[PlannedAppointment]:
    rng = random.Random(f"{DEMO_SEED}:{day.isoformat()}")
    starts = {(room_id, start) for start, room_id, _ in grid}
    room_free_from: dict[str, datetime] = {}
    practitioner_free_from: dict[str, datetime] = {}
    clients = [c.id for c in demo_clients()]
    planned: list[PlannedAppointment] = []
    for start, room_id, end in sorted(grid):
        if room_id in room_free_from and room_free_from[room_id] > start:
            continue
        if rng.random() > FILL_RATE:
            continue
        if rng.random() < 0.25 and (room_id, end) in starts:
            end += end - start
        free = [
            p.id
            for p in PRACTITIONERS
            if p.id not in practitioner_free_from or practitioner_free_from[p.id] <= start
        ]
        if not free:
            continue
        practitioner_id = rng.choice(free)
        roll = rng.random()
        outcome = "cancelled" if roll < 0.07 else "no_show" if roll < 0.12 else "attended"
        planned.append(
            PlannedAppointment(
                id=f"demo-{day:%Y%m%d}-{room_id.removeprefix('demo-')}-{start:%H%M}",
                practitioner_id=practitioner_id,
                room_id=room_id,
                start=start,
                end=end,
                client_id=rng.choice(clients),
                outcome=outcome,
            )
        )
        room_free_from[room_id] = end
        practitioner_free_from[practitioner_id] = end
    return planned


def demo_days(now: datetime) -> list[date]:
    """The days the demo fills: from ``WEEKS_BEFORE`` weeks before ``now``'s week to
    ``WEEKS_AFTER`` weeks after it (Monday-based, in the practice's zone)."""
    today = now.astimezone(zone(TIME_ZONE)).date()
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=WEEKS_BEFORE)
    return [first + timedelta(days=n) for n in range(7 * (WEEKS_BEFORE + 1 + WEEKS_AFTER))]


@attrs.frozen
class DemoSetup:
    """What one run added: all zeros on a re-run."""

    master_records: int
    clients: int
    appointments: int

    @property
    def added_anything(self) -> bool:
        return bool(self.master_records or self.clients or self.appointments)


def owner(practitioner_id: str) -> Actor:
    """B1: the practitioner acting in their own calendar."""
    return Actor(f"user-{practitioner_id}", Role.OWNER, "", practitioner_id, ORGANISATION.id)


CLIENTS_ON_FILE_FOR = timedelta(weeks=8)


@attrs.frozen
class _FixedClock:
    instant: datetime

    def now(self) -> datetime:
        return self.instant


def set_up_demo_practice(store: Store, clock: Clock) -> DemoSetup:
    """Create whatever part of the demo practice is missing from ``store``.

    Existing records are reused, never overwritten, so changes made to the demo data by
    hand survive a re-run. Appointments are planned for the weeks around ``clock.now()``;
    those that have already ended get their outcome (completed, no-show), cancelled ones
    are cancelled through the appointment book like any other.
    """
    now = clock.now()
    master = _put_master_data(store)
    # The sample clients have been on file for weeks: registered "now", their consent would
    # count as just switched on and D4 would hold every message back for an hour.
    records = ClientRecords(store, _FixedClock(now - CLIENTS_ON_FILE_FOR))
    with store.unit_of_work(write=False) as uow:
        known_clients = {c.id for c in demo_clients() if uow.clients.find(c.id) is not None}
    for client in demo_clients():
        if client.id in known_clients:
            continue
        records.register(
            FRONT_DESK,
            organisation_id=ORGANISATION.id,
            last_name=client.last_name,
            first_name=client.first_name,
            email=client.email,
            mobile=client.mobile,
            client_id=client.id,
        )
    added_clients = len(demo_clients()) - len(known_clients)
    return DemoSetup(master, added_clients, _book_appointments(store, clock, now))


class _Record(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Record)


def _ensure(catalog: Catalog[R], values: Sequence[R]) -> int:
    """Put each value whose id the catalog does not know yet; how many were new."""
    missing = [v for v in values if catalog.find(v.id) is None]
    for value in missing:
        catalog.put(value)
    return len(missing)


def _put_master_data(store: Store) -> int:
    with store.unit_of_work() as uow:
        added = (
            _ensure(uow.organisations, (ORGANISATION,))
            + _ensure(uow.branches, (BRANCH,))
            + _ensure(uow.rooms, ROOMS)
            + _ensure(uow.availabilities, AVAILABILITIES)
            + _ensure(uow.practitioners, PRACTITIONERS)
            + _ensure(uow.calendars, CALENDARS)
            + _ensure(uow.communities, (COMMUNITY,))
            + _ensure(uow.appointment_types, (TREATMENT,))
        )
        uow.commit()
    return added


def _book_appointments(store: Store, clock: Clock, now: datetime) -> int:
    days = demo_days(now)
    tz = zone(TIME_ZONE)
    window_start = local_datetime(days[0], time(0), tz)
    window_end = local_datetime(days[-1] + timedelta(days=1), time(0), tz)
    with store.unit_of_work(write=False) as uow:
        existing = {
            a.id
            for room in ROOMS
            for a in uow.appointments.in_room(room.id, window_start, window_end, active_only=False)
        }
    # B4: three rooms and some 600 appointments a month are beyond every default plan; the
    # demo shows scheduling, not a subscription, so no plan limit applies to it.
    book = AppointmentBook(store, clock, entitlements=UNLIMITED)
    added = 0
    for plan in plan_days(days):
        if plan.id in existing:
            continue
        _book(book, plan, ended=plan.end <= now)
        added += 1
    return added


def _book(book: AppointmentBook, plan: PlannedAppointment, *, ended: bool) -> None:
    # The shared front desk books for every member: the demo's clients see several of them.
    actor = FRONT_DESK
    attended_and_over = ended and plan.outcome == "attended"
    book.book(
        actor,
        calendar_id=CALENDAR_OF[plan.practitioner_id],
        room_id=plan.room_id,
        start=plan.start,
        end=plan.end,
        type_id=TREATMENT.id,
        client_id=plan.client_id,
        status=AppointmentStatus.COMPLETED if attended_and_over else AppointmentStatus.BOOKED,
        appointment_id=plan.id,
    )
    if plan.outcome == "cancelled":
        book.cancel(actor, plan.id, reason="client called to cancel")
    elif plan.outcome == "no_show" and ended:
        book.mark_no_show(actor, plan.id)
