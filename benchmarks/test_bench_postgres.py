"""Speed of the PostgreSQL store (F1, F2, D5), each figure beside a raw psycopg floor
timed in the same run on the same server, and the ratio lemnicore / floor.

- bookings per second through :class:`AppointmentBook`, 1 process and 8 processes
  (floor: one bare ``INSERT`` per transaction);
- free slots of one room-week among 50 000 appointments (floor: the one range query);
- the hourly notification run planned over 200 000 stored appointments in the steady
  state (the SQLite benchmark has 1 000 000) (floor: the two range reads the run needs, raw);
- ``store copy`` of a 100 000-appointment practice from SQLite (floor: a bare ``COPY`` of
  the same appointment rows).

The server is a throwaway cluster with durable commits (``fsync`` on), like the SQLite
benchmarks' ``synchronous=FULL``. Run:
``.venv/bin/pytest benchmarks/test_bench_postgres.py --benchmark-enable --benchmark-only``
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from lemnicore.access.actors import Actor, Role
from lemnicore.notifications.planner import confirmation_window, reading_window
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.service import NotificationService
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.services.booking import AppointmentBook
from lemnicore.services.entitlements import UNLIMITED
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import MON_FRI, FakeClock, Practice
from lemnicore.timekeeping import zone
from lemnicore_postgres.copy import copy_practice
from lemnicore_postgres.schema import NEEDS_NOTICE
from lemnicore_postgres.store import PostgresStore
from lemnicore_postgres.testing import PostgresCluster
from lemnicore_postgres.testing.fixtures import require_server

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
PROCESSES = 8
PER_PROCESS = 150


@pytest.fixture(scope="module")
def durable() -> Iterator[PostgresCluster]:
    require_server()
    with PostgresCluster(durable=True) as cluster:
        yield cluster


def _ratio(benchmark: Any, lemnicore_s: float, floor_s: float, **more: Any) -> None:
    benchmark.extra_info.update(
        lemnicore_ms=round(lemnicore_s * 1000, 3),
        floor_ms=round(floor_s * 1000, 3),
        ratio=round(lemnicore_s / floor_s, 2),
        **more,
    )
    print(f"\n{benchmark.name}: lemnicore {lemnicore_s * 1000:.3f} ms,"
          f" floor {floor_s * 1000:.3f} ms, ratio {lemnicore_s / floor_s:.2f} {more}")  # fmt: skip


def _raw_insert_seconds(url: str, rows: int, room: str) -> float:
    """Floor: one bare INSERT per durable transaction, as a hand-written app would."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        for n in range(rows):
            start = NOW + timedelta(days=3000, minutes=30 * n)
            conn.execute(
                "INSERT INTO appointments (id, calendar_id, room_id, start_at, end_at, type_id,"
                " status) VALUES (%s, 'cal', %s, %s, %s, 't', 'booked')",
                (f"raw-{room}-{n}", room, start, start + timedelta(minutes=30)),
            )
        return (time.perf_counter() - started) / rows


# -- bookings per second -----------------------------------------------------------------------


def test_bench_pg_bookings_per_second_one_process(benchmark: Any, durable: PostgresCluster) -> None:
    url = durable.create_database("bookings_one")
    store = PostgresStore(url)
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    owner, calendar = practice.owner(anna), practice.calendars[anna]
    starts = (NOW + timedelta(minutes=30 * n) for n in count())

    def book_next() -> Appointment:
        return practice.book.book(
            owner, calendar_id=calendar, room_id=room, start=next(starts), type_id="treatment"
        )

    benchmark.pedantic(book_next, rounds=400, warmup_rounds=20)
    floor = _raw_insert_seconds(url, 400, "floor-room")
    _ratio(benchmark, benchmark.stats.stats.mean, floor,
           bookings_per_second=round(1 / benchmark.stats.stats.mean),
           floor_per_second=round(1 / floor))  # fmt: skip
    store.close()


def _book_many(url: str, room: str, calendar: str, barrier: Any, results: Any) -> None:
    store = PostgresStore(url)
    book = AppointmentBook(store, FakeClock(NOW), entitlements=UNLIMITED)
    desk = Actor(id="user-desk", role=Role.FRONT_DESK, organisation_id="org-1")
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for n in range(PER_PROCESS):
        start = NOW + timedelta(minutes=30 * n)
        book.book(desk, calendar_id=calendar, room_id=room, start=start, type_id="treatment")
    results.put(time.perf_counter() - started)
    store.close()


