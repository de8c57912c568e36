"""A10: practitioner availability and buffer times — in the practice's words."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from lemnicore.errors import OverlapError, PractitionerBusyError, ValidationError
from lemnicore.scheduling.practice import AppointmentType
from lemnicore.scheduling.series import SeriesRequest
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import zone

NOW = datetime(2026, 5, 1, 6, tzinfo=UTC)
BERLIN = zone("Europe/Berlin")


@pytest.fixture
def practice(store: Store) -> Practice:
    return Practice(store, now=NOW)


def local_times(slots: list[object]) -> list[time]:
    return [s.start.astimezone(BERLIN).time() for s in slots]  # type: ignore[attr-defined]


def test_a10_a_practitioner_in_two_branches_cannot_be_in_both_at_once(practice: Practice) -> None:
    """Anna works Mondays in Hamburg and Lisbon is another branch: an appointment in
    Lisbon at the time she treats in Hamburg is refused, naming the Hamburg appointment."""
    anna = practice.add_practitioner("Anna")
    lisbon = practice.add_branch("LIS1", "Lisboa", "Europe/Lisbon")
    hamburg_room = practice.add_room("Cabin HH")
    lisbon_room = practice.add_room("Sala 1", branch_id=lisbon)
    in_hamburg = practice.appointment(anna, hamburg_room, practice.at(2026, 5, 4, 10))
    with pytest.raises(PractitionerBusyError) as refused:
        # 09:15 in Lisbon is 10:15 in Hamburg.
        practice.appointment(
            anna, lisbon_room, datetime(2026, 5, 4, 9, 15, tzinfo=zone("Europe/Lisbon"))
        )
    assert refused.value.conflicting_ids == (in_hamburg.id,)
    assert in_hamburg.id in str(refused.value)
    assert hamburg_room in str(refused.value)
    # An hour later in Lisbon she is free.
    practice.appointment(anna, lisbon_room, datetime(2026, 5, 4, 10, tzinfo=zone("Europe/Lisbon")))


def test_a10_moving_into_a_time_the_practitioner_is_elsewhere_is_refused(
    practice: Practice,
) -> None:
    anna = practice.add_practitioner("Anna")
    room1, room2 = practice.add_room("Room 1"), practice.add_room("Room 2")
    elsewhere = practice.appointment(anna, room2, practice.at(2026, 5, 4, 11))
    mine = practice.appointment(anna, room1, practice.at(2026, 5, 4, 9))
    with pytest.raises(PractitionerBusyError, match=elsewhere.id):
        practice.book.move(practice.owner(anna), mine.id, start=practice.at(2026, 5, 4, 11))


def test_a10_free_slots_are_room_free_and_practitioner_free(practice: Practice) -> None:
    """The room is open 08–12, Anna works only 09–11 and treats in another room at 10:00."""
    anna = practice.add_practitioner("Anna")
    room, other = practice.add_room("Room 1"), practice.add_room("Room 2")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    practice.add_practitioner_hours(anna, MON_FRI, time(9), time(11))
    practice.appointment(anna, other, practice.at(2026, 5, 4, 10))
    day = (practice.at(2026, 5, 4), practice.at(2026, 5, 5))
    assert len(practice.book.free_slots(practice.front_desk(), room, *day)) == 8  # the room alone
    free = practice.book.free_slots(
        practice.front_desk(), room, *day, calendar_id=practice.calendars[anna]
    )
    assert local_times(free) == [time(9), time(9, 30), time(10, 30)]


def test_a10_practitioner_hours_in_their_branch_zone(practice: Practice) -> None:
    """Hours in Lisbon time: 09:00–10:00 Lisbon is 10:00–11:00 in Hamburg."""
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Room 1")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    practice.add_practitioner_hours(anna, {0}, time(9), time(10), time_zone="Europe/Lisbon")
    free = practice.book.free_slots(
        practice.front_desk(),
        room,
        practice.at(2026, 5, 4),
        practice.at(2026, 5, 5),
        calendar_id=practice.calendars[anna],
    )
    assert local_times(free) == [time(10), time(10, 30)]


def test_a10_buffers_block_the_room_but_are_not_shown_to_the_client(practice: Practice) -> None:
    """A cabin needs 10 minutes cleaning after each massage: after a 09:00–09:30 massage,
    the 09:30 slot is taken; the massage itself still reads 09:00–09:30."""
    anna, ben = practice.add_practitioner("Anna"), practice.add_practitioner("Ben")
    room = practice.add_room("Cabin")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    massage = practice.add_appointment_type("Massage", minutes=30, buffer_after=10)
    booked = practice.appointment(anna, room, practice.at(2026, 5, 4, 9), type_id=massage)
    assert booked.end - booked.start == timedelta(minutes=30)
    free = practice.book.free_slots(
        practice.front_desk(), room, practice.at(2026, 5, 4, 8), practice.at(2026, 5, 4, 12)
    )
    assert time(9, 30) not in local_times(free)
    assert time(10) in local_times(free)
    with pytest.raises(OverlapError, match=booked.id):
        practice.appointment(ben, room, practice.at(2026, 5, 4, 9, 35))


def test_a10_a_buffer_before_keeps_the_slot_before_it_free_of_long_sessions(
    practice: Practice,
) -> None:
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Cabin")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    prepared = practice.add_appointment_type("Fango", minutes=30, buffer_before=15)
    practice.appointment(anna, room, practice.at(2026, 5, 4, 9, 30))
    free = practice.book.free_slots(
        practice.front_desk(),
        room,
        practice.at(2026, 5, 4, 8),
        practice.at(2026, 5, 4, 12),
        type_id=prepared,
    )
    # A Fango at 10:00 needs the cabin from 09:45, but the treatment there ends 10:00.
    assert time(10) not in local_times(free)
    assert time(10, 30) in local_times(free)


def test_a10_buffers_at_working_time_edges(practice: Practice) -> None:
    """Windows 08–12 and 12–16 touch: a massage 11:30–12:00 with 10 minutes cleaning takes
    the 12:00 slot of the afternoon too; the buffer before the first slot of the morning
    may reach before opening (preparing the cabin is the practice's business), so 08:00 is
    free; the last slot of the day is offered although its cleaning runs past closing."""
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Cabin")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    practice.add_working_time(room, MON_FRI, time(12), time(16))
    massage = practice.add_appointment_type("Massage", minutes=30, buffer_before=5, buffer_after=10)
    practice.appointment(anna, room, practice.at(2026, 5, 4, 11, 30), type_id=massage)
    free = local_times(
        practice.book.free_slots(
            practice.front_desk(),
            room,
            practice.at(2026, 5, 4),
            practice.at(2026, 5, 5),
            type_id=massage,
        )
    )
    assert time(12) not in free
    assert time(12, 30) in free
    assert time(11) not in free  # its cleaning would run into the 11:25 preparation
    assert free[0] == time(8)
    assert free[-1] == time(15, 30)


def test_a10_the_online_week_view_respects_buffers_and_practitioner(practice: Practice) -> None:
    from lemnicore.online.service import OnlineBooking

    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Cabin", online_booking=True)
    other = practice.add_room("Room 2")
    practice.add_working_time(room, MON_FRI, time(8), time(10))
    practice.appointment(anna, other, practice.at(2026, 5, 4, 8))
    online = OnlineBooking(practice.store, practice.clock)
    release = online.release(practice.owner(anna), room, calendar_id=practice.calendars[anna])
    week = online.week(release.token, date(2026, 5, 4))
    monday = [s for s in week.free_slots if s.start.astimezone(BERLIN).date() == date(2026, 5, 4)]
    assert local_times(monday) == [time(8, 30), time(9), time(9, 30)]


def test_a10_a_series_avoids_the_practitioners_other_rooms_and_hours(practice: Practice) -> None:
    anna = practice.add_practitioner("Anna")
    room, other = practice.add_room("Room 1"), practice.add_room("Room 2")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    practice.add_practitioner_hours(anna, MON_FRI, time(9), time(12))
    practice.appointment(anna, other, practice.at(2026, 5, 5, 9))
    client = practice.add_client("Meyer")
    request = SeriesRequest(
        client,
        "treatment",
        practice.calendars[anna],
        2,
        {1},
        time(9),
        date(2026, 5, 4),
        date(2026, 5, 31),
        (room,),
    )
    slots = practice.series.propose(practice.owner(anna), request).slots
    assert [s.start.astimezone(BERLIN).time() for s in slots] == [time(9, 30), time(9)]


def test_a10_a_buffer_cannot_be_negative() -> None:
    with pytest.raises(ValidationError, match="buffer_after"):
        AppointmentType("massage", "Massage", buffer_after=timedelta(minutes=-5))


def test_a10_her_hours_stay_at_local_08_00_across_both_dst_sundays() -> None:
    """Frau Koch works daily 08:00–12:00 Berlin time: on the last Sundays of March and
    October 2026 her window opens at 08:00 local, one real hour apart from the day before."""
    from lemnicore.scheduling.availability import WorkingTime
    from lemnicore.scheduling.practitioner_hours import PractitionerHours

    hours = PractitionerHours("h-1", "koch", (WorkingTime(set(range(7)), time(8), time(12)),))
    for saturday in (date(2026, 3, 28), date(2026, 10, 24)):
        start = datetime.combine(saturday, time(0), BERLIN)
        windows = hours.windows(start, start + timedelta(days=2))
        assert [(s.astimezone(BERLIN).time(), e.astimezone(BERLIN).time()) for s, e in windows] == [
            (time(8), time(12)),
            (time(8), time(12)),
        ]
        assert windows[1][0] - windows[0][0] != timedelta(days=1)  # 23 or 25 real hours
