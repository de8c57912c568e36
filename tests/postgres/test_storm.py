"""F2/C4/B4 on PostgreSQL: eight OS processes, one database, contested everything.

Each process is an app server of its own (own store, own connection pool). Whatever the
interleaving, no room ever holds two overlapping active appointments, exactly one request
wins each online slot, a plan's monthly allowance is never exceeded, and every loser gets a
typed refusal — never a database error.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from lemnicore.online.service import OnlineBooking
from lemnicore.plugins.manager import open_store
from lemnicore.scheduling.rules import overlapping_pairs
from lemnicore.testing import MON_FRI, Practice

from . import storm

NOW = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
FIRST = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
PROCESSES = 8
BOOKINGS = 300


def run_all(target: Any, args_for: Any, processes: int = PROCESSES) -> list[Any]:
    """Run ``target`` in ``processes`` forked children (the parent holds no connection and
    no thread then, so each child starts clean and opens its own store)."""
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(processes)
    results = ctx.Queue()
    children = [
        ctx.Process(target=target, args=(*args_for(k), barrier, results)) for k in range(processes)
    ]
    for child in children:
        child.start()
    try:
        gathered = [results.get(timeout=240) for _ in children]
    finally:
        for child in children:
            child.join(timeout=60)
    assert [c.exitcode for c in children] == [0] * processes, gathered
    return gathered


@pytest.mark.slow
def test_f2_eight_processes_300_contested_bookings_each_never_double_book(
    postgres_url: str,
) -> None:
    store = open_store(postgres_url)
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Raum 1")
    calendar = practice.calendars[anna]

    store.close()
    gathered = run_all(
        storm.contend,
        lambda k: (
            postgres_url,
            NOW.isoformat(),
            FIRST.isoformat(),
            calendar,
            room,
            k,
            BOOKINGS,
        ),
    )
    store = open_store(postgres_url)
    outcomes = [o for batch in gathered for o in batch]
    assert len(outcomes) == PROCESSES * BOOKINGS
    assert [o for o in outcomes if o[2] == "error"] == []
    winners: dict[int, list[str]] = {}
    for window, _, result, ids in outcomes:
        if result == "won":
            winners.setdefault(window, []).extend(ids)
    # Exactly one appointment per contested window; every loser was told the winner.
    assert {w: len(ids) for w, ids in winners.items()} == dict.fromkeys(range(BOOKINGS), 1)
    for window, _, result, ids in outcomes:
        if result == "lost":
            assert ids == tuple(winners[window])
    # Both ways of writing won somewhere: the service's check and the bare constraint.
    kinds = Counter("raw" if ids[0].startswith("raw-") else "book" for ids in winners.values())
    assert kinds["raw"] > 0
    assert kinds["book"] > 0
    with store.unit_of_work(write=False) as uow:
        stored = uow.appointments.in_room(room, FIRST, FIRST + timedelta(hours=BOOKINGS))
    assert len(stored) == BOOKINGS
    assert overlapping_pairs(stored) == []
    store.close()


@pytest.mark.slow
def test_c4_eight_processes_request_the_same_300_slots_exactly_one_wins_each(
    postgres_url: str,
) -> None:
    """300 online slots in four released rooms; every process asks for every slot."""
    store = open_store(postgres_url)
    practice = Practice(store, now=NOW)
    online = OnlineBooking(store, practice.clock)
    slots: list[tuple[str, str]] = []
    rooms = []
    for n in range(4):
        room = practice.add_room(f"Kabine {n}")
        rooms.append(room)
        practitioner = practice.add_practitioner(f"Practitioner {n}")
        practice.add_working_time(room, MON_FRI, time(8), time(18))
        token = online.release(
            practice.owner(practitioner), room, practice.calendars[practitioner]
        ).token
        offered = online.week(token, NOW.date() + timedelta(days=7)).free_slots
        slots += [(token, s.start.isoformat()) for s in offered[: BOOKINGS // 4]]
    assert len(slots) == BOOKINGS
    store.close()

    gathered = run_all(
        storm.request_slots,
        lambda k: (postgres_url, NOW.isoformat(), slots, k),
    )
    store = open_store(postgres_url)
    outcomes = [o for batch in gathered for o in batch]
    assert len(outcomes) == PROCESSES * BOOKINGS
    assert [o for o in outcomes if o[1].startswith("error")] == []
    won = Counter(slot for slot, result in outcomes if result.startswith("won"))
    assert won == {f"{token} {start}": 1 for token, start in slots}
    with store.unit_of_work(write=False) as uow:
        stored = [
            a
            for room in rooms
            for a in uow.appointments.in_room(room, NOW, NOW + timedelta(days=21))
        ]
    assert len(stored) == BOOKINGS
    assert overlapping_pairs(stored) == []
    store.close()


@pytest.mark.slow
def test_b4_eight_processes_never_book_past_the_plans_monthly_allowance(
    postgres_url: str,
) -> None:
    """Plan S allows 30 appointments a month; 8 processes try 8 each in different rooms."""
    store = open_store(postgres_url)
    practice = Practice(store, now=NOW, plan="S")
    anna = practice.add_practitioner("Anna")
    rooms = [practice.add_room(f"Raum {n}") for n in range(PROCESSES)]
    calendar = practice.calendars[anna]
    per_process = 8

    def args_for(k: int) -> tuple[Any, ...]:
        starts = [
            (FIRST + timedelta(hours=k * per_process + i)).isoformat() for i in range(per_process)
        ]
        return (postgres_url, NOW.isoformat(), calendar, [rooms[k]] * per_process, starts)

    store.close()
    gathered = run_all(storm.book_within_plan, args_for)
    store = open_store(postgres_url)
    outcomes = Counter(o for batch in gathered for o in batch)
    assert outcomes == {"booked": 30, "refused": PROCESSES * per_process - 30}
    with store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 30
    store.close()
