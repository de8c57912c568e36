"""A7: calendar communities — membership by invitation, busy time only, rooms are physical."""

from __future__ import annotations

from datetime import time, timedelta

import attrs
import pytest

from lemnicore import (
    AccessDeniedError,
    AuditAction,
    BusyTime,
    CalendarCommunities,
    ConflictError,
    OnlineBooking,
    SlotTakenError,
)
from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.testing import MON_FRI, Practice

Shared = tuple[Practice, CalendarCommunities, str, str, str, str]


@pytest.fixture
def shared(practice: Practice) -> Shared:
    """Anna and Ben, each with their own account, share Room 1."""
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    ben = practice.add_practitioner("Ben")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    communities = CalendarCommunities(practice.store, practice.clock)
    community = communities.create(
        practice.owner(anna), "Praxisgemeinschaft", practice.calendars[anna], [room]
    )
    communities.invite(practice.owner(anna), community.id, practice.calendars[ben])
    communities.accept(practice.owner(ben), community.id, practice.calendars[ben])
    return practice, communities, community.id, room, anna, ben


def test_a7_invited_calendar_joins_only_when_its_owner_accepts(practice: Practice) -> None:
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    ben = practice.add_practitioner("Ben")
    communities = CalendarCommunities(practice.store, practice.clock)
    community = communities.create(
        practice.owner(anna), "Gemeinschaft", practice.calendars[anna], [room]
    )
    invited = communities.invite(practice.owner(anna), community.id, practice.calendars[ben])
    assert practice.calendars[ben] in invited.invited_calendar_ids
    assert practice.calendars[ben] not in invited.calendar_ids
    # Anna cannot accept on Ben's behalf.
    with pytest.raises(AccessDeniedError, match="only the owner"):
        communities.accept(practice.owner(anna), community.id, practice.calendars[ben])
    joined = communities.accept(practice.owner(ben), community.id, practice.calendars[ben])
    assert joined.calendar_ids == {practice.calendars[anna], practice.calendars[ben]}
    assert not joined.invited_calendar_ids


def test_a7_only_members_invite_and_declined_invitations_vanish(practice: Practice) -> None:
    room = practice.add_room("Room 1")
    anna, ben, cleo = (practice.add_practitioner(n) for n in ("Anna", "Ben", "Cleo"))
    communities = CalendarCommunities(practice.store, practice.clock)
    community = communities.create(practice.owner(anna), "G", practice.calendars[anna], [room])
    with pytest.raises(AccessDeniedError, match="only members"):
        communities.invite(practice.owner(cleo), community.id, practice.calendars[cleo])
    communities.invite(practice.owner(anna), community.id, practice.calendars[ben])
    declined = communities.decline(practice.owner(ben), community.id, practice.calendars[ben])
    assert not declined.invited_calendar_ids
    with pytest.raises(ConflictError, match="no invitation"):
        communities.accept(practice.owner(ben), community.id, practice.calendars[ben])


def test_a7_members_see_only_busy_time_of_the_others(shared: Shared) -> None:
    practice, communities, community_id, room, anna, ben = shared
    client = practice.add_client("Meier", "Petra", email="petra@example.org")
    practice.appointment(anna, room, practice.at(2026, 5, 5, 9), client_id=client, comment="Knie")
    # B1: in a community each member is their own controller: Petra has a record at each.
    at_ben = practice.add_client("Meier", "Petra", email="petra@example.org")
    bens = practice.appointment(
        ben, room, practice.at(2026, 5, 5, 10), client_id=at_ben, comment="Rücken, vertraulich"
    )
    view = communities.view(
        practice.owner(anna),
        community_id,
        practice.calendars[anna],
        practice.at(2026, 5, 4),
        practice.at(2026, 5, 9),
    )
    assert [a.comment for a in view.own] == ["Knie"]
    assert view.busy == (BusyTime(room, bens.start, bens.end),)
    # Data minimisation: the busy time carries nothing but room and time.
    for busy in view.busy:
        assert set(attrs.fields_dict(type(busy))) == {"room_id", "start", "end"}
        for forbidden in ("client_id", "comment", "type_id", "status", "calendar_id"):
            assert not hasattr(busy, forbidden)
        assert "Meier" not in repr(busy)
        assert "Rücken" not in repr(busy)


