"""Build a practice in a store in a few readable lines (G2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from itertools import count

from lemnicore.access.actors import SYSTEM_ACTOR, Actor, Role
from lemnicore.access.policy import Grant, Permission
from lemnicore.ids import IdFactory
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.community import CalendarCommunity
from lemnicore.scheduling.practice import (
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.scheduling.practitioner_hours import PractitionerHours
from lemnicore.services.booking import AppointmentBook
from lemnicore.services.clients import ClientRecords
from lemnicore.services.entitlements import UNLIMITED, BookingLimits
from lemnicore.services.series import SeriesBook
from lemnicore.services.waiting_list import WaitingList
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.testing.clock import FakeClock
from lemnicore.timekeeping import DEFAULT_TIME_ZONE, local_datetime, to_utc, zone

MON_FRI = frozenset(range(5))


class Practice:
    """A practice under construction and in use: master data, services and a fake clock.

    Every ``add_*`` writes at once to the store (memory by default), so the practice can be
    used between steps. Ids are readable (``room-1``, ``client-3``) and deterministic.

    >>> from datetime import datetime, UTC
    >>> p = Practice(now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    >>> room = p.add_room("Room 1")
    >>> anna = p.add_practitioner("Anna")
    >>> p.add_working_time(room, MON_FRI, time(8), time(12))
    'availability-1'
    >>> len(p.book.free_slots(p.front_desk(), room, p.at(2026, 5, 4, 0, 0), p.at(2026, 5, 5, 0, 0)))
    8
    """

    def __init__(
        self,
        store: Store | None = None,
        *,
        now: datetime,
        time_zone: str = DEFAULT_TIME_ZONE,
        default_consent: bool = True,
        organisation_id: str = "org-1",
        branch_code: str = "HH1",
        plan: str = "M",
        entitlements: BookingLimits = UNLIMITED,
    ) -> None:
        """``plan`` is the organisation's plan (B4). ``practice.book`` books without plan
        limits unless ``entitlements`` says otherwise (e.g. ``Entitlements()``, which is
        what an :class:`AppointmentBook` built without ``entitlements`` uses): a test
        about something else should not hit the 31st appointment of a month."""
        self.store: Store = store if store is not None else MemoryStore()
        self.clock = FakeClock(now)
        self.time_zone = time_zone
        self._counters: dict[str, count[int]] = {}
        self.waiting_list = WaitingList(self.store, self.clock, new_id=self._id_factory("id"))
        self.book = AppointmentBook(
            self.store,
            self.clock,
            new_id=self._id_factory("id"),
            entitlements=entitlements,
            waiting_list=self.waiting_list,
        )
        self.series = SeriesBook(
            self.store,
            self.clock,
            new_id=self._id_factory("id"),
            entitlements=entitlements,
            waiting_list=self.waiting_list,
        )
        self.clients = ClientRecords(self.store, self.clock, new_id=self._id_factory("id"))
        self.organisation = Organisation(
            organisation_id, "Praxis am Park", time_zone, default_consent, plan=plan
        )
        self.branch = Branch(
            self._next("branch"), organisation_id, branch_code, "Hamburg Mitte", time_zone
        )
        self.calendars: dict[str, str] = {}
        with self.store.unit_of_work() as uow:
            uow.organisations.put(self.organisation)
            uow.branches.put(self.branch)
            uow.appointment_types.put(
                AppointmentType("treatment", "Treatment", timedelta(minutes=30))
            )
            uow.commit()

    def _id_factory(self, prefix: str) -> IdFactory:
        return lambda: self._next(prefix)

    def _next(self, prefix: str) -> str:
        counter = self._counters.setdefault(prefix, count(1))
        return f"{prefix}-{next(counter)}"

    def at(self, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
        """A wall-clock time in the practice's zone."""
        return local_datetime(date(year, month, day), time(hour, minute), zone(self.time_zone))

    # -- master data ---------------------------------------------------------------------

    def add_branch(self, code: str, name: str | None = None, time_zone: str | None = None) -> str:
        """A further branch of the organisation (A1), in ``time_zone`` (default: the
        practice's); returns its id. Rooms go there with ``add_room(..., branch_id=...)``."""
        branch = Branch(
            self._next("branch"),
            self.organisation.id,
            code,
            name or code,
            time_zone or self.time_zone,
        )
        with self.store.unit_of_work() as uow:
            uow.branches.put(branch)
            uow.commit()
        return branch.id

    def add_room(
        self, name: str, *, branch_id: str | None = None, online_booking: bool = False
    ) -> str:
        room = Room(
            self._next("room"), branch_id or self.branch.id, name, online_booking=online_booking
        )
        with self.store.unit_of_work() as uow:
            uow.rooms.put(room)
            uow.commit()
        return room.id

    def add_practitioner(self, name: str, *, email: str | None = None) -> str:
        """A practitioner with one calendar; returns the practitioner id.

        Their calendar's id is ``practice.calendars[practitioner_id]``.
        """
        practitioner = Practitioner(self._next("practitioner"), self.organisation.id, name, email)
        calendar = Calendar(
            self._next("calendar"), practitioner.id, f"{name}'s calendar", self.branch.id
        )
        with self.store.unit_of_work() as uow:
            uow.practitioners.put(practitioner)
            uow.calendars.put(calendar)
            uow.commit()
        self.calendars[practitioner.id] = calendar.id
        return practitioner.id

    def add_appointment_type(
        self,
        name: str,
        *,
        minutes: int = 30,
        allows_auto_notifications: bool = True,
        is_group: bool = False,
        type_id: str | None = None,
        buffer_before: int = 0,
        buffer_after: int = 0,
    ) -> str:
        """An appointment type of this practice (B1); ``buffer_before``/``buffer_after``
        in minutes (A10). The ``treatment`` type every practice starts with is shared."""
        kind = AppointmentType(
            type_id or self._next("type"),
            name,
            timedelta(minutes=minutes),
            allows_auto_notifications,
            is_group,
            buffer_before=timedelta(minutes=buffer_before),
            buffer_after=timedelta(minutes=buffer_after),
            organisation_id=self.organisation.id,
        )
        with self.store.unit_of_work() as uow:
            uow.appointment_types.put(kind)
            uow.commit()
        return kind.id

    def add_working_time(
        self,
        room_id: str,
        weekdays: Iterable[int],
        start: time,
        end: time,
        *,
        slot_minutes: int = 30,
        calendar_id: str | None = None,
        closed_days: Iterable[date] = (),
        holiday_region: str | None = None,
        time_zone: str | None = None,
    ) -> str:
        """A5: a weekly working time of ``room_id``, in the wall-clock time of the room's
        branch — or of ``time_zone`` if given explicitly."""
        availability = Availability(
            id=self._next("availability"),
            room_id=room_id,
            working_times=(WorkingTime(frozenset(weekdays), start, end),),
            slot_length=timedelta(minutes=slot_minutes),
            time_zone=time_zone,
            calendar_id=calendar_id,
            closed_days=frozenset(closed_days),
            holiday_region=holiday_region,
        )
        with self.store.unit_of_work() as uow:
            uow.availabilities.put(availability)
            uow.commit()
        return availability.id

    def add_practitioner_hours(
        self,
        practitioner_id: str,
        weekdays: Iterable[int],
        start: time,
        end: time,
        *,
        time_zone: str | None = None,
        closed_days: Iterable[date] = (),
    ) -> str:
        """A10: working times of the practitioner themself, independent of rooms."""
        hours = PractitionerHours(
            id=self._next("hours"),
            practitioner_id=practitioner_id,
            working_times=(WorkingTime(frozenset(weekdays), start, end),),
            time_zone=time_zone or self.time_zone,
            closed_days=frozenset(closed_days),
        )
        with self.store.unit_of_work() as uow:
            uow.practitioner_hours.put(hours)
            uow.commit()
        return hours.id

    def add_community(
        self, name: str, practitioner_ids: Iterable[str], room_ids: Iterable[str]
    ) -> str:
        community = CalendarCommunity(
            self._next("community"),
            name,
            frozenset(self.calendars[p] for p in practitioner_ids),
            frozenset(room_ids),
        )
        with self.store.unit_of_work() as uow:
            uow.communities.put(community)
            uow.commit()
        return community.id

    def grant(
        self, owner_id: str, grantee: Actor, permissions: Iterable[Permission] = tuple(Permission)
    ) -> None:
        """B2: ``owner_id``'s calendar is opened to ``grantee``."""
        grant = Grant(
            self.calendars[owner_id], grantee.id, owner_id, self.clock.now(), frozenset(permissions)
        )
        with self.store.unit_of_work() as uow:
            uow.grants.put(grant)
            uow.commit()

    def add_client(
        self,
        last_name: str,
        first_name: str = "",
        *,
        email: str | None = None,
        mobile: str | None = None,
        phone: str | None = None,
        threema_id: str | None = None,
        postal_address: str | None = None,
        preferred_channel: str | None = None,
        birthday: date | None = None,
        consent: bool | None = None,
    ) -> str:
        """A client record through :class:`~lemnicore.ClientRecords` (audited, B3).

        ``consent=None`` takes the organisation's default (D4); ``preferred_channel`` is a
        :class:`~lemnicore.Channel` value or :data:`~lemnicore.NO_MESSAGE` (D12).
        """
        client = self.clients.register(
            SYSTEM_ACTOR,
            organisation_id=self.organisation.id,
            last_name=last_name,
            first_name=first_name,
            email=email,
            mobile=mobile,
            phone=phone,
            threema_id=threema_id,
            postal_address=postal_address,
            preferred_channel=preferred_channel,
            birthday=birthday,
            notification_consent=consent,
            client_id=self._next("client"),
        )
        return client.id

    # -- people and bookings -------------------------------------------------------------

    def owner(self, practitioner_id: str) -> Actor:
        """The practitioner acting as owner of their own calendar (B1)."""
        return Actor(
            id=f"user-{practitioner_id}",
            role=Role.OWNER,
            practitioner_id=practitioner_id,
            organisation_id=self.organisation.id,
        )

    def front_desk(self, name: str = "desk") -> Actor:
        return Actor(
            id=f"user-{name}", role=Role.FRONT_DESK, name=name, organisation_id=self.organisation.id
        )

    def appointment(
        self,
        practitioner_id: str,
        room_id: str,
        start: datetime,
        *,
        minutes: int | None = None,
        type_id: str = "treatment",
        client_id: str | None = None,
        status: AppointmentStatus = AppointmentStatus.BOOKED,
        comment: str = "",
    ) -> Appointment:
        """Book as the practitioner themself (the usual case in tests)."""
        return self.book.book(
            self.owner(practitioner_id),
            calendar_id=self.calendars[practitioner_id],
            room_id=room_id,
            start=start,
            end=to_utc(start) + timedelta(minutes=minutes) if minutes else None,
            type_id=type_id,
            client_id=client_id,
            status=status,
            comment=comment,
            appointment_id=self._next("appointment"),
        )

    def client(self, client_id: str) -> Client:
        with self.store.unit_of_work(write=False) as uow:
            return uow.clients.get(client_id)
