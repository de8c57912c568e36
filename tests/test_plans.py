"""B4: plans as data — S/M/L/XL defaults, configurable, enforced with a clear error."""

from __future__ import annotations

from datetime import UTC, time, timedelta

import attrs
import pytest

from lemnicore import (
    DEFAULT_PLANS,
    AppointmentBook,
    CalendarAccess,
    Entitlements,
    Plan,
    PlanLimitError,
    PracticeSetup,
    ValidationError,
    plans_from_mapping,
)
from lemnicore.testing import Practice


def _plan(practice: Practice, plan: str) -> None:
    with practice.store.unit_of_work() as uow:
        org = uow.organisations.get(practice.organisation.id)
        uow.organisations.put(attrs.evolve(org, plan=plan))
        uow.commit()


def test_b4_default_plans_are_the_sources() -> None:
    s, m, l_, xl = (DEFAULT_PLANS[n] for n in ("S", "M", "L", "XL"))
    assert (s.rooms, s.appointments_per_month) == (1, 30)
    assert (m.rooms, m.appointments_per_month) == (2, 100)
    assert (l_.rooms, l_.appointments_per_month, l_.delegated_booking) == (2, 100, True)
    assert not m.delegated_booking
    assert not l_.staff_accounts
    assert xl.delegated_booking
    assert xl.staff_accounts


def test_b4_plans_are_data_from_configuration() -> None:
    plans = plans_from_mapping(
        {"Solo": {"rooms": 1, "appointments_per_month": 60}, "Team": {"staff_accounts": True}}
    )
    assert plans["Solo"] == Plan("Solo", rooms=1, appointments_per_month=60)
    assert plans["Team"].rooms is None  # no limit
    with pytest.raises(ValidationError, match="room: not a plan setting"):
        plans_from_mapping({"Solo": {"room": 1}})
    with pytest.raises(ValidationError, match="appointments_per_month"):
        plans_from_mapping({"Bad": {"appointments_per_month": -1}})


def test_b4_room_limit(practice: Practice) -> None:
    _plan(practice, "S")
    anna = practice.add_practitioner("Anna")
    setup = PracticeSetup(practice.store, practice.clock)
    setup.add_room(practice.owner(anna), practice.branch.id, "Room 1")
    with pytest.raises(PlanLimitError, match="plan S allows 1 room") as refused:
        setup.add_room(practice.owner(anna), practice.branch.id, "Room 2")
    assert (refused.value.plan, refused.value.limit) == ("S", "rooms")
    setup.set_plan(practice.owner(anna), practice.organisation.id, "M")
    setup.add_room(practice.owner(anna), practice.branch.id, "Room 2")
    with pytest.raises(ValidationError, match="unknown plan 'XXL'"):
        setup.set_plan(practice.owner(anna), practice.organisation.id, "XXL")


def test_b4_appointments_per_month_counted_in_the_local_month(practice: Practice) -> None:
    _plan(practice, "S")
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    book = AppointmentBook(practice.store, practice.clock, entitlements=Entitlements())
    owner, calendar = practice.owner(anna), practice.calendars[anna]

    def at(start):  # type: ignore[no-untyped-def]
        return book.book(
            owner, calendar_id=calendar, room_id=room, start=start, type_id="treatment"
        )

    # 30 appointments in May 2026 (Berlin), the last one at 23:30 on 31 May = 21:30 UTC.
    for n in range(29):
        at(practice.at(2026, 5, 4 + n // 8, 8) + timedelta(minutes=30 * (n % 8)))
    at(practice.at(2026, 5, 31, 23, 30))
    with pytest.raises(PlanLimitError, match="appointments_per_month") as refused:
        at(practice.at(2026, 5, 29, 9))
    assert "2026-05" in str(refused.value)
    # 1 June 00:30 Berlin is still 31 May in UTC, but counts for June.
    june = at(practice.at(2026, 6, 1, 0, 30))
    assert june.start.astimezone(UTC).day == 31
    # A cancellation gives the place back.
    first = book.calendar(owner, calendar, practice.at(2026, 5, 4), practice.at(2026, 5, 5))[0]
    book.cancel(owner, first.id)
    at(practice.at(2026, 5, 29, 9))


def test_b4_appointment_book_without_entitlements_does_not_check(practice: Practice) -> None:
    _plan(practice, "S")
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, range(7), time(0), time(23, 30))
    for n in range(31):
        practice.appointment(anna, room, practice.at(2026, 5, 5) + timedelta(minutes=30 * n))


def test_b4_delegated_booking_needs_plan_l(practice: Practice) -> None:
    anna = practice.add_practitioner("Anna")
    access = CalendarAccess(practice.store, practice.clock)
    with pytest.raises(PlanLimitError, match="delegated booking") as refused:
        access.grant(practice.owner(anna), practice.calendars[anna], "user-dora")
    assert refused.value.limit == "delegated_booking"
    _plan(practice, "L")
    access.grant(practice.owner(anna), practice.calendars[anna], "user-dora")


def test_b4_custom_catalog_lifts_a_limit(practice: Practice) -> None:
    _plan(practice, "Praxis")
    anna = practice.add_practitioner("Anna")
    plans = {"Praxis": Plan("Praxis", rooms=3, delegated_booking=True)}
    setup = PracticeSetup(practice.store, practice.clock, entitlements=Entitlements(plans))
    for n in range(3):
        setup.add_room(practice.owner(anna), practice.branch.id, f"Room {n}")
    with pytest.raises(PlanLimitError, match="3 room"):
        setup.add_room(practice.owner(anna), practice.branch.id, "Room 4")
