"""The world the permission-matrix test plays in (B1, A7, B2), built fast on any store.

Organisation ``org-1`` (plan XL) has Anna and Ben, two owners linked in a calendar
community sharing ``room-1`` — each their own data controller. Anna granted her calendar
to Carl (an owner in ``org-2``) and to Dora (a delegate). The data every call touches is
Anna's: her calendar, her client Petra Meier (notes, a comment on the appointment), a
proposed online request, a login, a message and a work-list letter.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import attrs

from lemnicore import (
    SYSTEM_ACTOR,
    Actor,
    AppointmentBook,
    AuditTrail,
    CalendarAccess,
    CalendarCommunities,
    Channel,
    ClientDirectory,
    ClientErasure,
    ClientExport,
    ClientLogins,
    ClientRecords,
    NotificationService,
    OnlineBooking,
    PracticeSetup,
    Role,
    SeriesBook,
    WaitingList,
    WorkingHours,
)
from lemnicore.access.logins import ClientLogin, hash_password
from lemnicore.access.matrix import Relation
from lemnicore.access.policy import Grant
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.ports import OutboxMessage
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
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
from lemnicore.scheduling.waiting_list import FreedSlot, WaitingEntry, WaitingListOffer
from lemnicore.services.entitlements import UNLIMITED
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import FakeClock
from lemnicore.timekeeping import local_datetime, zone

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)  # Monday 09:00 in Berlin
BERLIN = zone("Europe/Berlin")
PASSWORD = "erstes-Passwort-1"
COMMENT = "Knie, Diagnose M17"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return local_datetime(date(2026, 5, day), time(hour, minute), BERLIN)


WEEK = (at(4, 0), at(11, 0))

ACTORS: dict[tuple[Role, Relation], Actor] = {
    (Role.OWNER, Relation.OWN): Actor(
        "user-anna", Role.OWNER, practitioner_id="anna", organisation_id="org-1"
    ),
    (Role.OWNER, Relation.COMMUNITY): Actor(
        "user-ben", Role.OWNER, practitioner_id="ben", organisation_id="org-1"
    ),
    (Role.OWNER, Relation.DELEGATE): Actor(
        "user-carl", Role.OWNER, practitioner_id="carl", organisation_id="org-2"
    ),
    (Role.OWNER, Relation.OTHER_ORGANISATION): Actor(
        "user-eve", Role.OWNER, practitioner_id="eve", organisation_id="org-2"
    ),
    (Role.OWNER, Relation.NO_ORGANISATION): Actor(
        "user-anna-loose", Role.OWNER, practitioner_id="anna"
    ),
    (Role.DELEGATE, Relation.DELEGATE): Actor("dora", Role.DELEGATE, organisation_id="org-1"),
    (Role.DELEGATE, Relation.OTHER_ORGANISATION): Actor(
        "dirk", Role.DELEGATE, organisation_id="org-2"
    ),
    (Role.DELEGATE, Relation.NO_ORGANISATION): Actor("dora-loose", Role.DELEGATE),
    (Role.FRONT_DESK, Relation.STAFF): Actor("desk-1", Role.FRONT_DESK, organisation_id="org-1"),
    (Role.FRONT_DESK, Relation.OTHER_ORGANISATION): Actor(
        "desk-2", Role.FRONT_DESK, organisation_id="org-2"
    ),
    (Role.FRONT_DESK, Relation.NO_ORGANISATION): Actor("desk-loose", Role.FRONT_DESK),
    (Role.ACCOUNTING, Relation.STAFF): Actor(
        "accounts-1", Role.ACCOUNTING, organisation_id="org-1"
    ),
    (Role.ACCOUNTING, Relation.OTHER_ORGANISATION): Actor(
        "accounts-2", Role.ACCOUNTING, organisation_id="org-2"
    ),
    (Role.SYSTEM, Relation.SYSTEM): SYSTEM_ACTOR,
}
"""One actor per matrix column, standing in that relation to Anna's data."""
# The loose delegate holds a grant under its id: an actor without organisation is refused
# even so (B1). (Grants below go to "dora" and "dora-loose".)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


