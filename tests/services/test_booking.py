"""The appointment book (services/booking.py) on every built-in store (F1): A1-A7, B1-B3, F2."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from lemnicore.access.actors import Actor, Role
from lemnicore.access.audit import AuditAction
from lemnicore.access.policy import Permission
from lemnicore.errors import (
    AccessDeniedError,
    InvalidTransitionError,
    NaiveDatetimeError,
    NotFoundError,
    OverlapError,
    ValidationError,
)
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.rules import overlapping_pairs
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import zone

BERLIN = zone("Europe/Berlin")


@pytest.fixture
def practice(store: Store, lemnicore_now: datetime) -> Practice:
    return Practice(store, now=lemnicore_now)


@pytest.fixture
def anna(practice: Practice) -> str:
    return practice.add_practitioner("Anna")


@pytest.fixture
def room(practice: Practice) -> str:
    return practice.add_room("Room 1")


def all_appointments(practice: Practice) -> list[object]:
    with practice.store.unit_of_work(write=False) as uow:
        return list(
            uow.appointments.starting_between(practice.at(2000, 1, 1), practice.at(2100, 1, 1))
        )


# -- A1 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "kind"),
    [("calendar_id", "calendar"), ("room_id", "room"), ("type_id", "appointment type")],
)
def test_a1_booking_with_an_unknown_reference_names_it(
    practice: Practice, anna: str, room: str, field: str, kind: str
) -> None:
    values = {
        "calendar_id": practice.calendars[anna],
        "room_id": room,
        "type_id": "treatment",
        field: "no-such-thing",
    }
    with pytest.raises(NotFoundError, match=f"unknown {kind} 'no-such-thing'") as caught:
        practice.book.book(practice.front_desk(), start=practice.at(2026, 5, 4, 9), **values)
    assert (caught.value.kind, caught.value.record_id) == (kind, "no-such-thing")
    assert all_appointments(practice) == []


def test_a1_booking_for_an_unknown_client_names_it(
    practice: Practice, anna: str, room: str
) -> None:
    with pytest.raises(NotFoundError, match="unknown client 'client-99'"):
        practice.book.book(
            practice.front_desk(),
            calendar_id=practice.calendars[anna],
            room_id=room,
            start=practice.at(2026, 5, 4, 9),
            type_id="treatment",
            client_id="client-99",
        )


def test_a1_a_naive_start_is_refused(practice: Practice, anna: str, room: str) -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        practice.appointment(anna, room, datetime(2026, 5, 4, 9, 0))
    assert caught.value.field == "start"


def test_a1_an_end_before_the_start_is_refused(practice: Practice, anna: str, room: str) -> None:
    nine = practice.at(2026, 5, 4, 9)
    with pytest.raises(ValidationError) as caught:
        practice.book.book(
            practice.owner(anna),
            calendar_id=practice.calendars[anna],
            room_id=room,
            start=nine,
            end=nine - timedelta(minutes=30),
            type_id="treatment",
        )
    assert caught.value.field == "end"
    assert all_appointments(practice) == []


def test_a1_a_booking_is_read_back_as_the_same_appointment(
    practice: Practice, anna: str, room: str
) -> None:
    client = practice.add_client("Berg", "Jana", email="jana@example.org")
    booked = practice.appointment(anna, room, practice.at(2026, 5, 4, 9), client_id=client)
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(booked.id) == booked
    assert booked.created_at == practice.clock.now()
    assert booked.start.astimezone(BERLIN).hour == 9


# -- A2 --------------------------------------------------------------------------------------


def test_a2_the_end_defaults_to_the_types_duration(
    practice: Practice, anna: str, room: str
) -> None:
    practice.add_appointment_type("Hearing test", minutes=45, type_id="hearing-test")
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9), type_id="hearing-test")
    assert a.end - a.start == timedelta(minutes=45)


def test_a2_a_group_type_makes_a_group_appointment(
    practice: Practice, anna: str, room: str
) -> None:
    practice.add_appointment_type("Back school", minutes=90, is_group=True, type_id="group")
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9), type_id="group")
    assert a.is_group
    changed = practice.book.change(practice.owner(anna), a.id, type_id="treatment")
    assert not changed.is_group


# -- A3 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("leave", ["cancel", "mark_no_show"])
def test_a3_a_cancelled_or_no_show_appointment_frees_the_room(
    practice: Practice, anna: str, room: str, leave: str
) -> None:
    nine = practice.at(2026, 5, 4, 9)
    first = practice.appointment(anna, room, nine)
    getattr(practice.book, leave)(practice.owner(anna), first.id)
    second = practice.appointment(anna, room, nine)
    assert second.status is AppointmentStatus.BOOKED


def test_a3_back_from_no_show_is_refused_when_the_room_was_given_away(
    practice: Practice, anna: str, room: str
) -> None:
    nine = practice.at(2026, 5, 4, 9)
    first = practice.appointment(anna, room, nine)
    practice.book.mark_no_show(practice.owner(anna), first.id)
    second = practice.appointment(anna, room, nine)
    with pytest.raises(OverlapError, match=second.id):
        practice.book.reinstate(practice.owner(anna), first.id)


def test_a3_a_no_show_marked_by_mistake_can_be_reinstated(
    practice: Practice, anna: str, room: str
) -> None:
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    practice.book.mark_no_show(practice.owner(anna), a.id)
    assert practice.book.reinstate(practice.owner(anna), a.id).status is AppointmentStatus.BOOKED


def test_a3_a_cancelled_appointment_stays_cancelled(
    practice: Practice, anna: str, room: str
) -> None:
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    practice.book.cancel(practice.owner(anna), a.id, reason="client ill")
    with pytest.raises(InvalidTransitionError):
        practice.book.complete(practice.owner(anna), a.id)
    with pytest.raises(ValidationError, match="cannot be moved"):
        practice.book.move(practice.owner(anna), a.id, start=practice.at(2026, 5, 5, 9))


def test_a3_a_cancelled_appointment_can_be_recorded_in_a_taken_slot(
    practice: Practice, anna: str, room: str
) -> None:
    """Cancelled appointments never block a room, so recording one (e.g. history from a
    takeover) is no overlap either."""
    nine = practice.at(2026, 5, 4, 9)
    practice.appointment(anna, room, nine)
    old = practice.appointment(anna, room, nine, status=AppointmentStatus.CANCELLED)
    assert old.status is AppointmentStatus.CANCELLED
    assert not old.double_booked


def test_a3_completing_an_appointment_keeps_the_room_blocked(
    practice: Practice, anna: str, room: str
) -> None:
    nine = practice.at(2026, 5, 4, 9)
    a = practice.appointment(anna, room, nine)
    practice.book.complete(practice.owner(anna), a.id)
    with pytest.raises(OverlapError):
        practice.appointment(anna, room, nine)


# -- A4 --------------------------------------------------------------------------------------


def test_a4_an_overlapping_booking_is_refused_naming_the_appointment_in_the_way(
    practice: Practice, anna: str, room: str
) -> None:
    first = practice.appointment(anna, room, practice.at(2026, 5, 4, 9), minutes=60)
    with pytest.raises(OverlapError) as caught:
        practice.appointment(anna, room, practice.at(2026, 5, 4, 9, 45))
    assert caught.value.conflicting_ids == (first.id,)
    assert caught.value.room_id == room
    assert first.id in str(caught.value)
    assert len(all_appointments(practice)) == 1


def test_a4_back_to_back_bookings_are_fine(practice: Practice, anna: str, room: str) -> None:
    practice.appointment(anna, room, practice.at(2026, 5, 4, 9), minutes=60)
    practice.appointment(anna, room, practice.at(2026, 5, 4, 10), minutes=60)
    practice.appointment(anna, room, practice.at(2026, 5, 4, 8), minutes=60)
    assert len(all_appointments(practice)) == 3


def test_a4_another_room_at_the_same_time_is_fine(practice: Practice, anna: str, room: str) -> None:
    # A10: with another practitioner — Anna herself cannot be in two rooms at once.
    ben = practice.add_practitioner("Ben")
    other = practice.add_room("Room 2")
    practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    assert practice.appointment(ben, other, practice.at(2026, 5, 4, 9)).room_id == other


def test_a4_an_explicitly_allowed_double_booking_is_stored_and_marked(
    practice: Practice, anna: str, room: str
) -> None:
    first = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    second = practice.book.book(
        practice.owner(anna),
        calendar_id=practice.calendars[anna],
        room_id=room,
        start=practice.at(2026, 5, 4, 9, 15),
        type_id="treatment",
        allow_double_booking=True,
    )
    assert second.double_booked
    assert not first.double_booked
    with practice.store.unit_of_work(write=False) as uow:
        stored = uow.appointments.in_room(room, practice.at(2026, 5, 4), practice.at(2026, 5, 5))
    assert [(a.id, b.id) for a, b in overlapping_pairs(stored)] == [(first.id, second.id)]


def test_a4_moving_into_a_taken_time_is_refused_and_changes_nothing(
    practice: Practice, anna: str, room: str
) -> None:
    ten = practice.appointment(anna, room, practice.at(2026, 5, 4, 10))
    nine = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    with pytest.raises(OverlapError, match=ten.id):
        practice.book.move(practice.owner(anna), nine.id, start=practice.at(2026, 5, 4, 10, 15))
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(nine.id) == nine
        assert [e.action for e in uow.audit.query(appointment_id=nine.id)] == [
            AuditAction.APPOINTMENT_CREATED.value
        ]


def test_a4_moving_a_double_booked_appointment_to_a_free_time_clears_the_mark(
    practice: Practice, anna: str, room: str
) -> None:
    practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    twin = practice.book.book(
        practice.owner(anna),
        calendar_id=practice.calendars[anna],
        room_id=room,
        start=practice.at(2026, 5, 4, 9),
        type_id="treatment",
        allow_double_booking=True,
    )
    moved = practice.book.move(practice.owner(anna), twin.id, start=practice.at(2026, 5, 4, 11))
    assert not moved.double_booked


def test_a4_moving_into_another_rooms_taken_time_is_refused(
    practice: Practice, anna: str, room: str
) -> None:
    other = practice.add_room("Room 2")
    ben = practice.add_practitioner("Ben")
    blocker = practice.appointment(ben, other, practice.at(2026, 5, 4, 9))
    mine = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    with pytest.raises(OverlapError, match=blocker.id):
        practice.book.move(practice.owner(anna), mine.id, room_id=other)


def test_a4_moving_to_an_unknown_room_names_it(practice: Practice, anna: str, room: str) -> None:
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    with pytest.raises(NotFoundError, match="unknown room 'room-99'"):
        practice.book.move(practice.owner(anna), a.id, room_id="room-99")


def test_a4_moving_an_unknown_appointment_names_it(practice: Practice, anna: str) -> None:
    with pytest.raises(NotFoundError, match="unknown appointment 'nope'"):
        practice.book.move(practice.owner(anna), "nope", start=practice.at(2026, 5, 4, 9))


# -- A5 through the service --------------------------------------------------------------------


def test_a5_free_slots_of_a_room_leave_out_its_appointments(
    practice: Practice, anna: str, room: str
) -> None:
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    booked = practice.appointment(anna, room, practice.at(2026, 5, 4, 9), minutes=60)
    day = (practice.at(2026, 5, 4), practice.at(2026, 5, 5))
    free = [
        s.start.strftime("%H:%M")
        for s in practice.book.free_slots(practice.front_desk(), room, *day)
    ]
    assert free == ["08:00", "08:30", "10:00", "10:30", "11:00", "11:30"]
    practice.book.cancel(practice.owner(anna), booked.id)
    assert len(practice.book.free_slots(practice.front_desk(), room, *day)) == 8


def test_a5_the_slot_grid_marks_taken_slots(practice: Practice, anna: str, room: str) -> None:
    practice.add_working_time(room, MON_FRI, time(8), time(9))
    practice.appointment(anna, room, practice.at(2026, 5, 4, 8, 30))
    grid = practice.book.slot_grid(
        practice.front_desk(), room, practice.at(2026, 5, 4), practice.at(2026, 5, 5)
    )
    assert [s.free for s in grid] == [True, False]


def test_a5_a_room_without_working_time_has_no_slots(practice: Practice, room: str) -> None:
    assert (
        practice.book.free_slots(
            practice.front_desk(), room, practice.at(2026, 5, 4), practice.at(2026, 5, 11)
        )
        == []
    )


def test_a5_free_slots_of_an_unknown_room_name_it(practice: Practice) -> None:
    with pytest.raises(NotFoundError, match="unknown room 'room-99'"):
        practice.book.free_slots(
            practice.front_desk(), "room-99", practice.at(2026, 5, 4), practice.at(2026, 5, 5)
        )


def test_a5_a_practitioners_appointment_in_another_room_blocks_their_own_slots(
    practice: Practice, anna: str, room: str
) -> None:
    calendar = practice.calendars[anna]
    practice.add_working_time(room, MON_FRI, time(8), time(10), calendar_id=calendar)
    practice.appointment(anna, practice.add_room("Room 2"), practice.at(2026, 5, 4, 8))
    day = (practice.at(2026, 5, 4), practice.at(2026, 5, 5))
    free = practice.book.free_slots(practice.front_desk(), room, *day, calendar_id=calendar)
    assert [s.start.strftime("%H:%M") for s in free] == ["08:30", "09:00", "09:30"]
    # Without the calendar, a practitioner's own working time is not offered at all.
    assert practice.book.free_slots(practice.front_desk(), room, *day) == []


def test_a5_a_public_holiday_in_hamburg_has_no_slots(
    practice: Practice, anna: str, room: str
) -> None:
    practice.add_working_time(room, MON_FRI, time(8), time(12), holiday_region="DE-HH")
    whit_monday = (practice.at(2026, 5, 25), practice.at(2026, 5, 26))
    assert practice.book.free_slots(practice.front_desk(), room, *whit_monday) == []
    assert (
        len(
            practice.book.free_slots(
                practice.front_desk(), room, practice.at(2026, 5, 26), practice.at(2026, 5, 27)
            )
        )
        == 8
    )


def test_dst_a5_the_service_keeps_both_slots_of_the_repeated_october_hour(
    practice: Practice, room: str
) -> None:
    practice.add_working_time(room, range(7), time(1), time(5))
    free = practice.book.free_slots(
        practice.front_desk(), room, practice.at(2026, 10, 25), practice.at(2026, 10, 26)
    )
    assert len(free) == 10
    assert [s.start.strftime("%H:%M") for s in free][2:6] == ["02:00", "02:30", "02:00", "02:30"]


def test_dst_a5_the_service_offers_three_real_hours_on_the_march_night(
    practice: Practice, room: str
) -> None:
    practice.add_working_time(room, range(7), time(1), time(5))
    free = practice.book.free_slots(
        practice.front_desk(), room, practice.at(2026, 3, 29), practice.at(2026, 3, 30)
    )
    assert [s.start.strftime("%H:%M") for s in free] == [
        "01:00",
        "01:30",
        "03:00",
        "03:30",
        "04:00",
        "04:30",
    ]


# -- A6 --------------------------------------------------------------------------------------


def test_a6_moving_the_start_bumps_the_sequence(practice: Practice, anna: str, room: str) -> None:
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9), minutes=45)
    moved = practice.book.move(practice.owner(anna), a.id, start=practice.at(2026, 5, 5, 14))
    assert moved.sequence == 1
    assert moved.end - moved.start == timedelta(minutes=45)
    again = practice.book.move(practice.owner(anna), a.id, start=practice.at(2026, 5, 5, 15))
    assert again.sequence == 2


def test_a6_changing_room_type_comment_or_end_does_not_bump_the_sequence(
    practice: Practice, anna: str, room: str
) -> None:
    practice.add_appointment_type("Massage", type_id="massage")
    nine = practice.at(2026, 5, 4, 9)
    a = practice.appointment(anna, room, nine)
    owner = practice.owner(anna)
    a = practice.book.move(owner, a.id, room_id=practice.add_room("Room 2"))
    a = practice.book.move(owner, a.id, end=nine + timedelta(minutes=50))
    a = practice.book.change(owner, a.id, type_id="massage", comment="bring towel")
    assert a.sequence == 0
    assert (a.type_id, a.comment, a.end) == ("massage", "bring towel", nine + timedelta(minutes=50))


# -- A7 / B1 / B2 ------------------------------------------------------------------------------


def test_a7_community_members_block_each_other_in_shared_rooms(
    practice: Practice, anna: str, room: str
) -> None:
    ben = practice.add_practitioner("Ben")
    practice.add_community("Praxisgemeinschaft", [anna, ben], [room])
    practice.add_working_time(room, MON_FRI, time(8), time(10))
    practice.appointment(ben, room, practice.at(2026, 5, 4, 8))
    day = (practice.at(2026, 5, 4), practice.at(2026, 5, 5))
    free = [
        s.start.strftime("%H:%M")
        for s in practice.book.free_slots(practice.front_desk(), room, *day)
    ]
    assert free == ["08:30", "09:00", "09:30"]
    with pytest.raises(OverlapError):
        practice.appointment(anna, room, practice.at(2026, 5, 4, 8))


def test_a7_b2_a_member_cannot_book_in_anothers_calendar_without_a_grant(
    practice: Practice, anna: str, room: str
) -> None:
    ben = practice.add_practitioner("Ben")
    practice.add_community("Praxisgemeinschaft", [anna, ben], [room])
    start = practice.at(2026, 5, 4, 9)

    def book_as_anna_in_bens_calendar() -> Appointment:
        return practice.book.book(
            practice.owner(anna),
            calendar_id=practice.calendars[ben],
            room_id=room,
            start=start,
            type_id="treatment",
        )

    with pytest.raises(AccessDeniedError, match="book appointments"):
        book_as_anna_in_bens_calendar()
    assert all_appointments(practice) == []
    practice.grant(ben, practice.owner(anna), [Permission.BOOK])
    booked = book_as_anna_in_bens_calendar()
    assert (booked.calendar_id, booked.start) == (practice.calendars[ben], start)
    with practice.store.unit_of_work(write=False) as uow:
        (created,) = uow.audit.query(appointment_id=booked.id)
    assert created.actor_id == practice.owner(anna).id
    # A grant to book is no grant to cancel or move.
    with pytest.raises(AccessDeniedError, match="cancel appointments"):
        practice.book.cancel(practice.owner(anna), booked.id)
    with pytest.raises(AccessDeniedError, match="move appointments"):
        practice.book.move(practice.owner(anna), booked.id, start=start + timedelta(hours=1))


def test_b2_a_delegate_with_a_grant_may_move_and_cancel(
    practice: Practice, anna: str, room: str
) -> None:
    delegate = Actor(
        id="user-assistant", role=Role.DELEGATE, name="Assistant", organisation_id="org-2"
    )
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    with pytest.raises(AccessDeniedError):
        practice.book.move(delegate, a.id, start=practice.at(2026, 5, 4, 10))
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(a.id) == a
    practice.grant(anna, delegate)
    moved = practice.book.move(delegate, a.id, start=practice.at(2026, 5, 4, 10))
    assert moved.start == practice.at(2026, 5, 4, 10)
    assert practice.book.cancel(delegate, a.id).status is AppointmentStatus.CANCELLED


def test_b1_accounting_may_look_but_not_book(practice: Practice, anna: str, room: str) -> None:
    accounting = Actor(
        id="user-acc", role=Role.ACCOUNTING, organisation_id=practice.organisation.id
    )
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    week = (practice.at(2026, 5, 4), practice.at(2026, 5, 11))
    (seen,) = practice.book.calendar_for_booking(accounting, practice.calendars[anna], *week)
    assert seen.id == a.id
    with pytest.raises(AccessDeniedError):
        practice.book.cancel(accounting, a.id)


def test_b1_listing_a_calendar_needs_a_right_to_view_it(
    practice: Practice, anna: str, room: str
) -> None:
    ben = practice.add_practitioner("Ben")
    week = (practice.at(2026, 5, 4), practice.at(2026, 5, 11))
    with pytest.raises(AccessDeniedError, match="view appointments"):
        practice.book.calendar(practice.owner(ben), practice.calendars[anna], *week)


# -- B3 --------------------------------------------------------------------------------------


def test_b3_book_move_change_and_cancel_are_audited_with_before_and_after(
    practice: Practice, anna: str, room: str
) -> None:
    desk = practice.front_desk()
    a = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    practice.clock.advance(minutes=5)
    practice.book.move(desk, a.id, start=practice.at(2026, 5, 4, 10))
    practice.book.change(desk, a.id, comment="new x-ray")
    practice.book.cancel(desk, a.id, reason="client called")
    with practice.store.unit_of_work(write=False) as uow:
        entries = uow.audit.query(appointment_id=a.id)
        by_desk = uow.audit.query(actor_id=desk.id)
    assert [e.action for e in entries] == [
        "appointment.created",
        "appointment.moved",
        "appointment.changed",
        "appointment.status",
    ]
    created, moved, changed, cancelled = entries
    assert created.actor_id == practice.owner(anna).id
    assert created.after is not None
    assert created.after["room_id"] == room
    assert moved.before == {"start": a.start.isoformat(), "end": a.end.isoformat(), "sequence": 0}
    assert moved.after is not None
    assert moved.after["sequence"] == 1
    assert moved.at == practice.clock.now()
    assert (changed.before, changed.after) == ({"comment": ""}, {"comment": "new x-ray"})
    assert (cancelled.before, cancelled.after) == ({"status": "booked"}, {"status": "cancelled"})
    assert cancelled.note == "client called"
    assert by_desk == entries[1:]


def test_b3_f2_a_refused_booking_leaves_no_trace(practice: Practice, anna: str, room: str) -> None:
    first = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    with pytest.raises(OverlapError):
        practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 1
        assert [e.appointment_id for e in uow.audit.query(since=practice.at(2026, 1, 1))] == [
            first.id
        ]


def test_dst_a2_a_default_duration_is_elapsed_time_across_the_march_switch(
    practice: Practice, anna: str, room: str
) -> None:
    """A2: a 60-minute type booked at 01:30 on 29 March ends 60 real minutes later, 03:30
    CEST — not at a wall-clock 02:30 that does not exist."""
    hour = practice.add_appointment_type("Hearing test", minutes=60)
    start = practice.at(2026, 3, 29, 1, 30)
    booked = practice.book.book(
        practice.owner(anna),
        calendar_id=practice.calendars[anna],
        room_id=room,
        start=start,
        type_id=hour,
    )
    assert booked.end - booked.start == timedelta(hours=1)
    assert booked.end.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_dst_a6_a_moved_appointment_keeps_its_real_duration_across_the_october_switch(
    practice: Practice, anna: str, room: str
) -> None:
    """A6: moving a 90-minute appointment to 01:30 on 25 October keeps 90 real minutes
    (ending 02:00 CET, after the repeated hour), not 90 wall-clock minutes."""
    booked = practice.appointment(anna, room, practice.at(2026, 10, 20, 9), minutes=90)
    moved = practice.book.move(
        practice.owner(anna), booked.id, start=practice.at(2026, 10, 25, 1, 30)
    )
    assert moved.end - moved.start == timedelta(minutes=90)
    assert moved.end.astimezone(BERLIN).strftime("%H:%M %Z") == "02:00 CET"
