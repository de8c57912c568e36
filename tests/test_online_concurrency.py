"""C4/F2: many requesters for one slot at once — exactly one proposed appointment, the
others get SlotTakenError; across threads and across processes on one SQLite file."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from lemnicore import AppointmentStatus, OnlineBooking, SlotTakenError, SqliteStore
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice
from lemnicore.testing.online import race_for_slot

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)


def _released(store: Store) -> tuple[Practice, OnlineBooking, str, str]:
    practice = Practice(store, now=NOW)
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    online = OnlineBooking(store, practice.clock)
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    return practice, online, token, room


def _proposed(store: Store, room: str, practice: Practice) -> list[str]:
    with store.unit_of_work(write=False) as uow:
        found = uow.appointments.in_room(room, practice.at(2026, 5, 5), practice.at(2026, 5, 6))
    return [a.comment.splitlines()[1] for a in found if a.status is AppointmentStatus.PROPOSED]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_c4_many_threads_one_slot_exactly_one_wins(kind: str, tmp_path: Path) -> None:
    store: Store = MemoryStore() if kind == "memory" else SqliteStore(tmp_path / "p.db")
    practice, online, token, room = _released(store)
    start = practice.at(2026, 5, 5, 10)
    contenders = 12
    barrier = threading.Barrier(contenders)

    def ask(n: int) -> str:
        barrier.wait()
        try:
            online.request(token, start, last_name=f"R{n}", email=f"r{n}@example.org")
        except SlotTakenError:
            return "taken"
        return "won"

    with ThreadPoolExecutor(contenders) as pool:
        outcomes = list(pool.map(ask, range(contenders)))
    assert sorted(outcomes) == ["taken"] * (contenders - 1) + ["won"]
    assert len(_proposed(store, room, practice)) == 1
    store.close()


@pytest.mark.slow
def test_c4_many_processes_one_slot_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    store = SqliteStore(path)
    practice, _online, token, room = _released(store)
    store.close()
    start = practice.at(2026, 5, 5, 10)
    ctx = multiprocessing.get_context("spawn")
    contenders = 6
    barrier = ctx.Barrier(contenders)
    results = ctx.Queue()
    processes = [
        ctx.Process(
            target=race_for_slot,
            args=(str(path), token, start.isoformat(), NOW.isoformat(), f"P{n}", barrier, results),
        )
        for n in range(contenders)
    ]
    for p in processes:
        p.start()
    outcomes = dict(results.get(timeout=120) for _ in processes)
    for p in processes:
        p.join(timeout=60)
    assert sorted(outcomes.values()) == ["taken"] * (contenders - 1) + ["won"], outcomes
    store = SqliteStore(path)
    (winner,) = _proposed(store, room, practice)
    assert winner == f"Last name: {next(n for n, o in outcomes.items() if o == 'won')}"
    store.close()


def test_c4_a_held_slot_is_not_offered_until_it_expires_even_under_contention(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "p.db")
    practice, online, token, room = _released(store)
    start = practice.at(2026, 5, 5, 10)
    hold = online.hold(token, start)
    contenders = 8
    barrier = threading.Barrier(contenders)

    def ask(n: int) -> str:
        barrier.wait()
        try:
            online.request(token, start, last_name=f"R{n}", email=f"r{n}@example.org")
        except SlotTakenError:
            return "taken"
        return "won"

    with ThreadPoolExecutor(contenders) as pool:
        assert set(pool.map(ask, range(contenders))) == {"taken"}
    assert start not in {s.start for s in online.week(token).free_slots}
    online.request(token, start, last_name="Holder", email="h@example.org", hold_id=hold.id)
    assert _proposed(store, room, practice) == ["Last name: Holder"]
    store.close()