def _raw_many(url: str, room: str, calendar: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=60)
    results.put(_raw_insert_seconds(url, PER_PROCESS, room) * PER_PROCESS)


def _in_processes(target: Any, url: str, rooms: list[str], calendar: str) -> float:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(PROCESSES + 1), ctx.Queue()
    children = [
        ctx.Process(target=target, args=(url, rooms[k], calendar, barrier, results))
        for k in range(PROCESSES)
    ]
    for child in children:
        child.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for _ in children:
        results.get(timeout=300)
    elapsed = time.perf_counter() - started
    for child in children:
        child.join(timeout=60)
    return elapsed


def test_bench_pg_bookings_per_second_eight_processes(
    benchmark: Any, durable: PostgresCluster
) -> None:
    """F1: eight app-server processes booking at once, each its own room."""
    url = durable.create_database("bookings_eight")
    store = PostgresStore(url)
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    rooms = [practice.add_room(f"Room {n}") for n in range(PROCESSES)]
    calendar = practice.calendars[anna]
    store.close()
    elapsed = benchmark.pedantic(
        lambda: _in_processes(_book_many, url, rooms, calendar), rounds=1, iterations=1
    )
    floor = _in_processes(_raw_many, url, [f"raw-{r}" for r in rooms], calendar)
    total = PROCESSES * PER_PROCESS
    _ratio(benchmark, elapsed / total, floor / total,
           bookings_per_second=round(total / elapsed), floor_per_second=round(total / floor))  # fmt: skip


# -- free slots --------------------------------------------------------------------------------


def test_bench_pg_free_slots_of_a_room_week_among_50000(
    benchmark: Any, durable: PostgresCluster
) -> None:
    import psycopg

    url = durable.create_database("slots")
    store = PostgresStore(url)
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    rooms = [practice.add_room(f"Room {n}") for n in range(10)]
    for room in rooms:
        practice.add_working_time(room, MON_FRI, datetime.min.time().replace(hour=8),
                                  datetime.min.time().replace(hour=18))  # fmt: skip
    calendar = practice.calendars[anna]
    first_monday = datetime(2023, 1, 2, 7, 0, tzinfo=UTC)
    statuses = (AppointmentStatus.BOOKED,) * 8 + (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.COMPLETED,
    )
    batch = []
    for n in range(50_000):
        room_no, k = n % 10, n // 10
        week, slot = divmod(k, 20)
        day, hour = divmod(slot, 4)
        start = first_monday + timedelta(weeks=week, days=day, hours=2 * hour)
        batch.append(
            Appointment(f"bench-{n}", calendar, rooms[room_no], start,
                        start + timedelta(minutes=45), "treatment",
                        status=statuses[n % len(statuses)], created_at=NOW)
        )  # fmt: skip
    with store.unit_of_work() as uow:
        uow.appointments.add_many(batch)
        uow.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    monday = practice.at(2025, 6, 2)
    week = (monday, monday + timedelta(days=7))
    slots = benchmark(practice.book.free_slots, rooms[4], *week)
    assert 50 <= len(slots) < 100
    with psycopg.connect(url, autocommit=True) as conn:
        query = (
            "SELECT id, calendar_id, room_id, start_at, end_at, type_id, status, client_id,"
            " comment, is_group, sequence, double_booked, created_at, external_id, import_id"
            " FROM appointments WHERE room_id = %s AND start_at < %s AND end_at > %s"
            " AND start_at >= %s - interval '1 day' AND status NOT IN ('cancelled', 'no_show')"
        )
        for _ in range(20):
            conn.execute(query, (rooms[4], week[1], week[0], week[0])).fetchall()
        started = time.perf_counter()
        for _ in range(500):
            conn.execute(query, (rooms[4], week[1], week[0], week[0])).fetchall()
        floor = (time.perf_counter() - started) / 500
    _ratio(benchmark, benchmark.stats.stats.median, floor)
    store.close()


# -- the hourly notification run ---------------------------------------------------------------

