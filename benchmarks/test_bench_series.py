"""Speed of free-slot search, series search and waiting-list matching (A5, A9, A10, A11).

Run with ``.venv/bin/pytest benchmarks/test_bench_series.py --benchmark-enable --benchmark-only``.

Each test also times its floor in the same run — the least any implementation must do: a
raw indexed range query for the busy rows plus one sweep over the working windows — and
reports ``ratio`` = median / floor median in ``extra_info``. Goals (issue 16):

- free slots of one room for one week among 50 000 stored appointments within 3× the floor;
- a 10-treatment series search over 12 weeks in a set of 3 rooms at 50 000 stored < 20 ms;
- waiting-list matching of one freed slot against 10 000 entries < 5 ms.
"""

from __future__ import annotations

import sqlite3
import statistics
import time as _time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.series import SeriesRequest
from lemnicore.scheduling.waiting_list import FreedSlot, WaitingEntry, first_waiting_for
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import local_datetime, zone

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
ROOMS = 10
APPOINTMENTS = 50_000
BERLIN = zone("Europe/Berlin")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def median_seconds(fn: Callable[[], object], rounds: int = 300) -> float:
    """The floor's median, timed the way pytest-benchmark times (perf_counter per call)."""
    for _ in range(20):
        fn()
    samples = []
    for _ in range(rounds):
        t0 = _time.perf_counter()
        fn()
        samples.append(_time.perf_counter() - t0)
    return statistics.median(samples)


def report(benchmark: Any, floor: float | None, **extra: object) -> None:
    median = benchmark.stats.stats.median
    benchmark.extra_info["median_ms"] = round(median * 1000, 4)
    if floor is not None:
        benchmark.extra_info["floor_ms"] = round(floor * 1000, 4)
        benchmark.extra_info["ratio"] = round(median / floor, 2)
    benchmark.extra_info.update(extra)


@pytest.fixture(scope="module")
def busy_practice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Practice]:
    """Ten rooms, 50 000 appointments over 2023–2027 (about 20 a room per working week),
    each room in its own practitioner's calendar; Anna's calendar is left for the series."""
    store = SqliteStore(Path(tmp_path_factory.mktemp("bench")) / "busy.db")
    practice = Practice(store, now=NOW)
    practice.add_practitioner("Anna")
    therapists = [practice.add_practitioner(f"Therapist {n}") for n in range(ROOMS)]
    rooms = [practice.add_room(f"Room {n}") for n in range(ROOMS)]
    for room in rooms:
        practice.add_working_time(room, MON_FRI, time(8), time(18))
    first_monday = datetime(2023, 1, 2, 7, 0, tzinfo=UTC)
    statuses = (AppointmentStatus.BOOKED,) * 8 + (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.COMPLETED,
    )
    batch: list[Appointment] = []
    for n in range(APPOINTMENTS):
        room_no, k = n % ROOMS, n // ROOMS
        week, slot = divmod(k, 20)
        day, hour = divmod(slot, 4)
        start = first_monday + timedelta(weeks=week, days=day, hours=2 * hour)
        batch.append(
            Appointment(
                id=f"bench-{n}",
                calendar_id=practice.calendars[therapists[room_no]],
                room_id=rooms[room_no],
                start=start,
                end=start + timedelta(minutes=45),
                type_id="treatment",
                status=statuses[n % len(statuses)],
                created_at=NOW,
            )
        )
    with store.unit_of_work() as uow:
        uow.appointments.add_many(batch)
        uow.commit()
    yield practice
    store.close()


def floor_free_slots(
    conn: sqlite3.Connection, room_id: str, monday: date
) -> Callable[[], list[tuple[datetime, datetime]]]:
    """A raw indexed range query for the room-week's busy rows plus one sweep over the
    working windows (laid in advance, as integers) giving the free slots as local times."""
    windows = []
    for d in range(5):
        day = monday + timedelta(days=d)
        opens = local_datetime(day, time(8), BERLIN)
        closes = local_datetime(day, time(18), BERLIN)
        windows.append(
            (
                (opens - EPOCH) // timedelta(microseconds=1),
                (closes - EPOCH) // timedelta(microseconds=1),
            )
        )
    lo, hi = windows[0][0] - 86_400_000_000, windows[-1][1] + 86_400_000_000
    step = 30 * 60 * 1_000_000
    micro = timedelta(microseconds=1)

    def run() -> list[tuple[datetime, datetime]]:
        rows = conn.execute(
            "SELECT start_us, end_us FROM appointments WHERE room_id = ? AND start_us >= ?"
            " AND start_us < ? AND end_us > ? AND status NOT IN ('cancelled', 'no_show')"
            " ORDER BY start_us",
            (room_id, lo - 86_400_000_000, hi, lo),
        ).fetchall()
        free = []
        i = 0
        for w_start, w_end in windows:
            s = w_start
            while s + step <= w_end:
                e = s + step
                while i < len(rows) and rows[i][1] <= s:
                    i += 1
                if i >= len(rows) or rows[i][0] >= e:
                    free.append(
                        (
                            (EPOCH + micro * s).astimezone(BERLIN),
                            (EPOCH + micro * e).astimezone(BERLIN),
                        )
                    )
                s = e
        return free

    return run


