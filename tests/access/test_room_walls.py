"""B1/A7: a practice books, plans and offers online only its own rooms — or rooms a calendar
community it belongs to shares — never another practice's room in the same store.

Given the Praxis am Park (org-1, Anna's calendar, room 1) and, in the same store, the
Hörakustik Nord (org-2) with its own booth: nobody at the Praxis am Park may block,
plan in or put online the other practice's booth, whatever their role in their own
practice.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import attrs
import pytest

from lemnicore import Actor, OnlineBooking, Role, SeriesRequest, ValidationError
from lemnicore.scheduling.practice import Branch, Calendar, Organisation, Practitioner, Room
from lemnicore.testing import MON_FRI, Practice

NOW = datetime(2026, 5, 1, 8, tzinfo=UTC)
BOOTH = "nord-booth"


@pytest.fixture
def practice() -> Practice:
    practice = Practice(now=NOW)
    with practice.store.unit_of_work() as uow:
        uow.organisations.put(Organisation("org-2", "Hörakustik Nord", "Europe/Berlin", True))
        uow.branches.put(Branch("nord-branch", "org-2", "N1", "Kiel", "Europe/Berlin"))
        uow.rooms.put(Room(BOOTH, "nord-branch", "Messkabine"))
        uow.commit()
    return practice


def _unchanged_booth(practice: Practice) -> None:
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.in_room(BOOTH, NOW, datetime(2026, 7, 1, tzinfo=UTC)) == []
        booth = uow.rooms.get(BOOTH)
    assert not booth.online_booking


def test_b1_booking_into_another_practices_room_is_refused(practice: Practice) -> None:
    anna = practice.add_practitioner("Anna")
    with pytest.raises(ValidationError, match="room_id"):
        practice.appointment(anna, BOOTH, practice.at(2026, 5, 4, 9))
    _unchanged_booth(practice)


def test_b1_moving_an_appointment_into_another_practices_room_is_refused(
    practice: Practice,
) -> None:
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Raum 1")
    booked = practice.appointment(anna, room, practice.at(2026, 5, 4, 9))
    with pytest.raises(ValidationError, match="room_id"):
        practice.book.move(practice.owner(anna), booked.id, room_id=BOOTH)
    _unchanged_booth(practice)


def test_b1_a_series_is_never_planned_in_another_practices_room(practice: Practice) -> None:
    anna = practice.add_practitioner("Anna")
    client = practice.add_client("Meier")
    request = SeriesRequest(
        client_id=client,
        calendar_id=practice.calendars[anna],
        type_id="treatment",
        count=3,
        weekdays=MON_FRI,
        preferred_time=time(9),
        earliest_start=date(2026, 5, 4),
        latest_end=date(2026, 6, 30),
        room_ids=(BOOTH,),
        time_zone="Europe/Berlin",
    )
    with pytest.raises(ValidationError, match="room_id"):
        practice.series.propose(practice.owner(anna), request)


def test_b1_another_practices_room_cannot_be_put_online(practice: Practice) -> None:
    anna = practice.add_practitioner("Anna")
    online = OnlineBooking(practice.store, practice.clock)
    with pytest.raises(ValidationError, match="room_id"):
        online.release(practice.owner(anna), BOOTH, practice.calendars[anna])
    _unchanged_booth(practice)


def test_a7_a_room_the_calendars_community_shares_may_be_booked(practice: Practice) -> None:
    """The wall has a door (A7): Anna's practice shares room 1 with a community that Nora
    of the Hörakustik Nord belongs to; Nora books room 1 from her own calendar — and still
    not the booth of a practice whose community she is not in."""
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Raum 1")
    with practice.store.unit_of_work() as uow:
        uow.practitioners.put(Practitioner("nora", "org-2", "Nora"))
        uow.calendars.put(Calendar("nora-cal", "nora", "Noras Kalender", "nord-branch"))
        uow.commit()
    practice.add_community("Hörzentrum", [anna], [room])
    with practice.store.unit_of_work() as uow:
        (community,) = uow.communities.all()
        uow.communities.put(
            attrs.evolve(community, calendar_ids=community.calendar_ids | {"nora-cal"})
        )
        uow.commit()
    nora = Actor("user-nora", Role.OWNER, practitioner_id="nora", organisation_id="org-2")
    booked = practice.book.book(
        nora, calendar_id="nora-cal", room_id=room, start=practice.at(2026, 5, 4, 9),
        type_id="treatment",
    )  # fmt: skip
    assert booked.room_id == room
    other = Practice(practice.store, now=NOW, organisation_id="org-3", branch_code="X1")
    with practice.store.unit_of_work() as uow:
        uow.rooms.put(Room("org3-room", other.branch.id, "Fremder Raum"))
        uow.commit()
    with pytest.raises(ValidationError, match="room_id"):
        practice.book.book(
            nora, calendar_id="nora-cal", room_id="org3-room", start=practice.at(2026, 5, 4, 11),
            type_id="treatment",
        )  # fmt: skip