TOTAL = 200_000
"""Scaled down from the SQLite benchmark's 1 000 000: building a million rows through the
GiST no-overlap index takes longer than this session had (see the closing notes)."""


def _build_million(url: str) -> None:
    """The SQLite benchmark's practice, built in SQL: 40 rooms, 20 000 clients, ~1 370
    appointments a day over two years; everything confirmed and reminded up to now."""
    import psycopg

    from lemnicore.scheduling.clients import Client
    from lemnicore.scheduling.practice import (
        AppointmentType,
        Branch,
        Calendar,
        Organisation,
        Practitioner,
        Room,
    )

    store = PostgresStore(url)
    with store.unit_of_work() as uow:
        uow.organisations.put(Organisation("org-1", "Praxiskette Nord"))
        uow.branches.put(Branch("branch-1", "org-1", "HH1", "Hamburg"))
        uow.appointment_types.put(AppointmentType("treatment", "Behandlung"))
        for n in range(40):
            uow.rooms.put(Room(f"room-{n}", "branch-1", f"Raum {n}"))
            uow.practitioners.put(Practitioner(f"p-{n}", "org-1", f"Therapeut {n}"))
            uow.calendars.put(Calendar(f"cal-{n}", f"p-{n}", f"Kalender {n}", "branch-1"))
        uow.clients.add_many(
            [
                Client(f"c{n:05d}", "org-1", f"Kunde {n}", email=f"k{n}@example.org",
                       notification_consent=n % 5 != 0,
                       consent_changed_at=NOW - timedelta(days=400),
                       contact_changed_at=NOW - timedelta(days=400))
                for n in range(20_000)
            ]
        )  # fmt: skip
        uow.commit()
    store.close()
    per_day = TOTAL // 730 + 1  # two years, as in the SQLite benchmark
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE appointments DISABLE TRIGGER USER")
        conn.execute("ALTER TABLE notification_items DISABLE TRIGGER USER")
        (no_overlap,) = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'appointments_no_overlap'"
        ).fetchone() or ("",)
        conn.execute("ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap")
        conn.execute(
            "INSERT INTO appointments (id, calendar_id, room_id, start_at, end_at, type_id,"
            " status, client_id)"
            " SELECT 'a' || lpad(n::text, 7, '0'), 'cal-' || (n %% %(per_day)s) %% 40,"
            "  'room-' || (n %% %(per_day)s) %% 40, s, s + interval '30 minutes', 'treatment',"
            "  'booked', 'c' || lpad(((n::bigint * 7919) %% 20000)::text, 5, '0')"
            " FROM generate_series(0, %(total)s - 1) AS n,"
            "  LATERAL (SELECT %(first)s::timestamptz + (n / %(per_day)s) * interval '1 day'"
            "   + (((n %% %(per_day)s) / 40) * 30 + 420) * interval '1 minute' AS s) AS t",
            {"per_day": per_day, "total": TOTAL, "first": NOW - timedelta(days=365)},
        )
        conn.execute("INSERT INTO store_meta VALUES ('max_duration_us', 1800000000)")
        quarter = "floor(extract(epoch FROM start_at) / (91 * 86400))"
        horizon = datetime(2026, 10, 1, tzinfo=UTC)
        conn.execute(
            "INSERT INTO notification_outbox (id, key, kind, client_id, channel, address, text,"
            " created_at, due_at, state)"
            f" SELECT 'm-' || client_id || '-' || {quarter}, 'm-' || client_id || '-' || {quarter},"
            " 'confirmation', client_id, 'email', '', '', min(start_at) - interval '91 days',"
            " min(start_at) - interval '91 days', 'sent'"
            f" FROM appointments WHERE start_at < %s GROUP BY client_id, {quarter}",
            (horizon,),
        )
        conn.execute(
            "INSERT INTO notification_items (appointment_id, sequence, message_id, kind)"
            f" SELECT id, sequence, 'm-' || client_id || '-' || {quarter}, 'confirmation'"
            " FROM appointments WHERE start_at < %s AND hashtext(id) %% 1000 <> 0",
            (horizon,),
        )
        day_ahead = NOW + timedelta(days=1)
        conn.execute(
            "INSERT INTO notification_outbox (id, key, kind, client_id, channel, address, text,"
            " created_at, due_at, state)"
            " SELECT 'r-' || id, 'r-' || id, 'reminder', client_id, 'email', '', '',"
            " start_at - interval '1 day', start_at - interval '1 day', 'sent'"
            " FROM appointments WHERE start_at < %s",
            (day_ahead,),
        )
        conn.execute(
            "INSERT INTO notification_items (appointment_id, sequence, message_id, kind)"
            " SELECT id, sequence, 'r-' || id, 'reminder' FROM appointments WHERE start_at < %s",
            (day_ahead,),
        )
        conn.execute(
            "INSERT INTO notification_open (appointment_id, start_at)"
            f" SELECT a.id, a.start_at FROM appointments AS a WHERE {NEEDS_NOTICE}"
        )
        conn.execute("ALTER TABLE appointments ENABLE TRIGGER USER")
        conn.execute("ALTER TABLE notification_items ENABLE TRIGGER USER")
        conn.execute(
            f"ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap {no_overlap}"
        )
        conn.execute("VACUUM ANALYZE")