def test_bench_free_slots_of_a_room_week_against_its_floor(
    benchmark: Any, busy_practice: Practice
) -> None:
    """A5/C2 hot path: one room-week among 50 000 stored; goal within 3× the floor."""
    room = "room-4"
    monday = date(2025, 6, 2)
    week = (busy_practice.at(2025, 6, 2), busy_practice.at(2025, 6, 9))
    store = busy_practice.store
    assert isinstance(store, SqliteStore)
    floor_run = floor_free_slots(store.connection(), room, monday)
    slots = benchmark(busy_practice.book.free_slots, busy_practice.front_desk(), room, *week)
    floor = median_seconds(floor_run)
    assert [(s.start, s.end) for s in slots] == floor_run()
    assert 50 <= len(slots) < 100
    report(benchmark, floor, goal_ratio=3)


def test_bench_series_search_ten_treatments_twelve_weeks_three_rooms(
    benchmark: Any, busy_practice: Practice
) -> None:
    """A9 + A10: propose 10 treatments (Tue/Thu 09:00) over 12 weeks in 3 rooms, checking
    the rooms' and Anna's busy time; goal < 20 ms. Floor: the 4 raw range queries."""
    anna = "practitioner-1"
    client = busy_practice.add_client("Meyer")
    request = SeriesRequest(
        client_id=client,
        type_id="treatment",
        calendar_id=busy_practice.calendars[anna],
        count=10,
        weekdays={1, 3},
        preferred_time=time(9),
        earliest_start=date(2026, 6, 1),
        latest_end=date(2026, 8, 23),
        room_ids=("room-1", "room-2", "room-3"),
    )
    owner = busy_practice.owner(anna)
    proposal = benchmark(busy_practice.series.propose, owner, request)
    assert proposal.complete
    store = busy_practice.store
    assert isinstance(store, SqliteStore)
    conn = store.connection()
    lo = (busy_practice.at(2026, 5, 31) - EPOCH) // timedelta(microseconds=1)
    hi = (busy_practice.at(2026, 8, 25) - EPOCH) // timedelta(microseconds=1)

    def floor_run() -> None:
        for room in request.room_ids:
            conn.execute(
                "SELECT start_us, end_us FROM appointments WHERE room_id = ? AND start_us >= ?"
                " AND start_us < ? AND end_us > ? AND status NOT IN ('cancelled', 'no_show')",
                (room, lo, hi, lo),
            ).fetchall()
        conn.execute(
            "SELECT start_us, end_us FROM appointments WHERE calendar_id = ? AND start_us >= ?"
            " AND start_us < ? AND end_us > ?",
            (request.calendar_id, lo, hi, lo),
        ).fetchall()

    report(benchmark, median_seconds(floor_run, rounds=100), goal_ms=20)
    assert benchmark.stats.stats.median < 0.020 * 5  # a gross regression, not the goal


def test_bench_waiting_list_matching_one_freed_slot_against_10000_entries(benchmark: Any) -> None:
    """A11: the first matching entry among 10 000 in order of entry, the only match being
    the last; goal < 5 ms. Floor: one bare loop over the entries comparing the type."""
    slot = FreedSlot(
        "room-3",
        datetime(2026, 5, 6, 7, tzinfo=UTC),
        datetime(2026, 5, 6, 7, 30, tzinfo=UTC),
        "massage",
        "calendar-1",
        "practitioner-1",
    )
    entered = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [
        WaitingEntry(
            f"entry-{n}",
            f"client-{n}",
            ("treatment", "massage", "fango")[n % 3],
            date(2026, 5, 1),
            date(2026, 5, 31),
            entered + timedelta(minutes=n),
            room_ids=frozenset({f"room-{n % 10}"}) if n % 2 else frozenset(),
            weekdays=frozenset({0, 1}) if n % 3 == 1 else frozenset(),
            from_time=time(14) if n % 3 != 1 else None,
        )
        for n in range(9_999)
    ]
    entries.append(
        WaitingEntry(
            "entry-last",
            "client-last",
            "massage",
            date(2026, 5, 1),
            date(2026, 5, 31),
            entered + timedelta(days=30),
        )
    )
    found = benchmark(first_waiting_for, slot, entries, ordered=True)
    assert found is not None
    assert found.id == "entry-last"

    def floor_run() -> object:
        for e in entries:
            if e.type_id == "massage" and e.client_id == "client-last":
                return e
        return None

    report(benchmark, median_seconds(floor_run, rounds=50), goal_ms=5, entries=len(entries))