def test_a7_a_member_cannot_book_move_or_cancel_in_another_members_calendar(
    shared: Shared,
) -> None:
    """A7/B2: sharing a room is no access to the other's calendar; a grant is."""
    practice, _, _, room, anna, ben = shared
    bens = practice.appointment(ben, room, practice.at(2026, 5, 5, 11))
    with pytest.raises(AccessDeniedError, match="B2"):
        practice.book.book(
            practice.owner(anna),
            calendar_id=practice.calendars[ben],
            room_id=room,
            start=practice.at(2026, 5, 5, 9),
            type_id="treatment",
        )
    with pytest.raises(AccessDeniedError, match="move appointments"):
        practice.book.move(practice.owner(anna), bens.id, start=practice.at(2026, 5, 5, 10))
    with pytest.raises(AccessDeniedError, match="cancel appointments"):
        practice.book.cancel(practice.owner(anna), bens.id)
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(bens.id) == bens
        assert uow.appointments.count() == 1
    # Once Ben grants it, Anna may move his appointment.
    practice.grant(ben, practice.owner(anna))
    moved = practice.book.move(practice.owner(anna), bens.id, start=practice.at(2026, 5, 5, 10))
    assert (moved.calendar_id, moved.start) == (
        practice.calendars[ben],
        practice.at(2026, 5, 5, 10),
    )


def test_a7_free_slots_of_each_member_respect_the_others_bookings(shared: Shared) -> None:
    practice, communities, community_id, room, anna, ben = shared
    practice.appointment(ben, room, practice.at(2026, 5, 5, 9), minutes=60)
    slots = communities.slot_grid(
        practice.owner(anna),
        community_id,
        practice.calendars[anna],
        room,
        practice.at(2026, 5, 5),
        practice.at(2026, 5, 6),
    )
    taken = [s.start.strftime("%H:%M") for s in slots if not s.free]
    assert taken == ["09:00", "09:30"]
    # The same rule holds in the plain appointment book (rooms are physical).
    free = practice.book.free_slots(
        practice.front_desk(), room, practice.at(2026, 5, 5), practice.at(2026, 5, 6)
    )
    assert practice.at(2026, 5, 5, 9) not in {s.start for s in free}


def test_a7_c2_online_booking_of_one_member_shows_the_others_busy_time_as_taken(
    shared: Shared,
) -> None:
    """A7/C2: Anna's public booking page for the shared room shows Ben's appointment as a
    taken slot — without his client or comment — and a request for it is refused."""
    practice, _, _, room, anna, ben = shared
    client = practice.add_client("Meier", email="petra@example.org")
    practice.appointment(
        ben, room, practice.at(2026, 5, 5, 10), minutes=60, client_id=client, comment="Rücken"
    )
    online = OnlineBooking(practice.store, practice.clock)
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    tuesday = online.week(token).days[1]
    assert [f"{x.start:%H:%M}" for x in tuesday.slots if not x.free] == ["10:00", "10:30"]
    assert "Rücken" not in repr(tuesday)
    assert "Meier" not in repr(tuesday)
    with pytest.raises(SlotTakenError):
        online.request(
            token, practice.at(2026, 5, 5, 10, 30), last_name="Schulz", email="s@example.org"
        )


def test_a7_leaving_stops_the_view_and_is_audited(shared: Shared) -> None:
    practice, communities, community_id, _room, anna, ben = shared
    communities.leave(practice.owner(ben), community_id, practice.calendars[ben])
    with pytest.raises(AccessDeniedError, match="not a member"):
        communities.view(
            practice.owner(ben),
            community_id,
            practice.calendars[ben],
            practice.at(2026, 5, 4),
            practice.at(2026, 5, 5),
        )
    with practice.store.unit_of_work(write=False) as uow:
        actions = [e.action for e in uow.audit.query(actor_id=practice.owner(ben).id)]
    assert actions == [AuditAction.COMMUNITY_JOINED, AuditAction.COMMUNITY_LEFT]
    # The last one out dissolves the community.
    communities.leave(practice.owner(anna), community_id, practice.calendars[anna])
    assert communities.communities_of(SYSTEM_ACTOR, practice.calendars[anna]) == []


def test_a7_view_across_the_spring_dst_change(shared: Shared) -> None:
    practice, communities, community_id, room, anna, ben = shared
    practice.add_working_time(room, {6}, time(8), time(12))
    # Sunday 29 March 2026: clocks go from 02:00 to 03:00 in Berlin.
    ben_appt = practice.appointment(ben, room, practice.at(2026, 3, 29, 9))
    slots = communities.slot_grid(
        practice.owner(anna),
        community_id,
        practice.calendars[anna],
        room,
        practice.at(2026, 3, 29),
        practice.at(2026, 3, 30),
    )
    assert len(slots) == 8
    assert [s.start.hour for s in slots if not s.free] == [9]
    assert ben_appt.end - ben_appt.start == timedelta(minutes=30)
