"""F2/A4: concurrent bookings of the same time never double-book a room.

Several OS processes (and, on the memory store, threads) race for the same contested
windows. In each window every contender asks for a different but overlapping half hour, so
exactly one of them may win; every other one must get :class:`OverlapError`.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore.access.actors import Actor, Role
from lemnicore.errors import OverlapError
from lemnicore.scheduling.rules import overlapping_pairs
from lemnicore.services.booking import AppointmentBook
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import MON_FRI, FakeClock, Practice

NOW = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
FIRST_WINDOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
WINDOWS = 25
CONTENDERS = 4
# Window w is one hour; contender k asks for [w + 5k min, w + 5k + 30 min): any two
# contenders overlap, and no request reaches into the next window.
OFFSET = timedelta(minutes=5)
LENGTH = timedelta(minutes=30)

Outcome = tuple[int, int, str, tuple[str, ...]]  # window, contender, won/lost, ids


def window_start(window: int) -> datetime:
    return FIRST_WINDOW + timedelta(hours=window)


def set_up_practice(store: Store) -> tuple[str, str]:
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    practice.add_working_time(room, MON_FRI, time(8), time(18))
    return practice.calendars[anna], room


def contend(
    store: Store, calendar_id: str, room_id: str, contender: int, start_together: Any
) -> list[Outcome]:
    """One contender's 25 attempts, in its own order so that all windows see races."""
    book = AppointmentBook(store, FakeClock(NOW))
    desk = Actor(id=f"user-desk-{contender}", role=Role.FRONT_DESK, organisation_id="org-1")
    order = [(w * (contender + 1) * 7) % WINDOWS for w in range(WINDOWS)]
    assert sorted(order) == list(range(WINDOWS))
    outcomes: list[Outcome] = []
    start_together.wait()
    for window in order:
        start = window_start(window) + contender * OFFSET
        try:
            booked = book.book(
                desk,
                calendar_id=calendar_id,
                room_id=room_id,
                start=start,
                end=start + LENGTH,
                type_id="treatment",
            )
        except OverlapError as exc:
            outcomes.append((window, contender, "lost", exc.conflicting_ids))
        else:
            outcomes.append((window, contender, "won", (booked.id,)))
    return outcomes


def process_contender(
    path: str,
    calendar_id: str,
    room_id: str,
    contender: int,
    start_together: Any,
    results: Any,
) -> None:
    store = SqliteStore(path)
    try:
        results.put(contend(store, calendar_id, room_id, contender, start_together))
    except BaseException as exc:  # report instead of dying silently in the child
        results.put(repr(exc))
        raise
    finally:
        store.close()


def check_outcomes(store: Store, room_id: str, outcomes: list[Outcome]) -> None:
    assert len(outcomes) == WINDOWS * CONTENDERS
    winners: dict[int, list[str]] = {}
    for window, _, result, ids in outcomes:
        if result == "won":
            winners.setdefault(window, []).extend(ids)
    # Exactly one booking per contested window …
    assert {w: len(ids) for w, ids in winners.items()} == dict.fromkeys(range(WINDOWS), 1)
    # … every loser was told which appointment is in the way: that window's winner.
    for window, _, result, ids in outcomes:
        if result == "lost":
            assert ids == tuple(winners[window])
    with store.unit_of_work(write=False) as uow:
        stored = uow.appointments.in_room(room_id, window_start(0), window_start(WINDOWS))
        audited = uow.audit.query(since=NOW)
    assert sorted(a.id for a in stored) == sorted(i for ids in winners.values() for i in ids)
    assert overlapping_pairs(stored) == []
    assert not any(a.double_booked for a in stored)
    assert len([e for e in audited if e.action == "appointment.created"]) == WINDOWS


@pytest.mark.slow
def test_f2_processes_booking_the_same_sqlite_file_never_double_book(tmp_path: Path) -> None:
    path = str(tmp_path / "practice.db")
    store = SqliteStore(path)
    calendar_id, room_id = set_up_practice(store)
    ctx = multiprocessing.get_context("spawn")
    # Every child opens its store first, then all start booking at the same moment.
    start_together = ctx.Barrier(CONTENDERS)
    results = ctx.Queue()
    processes = [
        ctx.Process(
            target=process_contender,
            args=(path, calendar_id, room_id, k, start_together, results),
        )
        for k in range(CONTENDERS)
    ]
    for p in processes:
        p.start()
    try:
        gathered = [results.get(timeout=60) for _ in processes]
    finally:
        for p in processes:
            p.join(timeout=30)
    assert [p.exitcode for p in processes] == [0] * CONTENDERS, gathered
    outcomes = [o for batch in gathered for o in batch]
    try:
        check_outcomes(store, room_id, outcomes)
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_f2_threads_booking_the_same_store_never_double_book(tmp_path: Path, kind: str) -> None:
    store: Store = MemoryStore() if kind == "memory" else SqliteStore(tmp_path / "p.db")
    calendar_id, room_id = set_up_practice(store)
    start_together = threading.Barrier(CONTENDERS)
    with ThreadPoolExecutor(CONTENDERS) as pool:
        batches = list(
            pool.map(
                lambda k: contend(store, calendar_id, room_id, k, start_together),
                range(CONTENDERS),
            )
        )
    try:
        check_outcomes(store, room_id, [o for batch in batches for o in batch])
    finally:
        store.close()
