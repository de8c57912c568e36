"""Benchmarks of the notification service (D5, D10, F1).

- one hourly run planned over a SQLite store holding 1 000 000 appointments (target
  < 200 ms): the run reads only its due window through the ``appointments_start`` index;
- the pure planner over 100 000 appointments in memory (target < 500 ms).

The 1M database is built once and cached under the system temp dir
(``lemnicore-bench/notify-1m-v5.db``); delete it to rebuild.

Run: ``.venv/bin/pytest benchmarks --benchmark-enable --benchmark-only``
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lemnicore.notifications.planner import PracticeFacts, plan_run
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.sentlog import AppointmentRef, SentLog, SentRecord
from lemnicore.notifications.service import NotificationService
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.practice import (
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.storage.sqlite.rows import to_us
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing.clock import FakeClock

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
TOTAL = 1_000_000
CLIENTS = 20_000
ROOMS = 40


def _practice_values() -> tuple[
    Organisation, Branch, list[Room], list[Practitioner], list[Calendar]
]:
    org = Organisation("org-1", "Praxiskette Nord")
    branch = Branch("branch-1", "org-1", "HH1", "Hamburg")
    rooms = [Room(f"room-{n}", "branch-1", f"Raum {n}") for n in range(ROOMS)]
    people = [Practitioner(f"p-{n}", "org-1", f"Therapeut {n}") for n in range(ROOMS)]
    calendars = [Calendar(f"cal-{n}", f"p-{n}", f"Kalender {n}", "branch-1") for n in range(ROOMS)]
    return org, branch, rooms, people, calendars


def _appointments(count: int, first: datetime, days: int, rng: random.Random) -> list[Appointment]:
    """``count`` appointments spread over ``days`` days, 07:00–19:00 UTC, 30 minutes."""
    per_day = count // days + 1
    made: list[Appointment] = []
    for n in range(count):
        day, slot = divmod(n, per_day)
        room = slot % ROOMS
        start = first + timedelta(days=day, minutes=(slot // ROOMS) * 30 + 7 * 60)
        made.append(
            Appointment(
                id=f"a{n:07d}",
                calendar_id=f"cal-{room}",
                room_id=f"room-{room}",
                start=start,
                end=start + timedelta(minutes=30),
                type_id="treatment",
                client_id=f"c{rng.randrange(CLIENTS):05d}",
            )
        )
    return made


def _build(path: Path) -> None:
    rng = random.Random(1)
    store = SqliteStore(path)
    org, branch, rooms, people, calendars = _practice_values()
    with store.unit_of_work() as uow:
        uow.organisations.put(org)
        uow.branches.put(branch)
        uow.appointment_types.put(AppointmentType("treatment", "Behandlung"))
        for value in (*rooms, *people):
            (uow.rooms if isinstance(value, Room) else uow.practitioners).put(value)  # type: ignore[attr-defined]
        for calendar in calendars:
            uow.calendars.put(calendar)
        for n in range(CLIENTS):
            uow.clients.add(
                Client(
                    id=f"c{n:05d}",
                    organisation_id="org-1",
                    last_name=f"Kunde {n}",
                    email=f"k{n}@example.org",
                    notification_consent=rng.random() < 0.8,
                    consent_changed_at=NOW - timedelta(days=400),
                    contact_changed_at=NOW - timedelta(days=400),
                )
            )
        uow.commit()
        # About two years, one in the past and one ahead: ~1 370 appointments a day.
        first = NOW - timedelta(days=365)
        batch = 50_000
        made = _appointments(TOTAL, first, 730, rng)
        for i in range(0, TOTAL, batch):
            uow.appointments.add_many(made[i : i + batch])
            uow.commit()
        # Steady state: every appointment up to the end of the next quarter was confirmed
        # in earlier runs (one message per client and quarter), except one in a thousand.
        conn = store.connection()
        quarter_us = to_us(NOW + timedelta(days=91)) - to_us(NOW)
        day_us = to_us(NOW + timedelta(days=1)) - to_us(NOW)
        horizon = to_us(datetime(2026, 10, 1, tzinfo=UTC))
        conn.execute(
            "INSERT INTO notification_outbox (id, key, kind, client_id, channel, address, text,"
            " created_us, due_us, state)"
            " SELECT 'm-' || client_id || '-' || (start_us / ?), 'm-' || client_id || '-'"
            " || (start_us / ?), 'confirmation', client_id, 'email', '', '',"
            " min(start_us) - ?, min(start_us) - ?, 'sent'"
            " FROM appointments WHERE start_us < ? GROUP BY client_id, start_us / ?",
            (quarter_us, quarter_us, quarter_us, quarter_us, horizon, quarter_us),
        )
        conn.execute(
            "INSERT INTO notification_items (appointment_id, sequence, message_id, kind)"
            " SELECT id, sequence, 'm-' || client_id || '-' || (start_us / ?), 'confirmation'"
            " FROM appointments WHERE start_us < ? AND abs(random()) % 1000 != 0",
            (quarter_us, horizon),
        )
        # ... and every reminder due before now went out in earlier hourly runs.
        conn.execute(
            "INSERT INTO notification_outbox (id, key, kind, client_id, channel, address, text,"
            " created_us, due_us, state)"
            " SELECT 'r-' || id, 'r-' || id, 'reminder', client_id, 'email', '', '',"
            " start_us - ?, start_us - ?, 'sent' FROM appointments WHERE start_us < ?",
            (day_us, day_us, to_us(NOW + timedelta(days=1))),
        )
        conn.execute(
            "INSERT INTO notification_items (appointment_id, sequence, message_id, kind)"
            " SELECT id, sequence, 'r-' || id, 'reminder' FROM appointments WHERE start_us < ?",
            (to_us(NOW + timedelta(days=1)),),
        )
        uow.commit()
    store.connection().execute("ANALYZE")
    store.close()


@pytest.fixture(scope="session")
def million_store() -> SqliteStore:
    folder = Path(tempfile.gettempdir()) / "lemnicore-bench"
    folder.mkdir(exist_ok=True)
    path = folder / "notify-1m-v5.db"
    if not path.exists():
        partial = path.with_suffix(".building")
        for leftover in folder.glob("notify-1m-v5.building*"):
            leftover.unlink()
        _build(partial)
        partial.rename(path)
    return SqliteStore(path)


def test_bench_plan_hourly_run_over_one_million_sqlite_appointments(
    benchmark: pytest.FixtureRequest, million_store: SqliteStore
) -> None:
    """D5/F1: planning one run reads only the due window (target < 200 ms)."""
    with million_store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == TOTAL
    service = NotificationService(million_store, FakeClock(NOW))
    plan = benchmark(service.plan)  # type: ignore[operator]
    assert plan.due


def _hundred_k() -> tuple[list[Appointment], dict[str, Client], PracticeFacts]:
    rng = random.Random(2)
    org, branch, rooms, _, _ = _practice_values()
    appointments = _appointments(100_000, NOW - timedelta(days=2), 150, rng)
    clients = {
        f"c{n:05d}": Client(
            id=f"c{n:05d}",
            organisation_id="org-1",
            last_name=f"Kunde {n}",
            email=f"k{n}@example.org",
            notification_consent=True,
            consent_changed_at=NOW - timedelta(days=400),
        )
        for n in range(CLIENTS)
    }
    facts = PracticeFacts(
        org,
        {r.id: branch for r in rooms},
        {"treatment": AppointmentType("treatment", "Behandlung")},
        rooms={r.id: r for r in rooms},
    )
    return appointments, clients, facts


def test_bench_pure_planner_over_100k_appointments_steady_state(
    benchmark: pytest.FixtureRequest,
) -> None:
    """The planner alone over 100 000 appointments in memory, of which all but 1 % were
    confirmed in earlier runs — the hourly case (target < 500 ms)."""
    appointments, clients, facts = _hundred_k()
    records = [
        SentRecord(
            f"k{a.id}",
            MessageKind.CONFIRMATION,
            a.client_id,
            (AppointmentRef(a.id, 0),),
            NOW - timedelta(days=3),
        )
        for n, a in enumerate(appointments)
        if n % 100
    ]
    sent = SentLog(records)
    plan = benchmark(  # type: ignore[operator]
        plan_run, NotificationPolicy(), NOW, appointments, clients, sent, facts
    )
    assert plan.due


def test_bench_pure_planner_over_100k_appointments_first_run(
    benchmark: pytest.FixtureRequest,
) -> None:
    """Worst case: the service's first run, where all 100 000 appointments still need
    their confirmation (D10: "when the service is first set up ...")."""
    appointments, clients, facts = _hundred_k()
    plan = benchmark(  # type: ignore[operator]
        plan_run, NotificationPolicy(), NOW, appointments, clients, SentLog(), facts
    )
    assert len(plan.due) > 19_000
