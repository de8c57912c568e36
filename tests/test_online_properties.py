"""A7/C2/C4 property: for random communities, bookings and holds, the public week view
never offers a slot that overlaps a member's busy time in a shared room or a live hold."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lemnicore import (
    SYSTEM_ACTOR,
    CalendarCommunities,
    Interval,
    OnlineBooking,
    OverlapError,
    SlotTakenError,
    ValidationError,
)
from lemnicore.testing import Practice

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)  # Monday 09:00 in Berlin

booking = st.tuples(
    st.integers(0, 3),  # member
    st.integers(0, 2),  # room
    st.integers(0, 6 * 24 * 4),  # quarter hours after Monday 00:00
    st.sampled_from([15, 30, 45, 60, 90]),  # minutes
    st.booleans(),  # cancelled afterwards
)
hold = st.tuples(st.integers(0, 5 * 8), st.integers(0, 20))  # slot index, minutes later


@settings(max_examples=60, deadline=None)
@given(
    members=st.integers(2, 4),
    rooms=st.integers(1, 3),
    bookings=st.lists(booking, max_size=25),
    holds=st.lists(hold, max_size=6),
)
def test_a7_c2_week_view_never_offers_busy_or_held_time(
    members: int,
    rooms: int,
    bookings: list[tuple[int, int, int, int, bool]],
    holds: list[tuple[int, int]],
) -> None:
    practice = Practice(now=NOW)
    room_ids = [practice.add_room(f"Room {n}") for n in range(rooms)]
    people = [practice.add_practitioner(f"P{n}") for n in range(members)]
    for room in room_ids:
        practice.add_working_time(room, range(6), time(8), time(12), slot_minutes=30)
    communities = CalendarCommunities(practice.store, practice.clock)
    community = communities.create(SYSTEM_ACTOR, "G", practice.calendars[people[0]], room_ids)
    for person in people[1:]:
        communities.invite(SYSTEM_ACTOR, community.id, practice.calendars[person])
        communities.accept(practice.owner(person), community.id, practice.calendars[person])
    online = OnlineBooking(practice.store, practice.clock)
    token = online.release(SYSTEM_ACTOR, room_ids[0], practice.calendars[people[0]]).token
    monday = practice.at(2026, 5, 4)
    for member, room, quarter, minutes, cancelled in bookings:
        start = monday + timedelta(minutes=15 * quarter)
        try:
            made = practice.appointment(
                people[member % members], room_ids[room % rooms], start, minutes=minutes
            )
        except OverlapError:
            continue
        if cancelled:
            practice.book.cancel(SYSTEM_ACTOR, made.id)
    grid = online.week(token).slots
    for index, later in holds:
        if not grid:
            break
        slot = grid[index % len(grid)]
        with contextlib.suppress(SlotTakenError, ValidationError):
            online.hold(token, slot.start)
        practice.clock.advance(minutes=later)

    now = practice.clock.now()
    week = online.week(token)
    with practice.store.unit_of_work(write=False) as uow:
        lo, hi = monday - timedelta(days=1), monday + timedelta(days=8)
        busy = [a.interval for a in uow.appointments.in_room(room_ids[0], lo, hi)]
        busy += [
            a.interval
            for a in uow.appointments.in_calendar(practice.calendars[people[0]], lo, hi)
            if a.blocks_room
        ]
        live_holds = [h.interval for h in uow.slot_holds.all() if h.is_active(now)]
    for slot in week.free_slots:
        offered = Interval(slot.start, slot.end)
        assert slot.start >= now
        assert not any(offered.overlaps(b) for b in busy), slot
        assert not any(offered.overlaps(h) for h in live_holds), slot
