"""B4: enforcing an organisation's plan — the service side of :mod:`lemnicore.access.plans`.

:class:`Entitlements` looks up the organisation's plan and its current usage inside the
caller's unit of work, so the check and the change it guards commit together.
"""

from __future__ import annotations

from datetime import date, time
from typing import Protocol
from zoneinfo import ZoneInfo

import attrs

from lemnicore.access.plans import (
    DEFAULT_PLANS,
    Plan,
    PlanCatalog,
    check_appointments_per_month,
    check_delegated_booking,
    check_rooms,
    check_staff_accounts,
    plan_named,
)
from lemnicore.scheduling.appointments import Appointment
from lemnicore.services.lookup import calendars_of, organisation_of_calendar, rooms_of
from lemnicore.storage.ports import UnitOfWork
from lemnicore.timekeeping import local_datetime, zone


class BookingLimits(Protocol):
    """What :class:`~lemnicore.services.booking.AppointmentBook` asks before it books (B4)."""

    def check_booking(self, uow: UnitOfWork, appointment: Appointment) -> None:
        """Raise :class:`~lemnicore.errors.PlanLimitError` if ``appointment`` is one too many."""

    def check_move(self, uow: UnitOfWork, before: Appointment, after: Appointment) -> None:
        """Raise :class:`~lemnicore.errors.PlanLimitError` if moving ``before`` to ``after``
        makes one too many (e.g. into another, full month)."""


@attrs.frozen
class Unlimited:
    """B4 switched off: every booking and move is allowed. Use :data:`UNLIMITED`."""

    def check_booking(self, uow: UnitOfWork, appointment: Appointment) -> None:
        return None

    def check_move(self, uow: UnitOfWork, before: Appointment, after: Appointment) -> None:
        return None


UNLIMITED = Unlimited()
"""B4 off: pass ``entitlements=UNLIMITED`` where no plan applies (tests, the demo, a
practice that runs lemnicore without a subscription)."""


def _month(appointment: Appointment, tz: ZoneInfo) -> tuple[int, int]:
    local = appointment.start.astimezone(tz)
    return local.year, local.month


def month_bounds(day: date) -> tuple[date, date]:
    """The first day of ``day``'s month and of the month after."""
    first = day.replace(day=1)
    following = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return first, following


class Entitlements:
    """B4: the plan catalog in force, and the checks against it."""

    def __init__(self, plans: PlanCatalog = DEFAULT_PLANS) -> None:
        self.plans = plans

    def plan_of(self, uow: UnitOfWork, organisation_id: str) -> Plan:
        return plan_named(self.plans, uow.organisations.get(organisation_id).plan)

    def check_booking(self, uow: UnitOfWork, appointment: Appointment) -> None:
        """B4: appointments per month, counted in the organisation's own zone and month.

        The month is the one the appointment starts in; the organisation is that of the
        calendar's owner (in a community each account counts its own appointments). Only
        active appointments count: a cancelled one gives its place back.
        """
        if not appointment.blocks_room:
            return
        organisation = organisation_of_calendar(uow, appointment.calendar_id)
        plan = plan_named(self.plans, organisation.plan)
        if plan.appointments_per_month is None:
            return
        tz = zone(organisation.time_zone)
        first, following = month_bounds(appointment.start.astimezone(tz).date())
        start, end = local_datetime(first, time(0), tz), local_datetime(following, time(0), tz)
        calendars = {c.id for c in calendars_of(uow, organisation.id)}
        booked = uow.appointments.count_active_starting_between(
            calendars, start, end, excluding=appointment.id
        )
        check_appointments_per_month(plan, booked, first.strftime("%Y-%m"))

    def check_move(self, uow: UnitOfWork, before: Appointment, after: Appointment) -> None:
        """B4: a move within its month takes no new place; into another month it does.

        The month is the organisation's local month, so a move from 31 May 23:30 to
        1 June 00:30 in Berlin changes month even though both are 31 May in UTC.
        """
        if before.blocks_room and before.calendar_id == after.calendar_id:
            tz = zone(organisation_of_calendar(uow, after.calendar_id).time_zone)
            if _month(before, tz) == _month(after, tz):
                return
        self.check_booking(uow, after)

    def check_new_room(self, uow: UnitOfWork, organisation_id: str) -> None:
        check_rooms(self.plan_of(uow, organisation_id), len(rooms_of(uow, organisation_id)))

    def check_delegation(self, uow: UnitOfWork, organisation_id: str) -> None:
        check_delegated_booking(self.plan_of(uow, organisation_id))

    def check_staff_accounts(self, uow: UnitOfWork, organisation_id: str) -> None:
        check_staff_accounts(self.plan_of(uow, organisation_id))
