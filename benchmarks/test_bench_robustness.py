"""A4/G7: the cost of a booking does not depend on the longest appointment ever stored.

200 000 appointments in one room; bookings through :class:`AppointmentBook` (durable
commits) before and after one extreme appointment — refused by the book, then stored anyway
by a direct store write (as an import could) and cancelled. A raw-SQL floor does the same
overlap check and insert with bare sqlite3 in the same run.

Run with ``.venv/bin/pytest benchmarks/test_bench_robustness.py --benchmark-enable
--benchmark-only``. Before the fix the store remembered the longest duration and widened
every overlap query by it: 2.3 → 39 ms per booking at 200 000 appointments.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import attrs
import pytest

from lemnicore.errors import ValidationError
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.storage.sqlite.rows import to_us
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
IN_ROOM = 200_000
FIRST = NOW - timedelta(minutes=30 * IN_ROOM // 2)  # half past, half ahead

medians: dict[str, float] = {}


@attrs.define
class Busy:
    practice: Practice
    store: SqliteStore
    path: Path
    room: str
    calendar: str
    starts: Iterator[datetime]


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Busy]:
    path = Path(tmp_path_factory.mktemp("robust")) / "busy.db"
    store = SqliteStore(path)
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    calendar = practice.calendars[anna]
    batch = [
        Appointment(
            f"old-{n}",
            calendar,
            room,
            FIRST + timedelta(minutes=30 * n),
            FIRST + timedelta(minutes=30 * n + 30),
            "treatment",
        )
        for n in range(IN_ROOM)
    ]
    with store.unit_of_work() as uow:
        uow.appointments.add_many(batch)
        uow.commit()
    # New bookings go between the stored ones' day and far ahead, never overlapping.
    after = FIRST + timedelta(minutes=30 * IN_ROOM)
    starts = (after + timedelta(minutes=30 * n) for n in count())
    yield Busy(practice, store, path, room, calendar, starts)
    store.close()


def book_one(busy: Busy) -> Appointment:
    owner = busy.practice.owner("practitioner-1")
    return busy.practice.book.book(
        owner,
        calendar_id=busy.calendar,
        room_id=busy.room,
        start=next(busy.starts),
        type_id="treatment",
    )


def record(benchmark: Any, name: str) -> None:
    medians[name] = benchmark.stats.stats.median
    benchmark.extra_info["median_ms"] = round(medians[name] * 1000, 3)


def test_bench_floor_raw_sql_overlap_check_and_insert(benchmark: Any, busy: Busy) -> None:
    """The floor: BEGIN IMMEDIATE, the overlap query on the room index, INSERT, COMMIT."""
    conn = sqlite3.connect(busy.path, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    numbers = count()

    def raw() -> None:
        start = next(busy.starts)
        lo, hi = to_us(start), to_us(start + timedelta(minutes=30))
        conn.execute("BEGIN IMMEDIATE")
        clash = conn.execute(
            "SELECT id FROM appointments WHERE room_id = ? AND start_us >= ? AND start_us < ?"
            " AND end_us > ? AND status NOT IN ('cancelled', 'no_show')",
            (busy.room, lo - 86_400_000_000, hi, lo),
        ).fetchall()
        assert not clash
        conn.execute(
            "INSERT INTO appointments (id, calendar_id, room_id, start_us, end_us, type_id,"
            " status) VALUES (?, ?, ?, ?, ?, 'treatment', 'booked')",
            (f"raw-{next(numbers)}", busy.calendar, busy.room, lo, hi),
        )
        conn.execute("COMMIT")

    try:
        benchmark(raw)
    finally:
        conn.close()
    record(benchmark, "floor")


def test_bench_booking_among_200k_before_an_extreme_appointment(benchmark: Any, busy: Busy) -> None:
    benchmark(book_one, busy)
    record(benchmark, "before")
    benchmark.extra_info["ratio_to_floor"] = round(medians["before"] / medians["floor"], 2)


def overlap_query(busy: Busy) -> list[Appointment]:
    start = FIRST + timedelta(minutes=30 * IN_ROOM // 2 + 5)
    with busy.store.unit_of_work(write=False) as uow:
        return uow.appointments.in_room(busy.room, start, start + timedelta(minutes=30))


def test_bench_overlap_query_among_200k_before_an_extreme_appointment(
    benchmark: Any, busy: Busy
) -> None:
    """The overlap query alone (no commit to wait for)."""
    assert len(benchmark(overlap_query, busy)) == 2
    record(benchmark, "query_before")


@pytest.fixture(scope="module")
def extreme(busy: Busy) -> Appointment:
    """One extreme appointment: refused by the book, stored anyway by a direct write (as an
    import could), then cancelled."""
    with pytest.raises(ValidationError, match="at most 24 hours"):
        busy.practice.book.book(
            busy.practice.owner("practitioner-1"),
            calendar_id=busy.calendar,
            room_id=busy.room,
            start=next(busy.starts),
            end=datetime(2999, 12, 30, tzinfo=UTC),
            type_id="treatment",
        )
    stored = Appointment(
        "extreme", busy.calendar, busy.room, datetime(1900, 1, 2, tzinfo=UTC),
        datetime(2999, 12, 30, tzinfo=UTC), "treatment",
    )  # fmt: skip
    with busy.store.unit_of_work() as uow:
        uow.appointments.add(stored)
        uow.commit()
    cancelled = attrs.evolve(stored, status=AppointmentStatus.CANCELLED)
    with busy.store.unit_of_work() as uow:
        uow.appointments.update(cancelled)
        uow.commit()
    return cancelled


def test_bench_booking_among_200k_after_an_extreme_appointment(
    benchmark: Any, busy: Busy, extreme: Appointment
) -> None:
    benchmark(book_one, busy)
    record(benchmark, "after")
    benchmark.extra_info["ratio_to_floor"] = round(medians["after"] / medians["floor"], 2)
    benchmark.extra_info["ratio_after_to_before"] = round(medians["after"] / medians["before"], 2)


def test_bench_overlap_query_among_200k_after_an_extreme_appointment(
    benchmark: Any, busy: Busy, extreme: Appointment
) -> None:
    assert len(benchmark(overlap_query, busy)) == 2
    record(benchmark, "query_after")
    benchmark.extra_info["ratio_after_to_before"] = round(
        medians["query_after"] / medians["query_before"], 2
    )
