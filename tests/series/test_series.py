"""A9: a prescription of N treatments booked as one series — in the practice's words."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from lemnicore.access.audit import AuditAction
from lemnicore.access.plans import Plan
from lemnicore.errors import (
    AccessDeniedError,
    OverlapError,
    PlanLimitError,
    SeriesIncompleteError,
    ValidationError,
)
from lemnicore.scheduling.appointments import AppointmentStatus
from lemnicore.scheduling.series import SeriesRequest
from lemnicore.services.entitlements import Entitlements
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import zone

BERLIN = zone("Europe/Berlin")
NOW = datetime(2026, 3, 2, 7, tzinfo=UTC)  # a Monday in March, before the DST change


@pytest.fixture
def practice(store: Store) -> Practice:
    return Practice(store, now=NOW)


@pytest.fixture
def physio(practice: Practice) -> tuple[str, str, str]:
    """Anna treats in Room 1 (Mon–Fri 08–12, Hamburg's public holidays off)."""
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    practice.add_working_time(room, MON_FRI, time(8), time(12), holiday_region="DE-HH")
    return anna, room, practice.add_client("Meyer", "Jana", email="jana@example.org")


def ten_treatments(
    practice: Practice,
    anna: str,
    rooms: tuple[str, ...],
    client: str,
    *,
    weekdays: frozenset[int] = frozenset({1, 3}),
    count: int = 10,
    first: date = date(2026, 3, 16),
    last: date = date(2026, 6, 30),
    at: time = time(9),
) -> SeriesRequest:
    return SeriesRequest(
        client_id=client,
        type_id="treatment",
        calendar_id=practice.calendars[anna],
        count=count,
        weekdays=weekdays,
        preferred_time=at,
        earliest_start=first,
        latest_end=last,
        room_ids=rooms,
    )


def local(dt: datetime) -> datetime:
    return dt.astimezone(BERLIN)


def test_a9_ten_treatments_twice_a_week_keep_their_weekday_and_time_across_the_dst_change(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    proposal = practice.series.propose(
        practice.owner(anna), ten_treatments(practice, anna, (room,), client)
    )
    assert proposal.complete
    assert proposal.shortfall == ""
    starts = [local(s.start) for s in proposal.slots]
    # Tuesdays and Thursdays at 09:00 local time, before and after 29 March 2026.
    assert all(s.weekday() in (1, 3) and s.time() == time(9) for s in starts)
    assert starts[0].date() == date(2026, 3, 17)
    assert starts[-1].date() == date(2026, 4, 16)
    assert {s.utcoffset().total_seconds() for s in starts} == {3600, 7200}  # type: ignore[union-attr]
    assert all(s.as_asked for s in proposal.slots)


def test_a9_a_public_holiday_moves_that_treatment_to_the_nearest_free_day(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    """Ascension Day (Thursday 14 May 2026) is a holiday in Hamburg: that week's second
    treatment goes to the nearest other working day, never to a day already used."""
    anna, room, client = physio
    request = ten_treatments(practice, anna, (room,), client, first=date(2026, 5, 11))
    proposal = practice.series.propose(practice.owner(anna), request)
    days = [local(s.start).date() for s in proposal.slots]
    assert date(2026, 5, 14) not in days
    assert days[:2] == [date(2026, 5, 12), date(2026, 5, 13)]  # Tue as asked, then Wed
    assert not next(
        s for s in proposal.slots if local(s.start).date() == date(2026, 5, 13)
    ).as_asked
    assert len(set(days)) == len(days)  # never two on one day


def test_a9_a_taken_time_gives_the_nearest_free_time_that_day(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    ben = practice.add_practitioner("Ben")
    practice.appointment(ben, room, practice.at(2026, 3, 17, 9), minutes=60)
    proposal = practice.series.propose(
        practice.owner(anna), ten_treatments(practice, anna, (room,), client, count=2)
    )
    first = local(proposal.slots[0].start)
    assert first.date() == date(2026, 3, 17)
    assert first.time() == time(8, 30)  # 08:30 and 10:00 are free; 08:30 is nearer 09:00
    assert not proposal.slots[0].as_asked


def test_a9_a_room_set_takes_the_next_room_at_the_wished_time(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    ben = practice.add_practitioner("Ben")
    room2 = practice.add_room("Room 2")
    practice.add_working_time(room2, MON_FRI, time(8), time(12))
    practice.appointment(ben, room, practice.at(2026, 3, 17, 9))
    proposal = practice.series.propose(
        practice.owner(anna), ten_treatments(practice, anna, (room, room2), client, count=2)
    )
    assert [(s.room_id, local(s.start).time()) for s in proposal.slots] == [
        (room2, time(9)),
        (room, time(9)),
    ]


def test_a9_fewer_than_asked_are_explained_and_nothing_is_booked(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    request = ten_treatments(practice, anna, (room,), client, last=date(2026, 3, 27))
    proposal = practice.series.propose(practice.owner(anna), request)
    assert len(proposal.slots) == 4
    assert not proposal.complete
    assert "only 4 of 10 treatments fit between 2026-03-16 and 2026-03-27" in proposal.shortfall
    with pytest.raises(SeriesIncompleteError, match="only 4 of 10"):
        practice.series.book(practice.owner(anna), request)
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 0


def test_a9_a_series_is_booked_with_one_series_id_and_audited(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    booked = practice.series.book(
        practice.owner(anna), ten_treatments(practice, anna, (room,), client)
    )
    assert len(booked) == 10
    series_id = booked[0].series_id
    assert series_id
    assert all(a.series_id == series_id for a in booked)
    stored = practice.series.appointments(practice.owner(anna), series_id)
    assert [a.id for a in stored] == [a.id for a in booked]
    assert all(a.client_id == client and a.status is AppointmentStatus.BOOKED for a in stored)
    with practice.store.unit_of_work(write=False) as uow:
        created = [
            e
            for e in uow.audit.query(client_id=client)
            if e.action == AuditAction.APPOINTMENT_CREATED.value
        ]
    assert len(created) == 11  # the series, and each treatment


def test_a9_a_series_that_breaks_the_plan_halfway_books_nothing(store: Store) -> None:
    """All or nothing: a plan of 6 appointments a month (B4) stops the seventh treatment
    of March, and not one of the series is stored."""
    practice = Practice(
        store,
        now=NOW,
        entitlements=Entitlements({"M": Plan("M", appointments_per_month=6)}),
    )
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    client = practice.add_client("Meyer")
    request = ten_treatments(
        practice, anna, (room,), client, weekdays=frozenset({0, 1, 3}), first=date(2026, 3, 2)
    )
    with pytest.raises(PlanLimitError):
        practice.series.book(practice.owner(anna), request)
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 0


def test_a9_a_stranger_may_not_propose_or_book_in_anothers_calendar(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    ben = practice.add_practitioner("Ben")
    request = ten_treatments(practice, anna, (room,), client)
    with pytest.raises(AccessDeniedError):
        practice.series.book(practice.owner(ben), request)


def test_a9_cancel_this_and_all_following(practice: Practice, physio: tuple[str, str, str]) -> None:
    anna, room, client = physio
    booked = practice.series.book(
        practice.owner(anna), ten_treatments(practice, anna, (room,), client)
    )
    cancelled = practice.series.cancel(practice.owner(anna), booked[6].id, following=True)
    assert [a.id for a in cancelled] == [a.id for a in booked[6:]]
    stored = practice.series.appointments(practice.owner(anna), booked[0].series_id or "")
    assert [a.status for a in stored] == [AppointmentStatus.BOOKED] * 6 + [
        AppointmentStatus.CANCELLED
    ] * 4
    # Their times are free again at once (A3).
    free = practice.book.free_slots(practice.front_desk(), room, booked[7].start, booked[7].end)
    assert len(free) == 1


def test_a9_cancel_one_treatment_keeps_the_others(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    booked = practice.series.book(
        practice.owner(anna), ten_treatments(practice, anna, (room,), client)
    )
    practice.series.cancel(practice.owner(anna), booked[3].id)
    stored = practice.series.appointments(practice.owner(anna), booked[0].series_id or "")
    assert sum(a.status is AppointmentStatus.CANCELLED for a in stored) == 1


def test_a9_move_this_and_all_following_keeps_the_pattern_across_dst(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    """Tuesday 24 March 09:00 → Wednesday 25 March 10:00 moves every later Tuesday to that
    week's Wednesday 10:00 local time (also after the change to summer time)."""
    anna, room, client = physio
    booked = practice.series.book(
        practice.owner(anna),
        ten_treatments(practice, anna, (room,), client, weekdays=frozenset({1}), count=4),
    )
    moved = practice.series.move(
        practice.owner(anna), booked[1].id, start=practice.at(2026, 3, 25, 10), following=True
    )
    assert [(local(a.start).date(), local(a.start).time()) for a in moved] == [
        (date(2026, 3, 25), time(10)),
        (date(2026, 4, 1), time(10)),
        (date(2026, 4, 8), time(10)),
    ]
    assert all(a.sequence == 1 for a in moved)  # A6: confirmed again (D9)
    assert local(
        practice.series.appointments(practice.owner(anna), booked[0].series_id or "")[0].start
    ).time() == time(9)


def test_a9_a_move_of_the_following_that_hits_a_taken_slot_moves_none(
    practice: Practice, physio: tuple[str, str, str]
) -> None:
    anna, room, client = physio
    booked = practice.series.book(
        practice.owner(anna),
        ten_treatments(practice, anna, (room,), client, weekdays=frozenset({1}), count=3),
    )
    ben = practice.add_practitioner("Ben")
    blocker = practice.appointment(ben, room, practice.at(2026, 4, 1, 10))
    with pytest.raises(OverlapError, match=blocker.id):
        practice.series.move(
            practice.owner(anna), booked[0].id, start=practice.at(2026, 3, 18, 10), following=True
        )
    stored = practice.series.appointments(practice.owner(anna), booked[0].series_id or "")
    assert [a.start for a in stored] == [a.start for a in booked]


def test_a9_following_needs_a_series(practice: Practice, physio: tuple[str, str, str]) -> None:
    anna, room, _ = physio
    single = practice.appointment(anna, room, practice.at(2026, 3, 17, 9))
    with pytest.raises(ValidationError, match="following"):
        practice.series.cancel(practice.owner(anna), single.id, following=True)


def test_a9_a_request_names_its_bad_field() -> None:
    with pytest.raises(ValidationError, match="count"):
        SeriesRequest("c", "t", "cal", 0, {1}, time(9), date(2026, 3, 1), date(2026, 4, 1), ("r",))
    with pytest.raises(ValidationError, match="latest_end"):
        SeriesRequest("c", "t", "cal", 3, {1}, time(9), date(2026, 3, 1), date(2026, 2, 1), ("r",))
    with pytest.raises(ValidationError, match="weekdays"):
        SeriesRequest(
            "c", "t", "cal", 3, set(), time(9), date(2026, 3, 1), date(2026, 4, 1), ("r",)
        )
    with pytest.raises(ValidationError, match="room_ids"):
        SeriesRequest("c", "t", "cal", 3, {1}, time(9), date(2026, 3, 1), date(2026, 4, 1), ())


def _book_series_in_another_process(
    path: str, client: str, calendar: str, room: str, out: multiprocessing.Queue
) -> None:  # type: ignore[type-arg]
    from lemnicore.access.actors import SYSTEM_ACTOR
    from lemnicore.services.entitlements import UNLIMITED
    from lemnicore.services.series import SeriesBook
    from lemnicore.testing.clock import FakeClock

    store = SqliteStore(path)
    book = SeriesBook(store, FakeClock(NOW), entitlements=UNLIMITED)
    request = SeriesRequest(
        client, "treatment", calendar, 4, {1}, time(9), date(2026, 3, 16), date(2026, 4, 7), (room,)
    )
    try:
        out.put(len(book.book(SYSTEM_ACTOR, request)))
    except SeriesIncompleteError:
        out.put(0)
    finally:
        store.close()


def test_a9_two_processes_booking_the_same_weeks_cannot_both_win(tmp_path: Path) -> None:
    """F2 for A9: the proposal and the inserts share one write transaction, so of two
    processes asking for the same four Tuesdays at 09:00 with no other free time, exactly
    one books its series and the other books nothing."""
    path = str(tmp_path / "practice.db")
    store = SqliteStore(path)
    practice = Practice(store, now=NOW)
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    practice.add_working_time(room, {1}, time(9), time(9, 30))
    clients = [practice.add_client("Meyer"), practice.add_client("Schulz")]
    store.close()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    workers = [
        ctx.Process(
            target=_book_series_in_another_process,
            args=(path, c, practice.calendars[anna], room, out),
        )
        for c in clients
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert sorted(out.get(timeout=5) for _ in workers) == [0, 4]
    store = SqliteStore(path)
    with store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 4
    store.close()
