"""A4: the overlap check finds every overlapping appointment, however long, and its cost
does not depend on the longest appointment ever stored (measured in SQLite VM steps, not
time: one extreme appointment, even cancelled, used to widen every later query for good)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore

T0 = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)


def short(n: int) -> Appointment:
    start = T0 + timedelta(hours=n)
    return Appointment(f"a-{n}", "cal-1", "room-1", start, start + timedelta(minutes=30), "t")


def vm_steps(store: SqliteStore, start: datetime, end: datetime) -> int:
    """SQLite virtual-machine instructions one overlap query of room-1 executes."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    conn = store.connection()
    with store.unit_of_work(write=False) as uow:
        conn.set_progress_handler(count, 1)
        try:
            uow.appointments.in_room("room-1", start, end)
        finally:
            conn.set_progress_handler(None, 1)
    return steps


def test_a4_one_extreme_appointment_does_not_make_every_later_overlap_check_slow(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "p.db")
    try:
        with store.unit_of_work() as uow:
            uow.appointments.add_many([short(n) for n in range(5000)])
            uow.commit()
        slot = (T0 + timedelta(hours=4000), T0 + timedelta(hours=4000, minutes=30))
        before = vm_steps(store, *slot)
        extreme = Appointment(
            "extreme", "cal-1", "room-1", datetime(1900, 1, 2, tzinfo=UTC),
            datetime(2999, 12, 30, tzinfo=UTC), "t",
        )  # fmt: skip
        with store.unit_of_work() as uow:  # e.g. through an import, not the appointment book
            uow.appointments.add(extreme)
            uow.commit()
        with store.unit_of_work() as uow:
            uow.appointments.update(attrs.evolve(extreme, status=AppointmentStatus.CANCELLED))
            uow.commit()
        after = vm_steps(store, *slot)
    finally:
        store.close()
    assert after <= before + 100, (before, after)  # a whole-room scan is ~100 000 steps


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    s: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "p.db")
    yield s
    s.close()


def test_a4_long_appointments_are_still_found_by_the_overlap_queries(store: Store) -> None:
    three_days = Appointment(
        "long", "cal-1", "room-1", T0 - timedelta(days=3), T0 + timedelta(days=1), "t"
    )
    ended = Appointment("ended", "cal-1", "room-1", T0 - timedelta(days=9), T0, "t")
    exactly_a_day = Appointment(
        "day", "cal-1", "room-1", T0 - timedelta(hours=23), T0 + timedelta(hours=1), "t"
    )
    with store.unit_of_work() as uow:
        uow.appointments.add_many([three_days, ended, exactly_a_day, short(2)])
        uow.commit()
    with store.unit_of_work(write=False) as uow:
        found = uow.appointments.in_room("room-1", T0, T0 + timedelta(hours=3))
        in_calendar = uow.appointments.in_calendar("cal-1", T0, T0 + timedelta(hours=3))
    assert [a.id for a in found] == ["long", "day", "a-2"]  # "ended" ends as the range begins
    assert [a.id for a in in_calendar] == ["long", "day", "a-2"]
