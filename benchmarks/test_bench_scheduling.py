"""Speed of the scheduling core on the embedded SQLite store (A5, F2).

Run with ``.venv/bin/pytest benchmarks --benchmark-enable --benchmark-only``.

Targets: free slots of one room for one week among 50 000 stored appointments < 5 ms;
bookings through :class:`AppointmentBook` with durable commits (synchronous=FULL) > 500/s.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from lemnicore.access.plans import Plan
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.services.entitlements import Entitlements
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import MON_FRI, Practice

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
ROOMS = 10
APPOINTMENTS = 50_000


@pytest.fixture(scope="session")
def busy_practice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Practice]:
    """Ten rooms, 50 000 appointments over 2023–2027 (about 19 a room per working week)."""
    store = SqliteStore(Path(tmp_path_factory.mktemp("bench")) / "busy.db")
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    rooms = [practice.add_room(f"Room {n}") for n in range(ROOMS)]
    for room in rooms:
        practice.add_working_time(room, MON_FRI, time(8), time(18))
    calendar = practice.calendars[anna]
    first_monday = datetime(2023, 1, 2, 7, 0, tzinfo=UTC)
    statuses = (AppointmentStatus.BOOKED,) * 8 + (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.COMPLETED,
    )
    batch: list[Appointment] = []
    for n in range(APPOINTMENTS):
        room_no, k = n % ROOMS, n // ROOMS
        week, slot = divmod(k, 20)  # 20 appointments a room a week, 4 a working day
        day, hour = divmod(slot, 4)
        start = first_monday + timedelta(weeks=week, days=day, hours=2 * hour)
        batch.append(
            Appointment(
                id=f"bench-{n}",
                calendar_id=calendar,
                room_id=rooms[room_no],
                start=start,
                end=start + timedelta(minutes=45),
                type_id="treatment",
                status=statuses[n % len(statuses)],
                client_id=None,
                created_at=NOW,
            )
        )
    with store.unit_of_work() as uow:
        uow.appointments.add_many(batch)
        uow.commit()
    yield practice
    store.close()


def test_bench_free_slots_of_a_room_for_a_week_among_50000(
    benchmark: Any, busy_practice: Practice
) -> None:
    """A5/C2: the week view of one room; target < 5 ms."""
    room = "room-4"
    monday = busy_practice.at(2025, 6, 2)
    week = (monday, monday + timedelta(days=7))
    with busy_practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == APPOINTMENTS
    slots = benchmark(busy_practice.book.free_slots, busy_practice.front_desk(), room, *week)
    # 5 days × 20 half-hour slots, minus the 20 booked 45-minute appointments' 2 slots each,
    # plus cancelled ones freeing theirs.
    assert 50 <= len(slots) < 100
    benchmark.extra_info["target_ms"] = 5
    benchmark.extra_info["median_ms"] = round(benchmark.stats.stats.median * 1000, 3)


def test_bench_bookings_per_second_with_durable_commits(benchmark: Any, tmp_path: Path) -> None:
    """F2: one booking per call, each its own durable transaction; target > 500/s."""
    store = SqliteStore(tmp_path / "bookings.db")
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    owner = practice.owner(anna)
    calendar = practice.calendars[anna]
    assert store.connection().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    starts = (NOW + timedelta(minutes=30 * n) for n in count())

    def book_next() -> Appointment:
        return practice.book.book(
            owner, calendar_id=calendar, room_id=room, start=next(starts), type_id="treatment"
        )

    try:
        benchmark(book_next)
    finally:
        store.close()
    per_second = 1 / benchmark.stats.stats.mean
    benchmark.extra_info["bookings_per_second"] = round(per_second)
    benchmark.extra_info["target_bookings_per_second"] = 500


def test_bench_bookings_per_second_with_the_plan_checked(benchmark: Any, tmp_path: Path) -> None:
    """B4 + F2: the same durable bookings, each also counting the month's appointments
    against the organisation's plan (a generous custom plan, so none is refused), in a
    store that already holds 5 000 appointments that month; target > 500/s."""
    plans = {"M": Plan("M", appointments_per_month=1_000_000)}
    store = SqliteStore(tmp_path / "bookings.db")
    practice = Practice(store, now=NOW, entitlements=Entitlements(plans))
    anna = practice.add_practitioner("Anna")
    rooms = [practice.add_room(f"Room {n}") for n in range(2)]
    owner = practice.owner(anna)
    calendar = practice.calendars[anna]
    busy = [
        Appointment(
            id=f"may-{n}",
            calendar_id=calendar,
            room_id=rooms[0],
            start=NOW + timedelta(minutes=5 * n),
            end=NOW + timedelta(minutes=5 * n + 5),
            type_id="treatment",
        )
        for n in range(5_000)
    ]
    with store.unit_of_work() as uow:
        uow.appointments.add_many(busy)
        uow.commit()
    starts = (NOW + timedelta(minutes=30 * n) for n in count())

    def book_next() -> Appointment:
        return practice.book.book(
            owner, calendar_id=calendar, room_id=rooms[1], start=next(starts), type_id="treatment"
        )

    try:
        benchmark(book_next)
    finally:
        store.close()
    per_second = 1 / benchmark.stats.stats.mean
    benchmark.extra_info["bookings_per_second"] = round(per_second)
    benchmark.extra_info["target_bookings_per_second"] = 500
