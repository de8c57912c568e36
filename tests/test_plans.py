"""B4: plans as data — S/M/L/XL defaults, configurable, enforced with a clear error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from lemnicore import (
    DEFAULT_PLANS,
    UNLIMITED,
    Appointment,
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


def test_b4_unlimited_switches_the_monthly_limit_off(practice: Practice) -> None:
    _plan(practice, "S")
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    book = AppointmentBook(practice.store, practice.clock, entitlements=UNLIMITED)
    for n in range(31):
        book.book(
            practice.owner(anna),
            calendar_id=practice.calendars[anna],
            room_id=room,
            start=practice.at(2026, 5, 5) + timedelta(minutes=30 * n),
            type_id="treatment",
        )
    # The test practice's own book is unlimited too, unless told otherwise.
    practice.appointment(anna, room, practice.at(2026, 5, 6, 9))


class PlanS:
    """A practice on plan S with an appointment book as apps build it (no ``entitlements``
    argument: the organisation's plan applies)."""

    def __init__(self) -> None:
        self.practice = Practice(now=datetime(2026, 5, 1, 7, tzinfo=UTC), plan="S")
        self.room = self.practice.add_room("Room 1")
        self.anna = self.practice.add_practitioner("Anna")
        self.owner = self.practice.owner(self.anna)
        self.book = AppointmentBook(self.practice.store, self.practice.clock)

    def at(self, start: datetime) -> Appointment:
        return self.book.book(
            self.owner,
            calendar_id=self.practice.calendars[self.anna],
            room_id=self.room,
            start=start,
            type_id="treatment",
        )

    def fill(self, year: int, month: int, count: int, *, first_day: int = 4) -> list[Appointment]:
        """``count`` appointments, eight a day from 8:00, from ``first_day`` on."""
        p = self.practice
        return [
            self.at(p.at(year, month, first_day + n // 8, 8) + timedelta(minutes=30 * (n % 8)))
            for n in range(count)
        ]


def test_b4_plan_s_30th_in_may_booked_31st_refused_june_fine_move_into_full_june_refused() -> None:
    s = PlanS()
    may = s.fill(2026, 5, 30)  # the 30th appointment in May is fine
    with pytest.raises(PlanLimitError) as refused:
        s.at(s.practice.at(2026, 5, 20, 9))
    assert str(refused.value) == (
        "plan S allows 30 appointments per month; 2026-05 has 30 already"
        " (limit: appointments_per_month)"
    )
    assert (refused.value.plan, refused.value.limit) == ("S", "appointments_per_month")
    s.fill(2026, 6, 30, first_day=1)  # June has its own 30
    # Moving a May appointment into the full June is refused, and nothing changes.
    with pytest.raises(PlanLimitError, match="2026-06 has 30 already"):
        s.book.move(s.owner, may[0].id, start=s.practice.at(2026, 6, 29, 9))
    assert (
        s.practice.book.calendar(
            s.owner,
            s.practice.calendars[s.anna],
            s.practice.at(2026, 5, 4),
            s.practice.at(2026, 5, 5),
        )[0].start
        == may[0].start
    )
    # Within its own full month an appointment can still be moved: it takes no new place.
    moved = s.book.move(s.owner, may[0].id, start=s.practice.at(2026, 5, 28, 15))
    assert moved.sequence == 1


def test_b4_the_month_of_a_move_is_the_organisations_local_month() -> None:
    """31 May 23:00 and 1 June 00:30 in Berlin are both 31 May in UTC: a move between them
    changes the month, and a full June refuses it."""
    s = PlanS()
    late_may = s.at(s.practice.at(2026, 5, 31, 23))
    s.fill(2026, 6, 30, first_day=2)
    with pytest.raises(PlanLimitError, match="2026-06"):
        s.book.move(s.owner, late_may.id, start=s.practice.at(2026, 6, 1, 0, 30))
    # The other way round: from a full June into 31 May (UTC: both 31 May) is fine.
    june = s.book.calendar(
        s.owner, s.practice.calendars[s.anna], s.practice.at(2026, 6, 2), s.practice.at(2026, 6, 3)
    )[0]
    s.book.move(s.owner, june.id, start=s.practice.at(2026, 5, 31, 21))


def test_b4_a_no_show_gives_its_place_back_and_reinstating_it_needs_one() -> None:
    s = PlanS()
    may = s.fill(2026, 5, 30)
    s.book.mark_no_show(s.owner, may[0].id)
    s.at(s.practice.at(2026, 5, 20, 9))  # the freed place is taken
    with pytest.raises(PlanLimitError, match="2026-05 has 30 already"):
        s.book.reinstate(s.owner, may[0].id)


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