@attrs.define
class World:
    store: Store
    clock: FakeClock
    token: str
    request_id: str

    def ids(self) -> Callable[[], str]:
        counter = iter(range(10_000))
        return lambda: f"new-{next(counter)}"

    # The services, built as an application would.
    @property
    def book(self) -> AppointmentBook:
        return AppointmentBook(self.store, self.clock, entitlements=UNLIMITED)

    @property
    def clients(self) -> ClientRecords:
        return ClientRecords(self.store, self.clock)

    @property
    def directory(self) -> ClientDirectory:
        return ClientDirectory(self.store)

    @property
    def audit(self) -> AuditTrail:
        return AuditTrail(self.store)

    @property
    def access(self) -> CalendarAccess:
        return CalendarAccess(self.store, self.clock)

    @property
    def communities(self) -> CalendarCommunities:
        return CalendarCommunities(self.store, self.clock)

    @property
    def setup(self) -> PracticeSetup:
        return PracticeSetup(self.store, self.clock)

    @property
    def hours(self) -> WorkingHours:
        return WorkingHours(self.store, self.clock)

    @property
    def erasure(self) -> ClientErasure:
        return ClientErasure(self.store, self.clock)

    @property
    def export(self) -> ClientExport:
        return ClientExport(self.store, self.clock)

    @property
    def logins(self) -> ClientLogins:
        return ClientLogins(self.store, self.clock)

    @property
    def online(self) -> OnlineBooking:
        return OnlineBooking(self.store, self.clock)

    @property
    def notifications(self) -> NotificationService:
        return NotificationService(self.store, self.clock)

    @property
    def series(self) -> SeriesBook:
        return SeriesBook(self.store, self.clock, entitlements=UNLIMITED)

    @property
    def waiting_list(self) -> WaitingList:
        return WaitingList(self.store, self.clock)

    def appointment(self, appointment_id: str) -> Appointment:
        with self.store.unit_of_work(write=False) as uow:
            return uow.appointments.get(appointment_id)