def test_bench_pg_plan_hourly_run_over_200k(benchmark: Any, durable: PostgresCluster) -> None:
    import psycopg

    url = durable.create_database("million")
    started = time.perf_counter()
    _build_million(url)
    built = time.perf_counter() - started
    store = PostgresStore(url)
    with store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == TOTAL
    service = NotificationService(store, FakeClock(NOW))
    plan = benchmark(service.plan)
    assert plan.due
    tz = zone("Europe/Berlin")
    reading = reading_window(NotificationPolicy(), NOW, tz)
    confirming = confirmation_window(NOW, tz)
    with psycopg.connect(url, autocommit=True) as conn:

        def raw() -> None:
            conn.execute(
                "SELECT * FROM appointments WHERE start_at >= %s AND start_at < %s", reading
            ).fetchall()
            conn.execute(
                "SELECT a.* FROM notification_open AS o JOIN appointments AS a"
                f" ON a.id = o.appointment_id WHERE o.start_at >= %s AND o.start_at < %s AND {NEEDS_NOTICE}",
                confirming,
            ).fetchall()

        for _ in range(5):
            raw()
        timer = time.perf_counter()
        for _ in range(50):
            raw()
        floor = (time.perf_counter() - timer) / 50
    _ratio(benchmark, benchmark.stats.stats.median, floor, stored=TOTAL,
           build_seconds=round(built), due=len(plan.due))  # fmt: skip
    store.close()


# -- store copy --------------------------------------------------------------------------------


def test_bench_pg_store_copy_of_a_100k_practice(
    benchmark: Any, durable: PostgresCluster, tmp_path: Path
) -> None:
    import psycopg

    source = SqliteStore(tmp_path / "praxis.db")
    practice = Practice(source, now=NOW)
    anna = practice.add_practitioner("Anna")
    rooms = [practice.add_room(f"Room {n}") for n in range(10)]
    calendar = practice.calendars[anna]
    appointments = [
        Appointment(f"a-{n}", calendar, rooms[n % 10],
                    NOW + timedelta(hours=n // 10), NOW + timedelta(hours=n // 10, minutes=45),
                    "treatment", created_at=NOW)
        for n in range(100_000)
    ]  # fmt: skip
    with source.unit_of_work() as uow:
        uow.appointments.add_many(appointments)
        uow.commit()
    url = durable.create_database("copy_target")
    target = PostgresStore(url)
    report = benchmark.pedantic(
        lambda: copy_practice(source, target, replace=True), rounds=1, iterations=1
    )
    assert {t.table: t.rows for t in report.tables}["appointments"] == 100_000
    floor_url = durable.create_database("copy_floor")
    PostgresStore(floor_url).close()
    rows = [
        (a.id, a.calendar_id, a.room_id, a.start, a.end, a.type_id, a.status.value)
        for a in appointments
    ]
    with psycopg.connect(floor_url) as conn:
        timer = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY appointments (id, calendar_id, room_id, start_at, end_at, type_id, status)"
                " FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        floor = time.perf_counter() - timer
    _ratio(benchmark, benchmark.stats.stats.mean, floor, rows=report.rows)
    source.close()
    target.close()