def _master_data(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.organisations.put(Organisation("org-1", "Praxisgemeinschaft am Park", plan="XL"))
        uow.organisations.put(Organisation("org-2", "Praxis Elsewhere", plan="XL"))
        uow.branches.put(Branch("branch-1", "org-1", "HH1", "Hamburg Mitte"))
        uow.branches.put(Branch("branch-2", "org-2", "HB1", "Bremen"))
        uow.rooms.put(Room("room-1", "branch-1", "Room 1"))
        uow.rooms.put(Room("room-3", "branch-2", "Room 3"))
        for pid, org in (("anna", "org-1"), ("ben", "org-1"), ("carl", "org-2"), ("eve", "org-2")):
            uow.practitioners.put(Practitioner(pid, org, pid.title()))
            uow.calendars.put(Calendar(f"cal-{pid}", pid, f"{pid.title()}'s calendar"))
        uow.appointment_types.put(AppointmentType("treatment", "Treatment", timedelta(minutes=30)))
        uow.availabilities.put(
            Availability(
                id="hours-1",
                room_id="room-1",
                working_times=(WorkingTime(frozenset(range(5)), time(8), time(12)),),
                slot_length=timedelta(minutes=30),
                time_zone="Europe/Berlin",
            )
        )
        uow.communities.put(CalendarCommunity("com-1", "Park", {"cal-anna", "cal-ben"}, {"room-1"}))
        uow.communities.put(
            CalendarCommunity(
                "com-2", "Bremen", {"cal-eve"}, {"room-3"}, invited_calendar_ids={"cal-anna"}
            )
        )
        for grantee in ("carl", "dora", "dora-loose"):
            uow.grants.put(Grant("cal-anna", grantee, "user-anna", NOW))
        uow.commit()


def _data(store: Store, clock: FakeClock) -> World:
    world = World(store, clock, "", "")
    anna = ACTORS[(Role.OWNER, Relation.OWN)]
    client = world.clients.register(
        anna,
        organisation_id="org-1",
        last_name="Meier",
        first_name="Petra",
        email="petra@example.org",
        mobile="+491701234567",
        postal_address="Parkallee 1, 20144 Hamburg",
        client_id="petra",
    )
    with store.unit_of_work() as uow:
        uow.clients.update(attrs.evolve(client, notes="vertraulich"))
        uow.client_logins.put(ClientLogin("petra@example.org", "petra", _password_hash()))
        uow.appointments.add(
            Appointment(
                "no-show",
                "cal-anna",
                "room-1",
                at(7, 9),
                at(7, 9, 30),
                "treatment",
                AppointmentStatus.NO_SHOW,
                client_id="petra",
                created_at=NOW,
            )
        )
        # A9: a series of two for Petra; A11: Petra waits, and holds an open offer.
        for n, day in enumerate((12, 19)):
            uow.appointments.add(
                Appointment(
                    f"series-{n}",
                    "cal-anna",
                    "room-1",
                    at(day, 9),
                    at(day, 9, 30),
                    "treatment",
                    client_id="petra",
                    comment=COMMENT,
                    created_at=NOW,
                    series_id="series-1",
                )
            )
        uow.waiting_list.put(
            WaitingEntry("wait-1", "petra", "treatment", date(2026, 5, 4), date(2026, 5, 29), NOW)
        )
        uow.waiting_list_offers.put(
            WaitingListOffer(
                "offer-1",
                "wait-1",
                "petra",
                FreedSlot("room-1", at(8, 11), at(8, 11, 30), "treatment", "cal-anna", "anna"),
                NOW,
                NOW + timedelta(hours=2),
            )
        )
        uow.notification_log.add(
            OutboxMessage(
                id="letter-1",
                key="letter-1",
                kind=MessageKind.CONFIRMATION,
                client_id="petra",
                appointments=(),
                channel=Channel.LETTER,
                address="Parkallee 1, 20144 Hamburg",
                text="Ihr Termin",
                created_at=NOW,
                due_at=NOW,
                state=DeliveryState.WORK_LIST,
            )
        )
        uow.commit()
    world.book.book(
        anna,
        calendar_id="cal-anna",
        room_id="room-1",
        start=at(5, 9),
        type_id="treatment",
        client_id="petra",
        comment=COMMENT,
        appointment_id="visit",
    )
    release = world.online.release(SYSTEM_ACTOR, "room-1", "cal-anna")
    receipt = world.online.request(
        release.token, at(6, 10), last_name="Sommer", email="req@example.org", message="Rücken"
    )
    world.notifications.record_manual_message(
        SYSTEM_ACTOR, "petra", channel=Channel.SMS, address="+491701234567", text="Bis Dienstag"
    )
    world.token, world.request_id = release.token, receipt.appointment_id
    return world


def world_on(store: Store) -> World:
    """The world, built in an empty ``store`` of any kind (a PostgreSQL store joins here)."""
    clock = FakeClock(NOW)
    _master_data(store)
    return _data(store, clock)


def memory_world() -> World:
    return world_on(MemoryStore())


_TEMPLATES: dict[Path, tuple[str, str]] = {}


def sqlite_world(template_dir: Path, path: Path) -> World:
    """A copy of a world built once per session: a real SQLite file per cell."""
    template = template_dir / "world.db"
    if template not in _TEMPLATES:
        store = SqliteStore(template)
        _master_data(store)
        world = _data(store, FakeClock(NOW))
        store.checkpoint()
        store.close()
        _TEMPLATES[template] = (world.token, world.request_id)
    shutil.copyfile(template, path)
    token, request_id = _TEMPLATES[template]
    return World(SqliteStore(path), FakeClock(NOW), token, request_id)


_POSTGRES: dict[str, Any] = {}


def set_postgres_cluster(cluster: Any) -> None:
    """The throwaway PostgreSQL cluster the ``postgres`` cells use (a session fixture)."""
    _POSTGRES["cluster"] = cluster


class _CellStore:
    """A PostgreSQL store that drops its cell database when it is closed."""

    def __init__(self, store: Any, cluster: Any, name: str) -> None:
        self._store, self._cluster, self._name = store, cluster, name

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def close(self) -> None:
        self._store.close()
        self._cluster.drop_database(self._name)


def postgres_world(cell: str) -> World:
    """A copy of a world built once per session in a template database (F1, B1)."""
    import psycopg

    from lemnicore_postgres import PostgresStore

    cluster = _POSTGRES["cluster"]
    if "template" not in _POSTGRES:
        url = cluster.create_database("matrix_template")
        store = PostgresStore(url)
        _master_data(store)
        world = _data(store, FakeClock(NOW))
        store.close()
        _POSTGRES["template"] = (world.token, world.request_id)
    token, request_id = _POSTGRES["template"]
    name = f"matrix_{cell.replace('-', '_')}_{len(_POSTGRES)}"
    _POSTGRES[name] = True
    with psycopg.connect(cluster.admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE matrix_template')
    base = cluster.admin_url.rsplit("/", 1)[0]
    store = _CellStore(PostgresStore(f"{base}/{name}"), cluster, name)
    return World(store, FakeClock(NOW), token, request_id)  # type: ignore[arg-type]
