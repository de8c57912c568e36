"""A1/A2/B4: setting up a practice within its plan — the organisation itself (bootstrapped
by the system actor), its branches and rooms, practitioners with their calendars,
appointment types (with their A10 buffers), staff accounts, the plan itself.

Working times of rooms and practitioners are :mod:`lemnicore.services.working_hours`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import attrs

from lemnicore.access.actors import ROLE_SCOPES, Actor, Role, Scope
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.plans import plan_named
from lemnicore.access.staff import StaffAccount
from lemnicore.clock import Clock
from lemnicore.errors import ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.practice import (
    BOOKING_REQUEST_TYPE_ID,
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.scheduling.practitioner_hours import PractitionerHours
from lemnicore.services.booking import record
from lemnicore.services.entitlements import Entitlements
from lemnicore.services.lookup import types_of
from lemnicore.storage.ports import Store


@attrs.frozen
class PractitionerAccount:
    """A1: a practitioner added to a practice, with the calendar they own."""

    practitioner: Practitioner
    calendar: Calendar


@attrs.frozen
class PracticeOverview:
    """A1/A2/A5/A10: how a practice is set up — what ``lemnicore setup show`` prints.

    ``appointment_types`` are the organisation's own types and the shared ones (B1: never
    another practice's); ``room_hours`` are read in the zone they apply in.
    """

    organisation: Organisation
    branches: tuple[Branch, ...]
    rooms: tuple[Room, ...]
    practitioners: tuple[PractitionerAccount, ...]
    appointment_types: tuple[AppointmentType, ...]
    practitioner_hours: tuple[PractitionerHours, ...]
    room_hours: tuple[Availability, ...]


class PracticeSetup:
    """B4: every change here is checked against the organisation's plan and audited (B3)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        entitlements: Entitlements | None = None,
        new_id: IdFactory = new_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.entitlements = entitlements or Entitlements()
        self._new_id = new_id

    def create_organisation(
        self,
        actor: Actor,
        organisation_id: str,
        name: str,
        time_zone: str,
        *,
        plan: str = "M",
        default_notification_consent: bool = False,
    ) -> Organisation:
        """A1/B4: bootstrap an organisation (a practice or a branch chain) in the store.

        B1: only the system actor may — an owner of one practice must not create others
        in a shared store. ``time_zone`` is an IANA name (``time_zone``), ``plan`` one of
        the catalog (``plan``); an id already in the store is refused (``organisation_id``)
        without saying anything about the organisation holding it. Audited (B3).
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            gate = AccessGateway(uow, actor)
            # No organisation to measure against yet: the system, or nobody (B1).
            gate.require(
                "PracticeSetup.create_organisation",
                gate.relation_without_data(),
                f"organisation {organisation_id!r}",
            )
            plan_named(self.entitlements.plans, plan)
            if not organisation_id.strip():
                raise ValidationError("organisation_id", "must not be empty")
            organisation = Organisation(
                organisation_id,
                name,
                time_zone,
                default_notification_consent=default_notification_consent,
                plan=plan,
            )
            if uow.organisations.find(organisation_id) is not None:
                raise ValidationError("organisation_id", f"{organisation_id!r} is taken")
            uow.organisations.put(organisation)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.ORGANISATION_CREATED,
                new_id=self._new_id,
                subject_id=organisation.id,
                after={
                    "name": name,
                    "time_zone": time_zone,
                    "plan": plan,
                    "default_notification_consent": default_notification_consent,
                },
            )
            uow.commit()
        return organisation

    def add_branch(
        self,
        actor: Actor,
        organisation_id: str,
        code: str,
        name: str,
        time_zone: str | None = None,
        *,
        branch_id: str | None = None,
    ) -> Branch:
        """A1: a branch of ``organisation_id`` with its short code (``HH1``) and its zone.

        ``time_zone`` defaults to the organisation's. Codes are unique within the
        organisation compared case-insensitively, as D2 compares them (``hh1`` next to
        ``HH1`` is refused, naming ``code``); a branch id already in the store is refused
        (``branch_id``) without saying whose it is; a bad zone names ``time_zone``.
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            organisation = uow.organisations.get(organisation_id)
            AccessGateway(uow, actor).organisation("PracticeSetup.add_branch", organisation_id)
            branch = Branch(
                branch_id or self._new_id(),
                organisation_id,
                code,
                name,
                organisation.time_zone if time_zone is None else time_zone,
            )
            if uow.branches.find(branch.id) is not None:
                raise ValidationError("branch_id", f"{branch.id!r} is taken")
            for other in uow.branches.all():
                if (
                    other.organisation_id == organisation_id
                    and other.code.casefold() == code.casefold()
                ):
                    raise ValidationError(
                        "code", f"the organisation has a branch with the code {other.code!r}"
                    )
            uow.branches.put(branch)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.BRANCH_ADDED,
                new_id=self._new_id,
                # The organisation, so that its administration finds the entry (B1/B3).
                subject_id=organisation_id,
                after={
                    "branch_id": branch.id,
                    "code": code,
                    "name": name,
                    "time_zone": branch.time_zone,
                },
            )
            uow.commit()
        return branch

    def add_room(
        self, actor: Actor, branch_id: str, name: str, *, room_id: str | None = None
    ) -> Room:
        """Add a room; refused with :class:`PlanLimitError` (limit ``rooms``) beyond the plan."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            branch = uow.branches.get(branch_id)
            AccessGateway(uow, actor).organisation("PracticeSetup.add_room", branch.organisation_id)
            self.entitlements.check_new_room(uow, branch.organisation_id)
            room = Room(room_id or self._new_id(), branch_id, name)
            uow.rooms.put(room)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.ROOM_ADDED,
                new_id=self._new_id,
                subject_id=room.id,
                after={"branch_id": branch_id, "name": name},
            )
            uow.commit()
        return room

    def add_staff_account(
        self,
        actor: Actor,
        organisation_id: str,
        name: str,
        role: Role,
        *,
        scopes: Iterable[Scope] | None = None,
        account_id: str | None = None,
    ) -> StaffAccount:
        """B1/B4: a front desk or accounting account (plan XL, limit ``staff_accounts``).

        ``scopes`` narrows what the role may do ("share only what is needed").
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            uow.organisations.get(organisation_id)
            AccessGateway(uow, actor).organisation(
                "PracticeSetup.add_staff_account", organisation_id
            )
            self.entitlements.check_staff_accounts(uow, organisation_id)
            account = StaffAccount(
                id=account_id or self._new_id(),
                organisation_id=organisation_id,
                name=name,
                role=role,
                scopes=ROLE_SCOPES.get(role, frozenset()) if scopes is None else scopes,
            )
            uow.staff_accounts.put(account)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.STAFF_ACCOUNT_ADDED,
                new_id=self._new_id,
                subject_id=account.id,
                after={"role": role.value, "scopes": sorted(s.value for s in account.scopes)},
            )
            uow.commit()
        return account

    def set_plan(self, actor: Actor, organisation_id: str, plan: str) -> Organisation:
        """Switch the organisation to another plan of the catalog (B4)."""
        now = self.clock.now()
        plan_named(self.entitlements.plans, plan)
        with self.store.unit_of_work() as uow:
            before = uow.organisations.get(organisation_id)
            AccessGateway(uow, actor).organisation("PracticeSetup.set_plan", organisation_id)
            after = attrs.evolve(before, plan=plan)
            uow.organisations.put(after)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.PLAN_CHANGED,
                new_id=self._new_id,
                subject_id=organisation_id,
                before={"plan": before.plan},
                after={"plan": plan},
            )
            uow.commit()
        return after

    def add_practitioner(
        self,
        actor: Actor,
        organisation_id: str,
        name: str,
        *,
        email: str | None = None,
        branch_id: str | None = None,
        practitioner_id: str | None = None,
        calendar_id: str | None = None,
    ) -> PractitionerAccount:
        """A1: a practitioner of ``organisation_id`` with one calendar of their own.

        ``branch_id`` is where the calendar lives (default: the organisation's first
        branch); its zone is the practitioner's own zone for their working times (A10).
        An id already taken, or a branch of another organisation, is a
        :class:`ValidationError` naming the field.
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            uow.organisations.get(organisation_id)
            AccessGateway(uow, actor).organisation(
                "PracticeSetup.add_practitioner", organisation_id
            )
            branches = sorted(
                (b for b in uow.branches.all() if b.organisation_id == organisation_id),
                key=lambda b: b.id,
            )
            if branch_id is not None and branch_id not in {b.id for b in branches}:
                raise ValidationError(
                    "branch_id", f"no branch {branch_id!r} in organisation {organisation_id!r}"
                )
            where = branch_id or (branches[0].id if branches else None)
            practitioner = Practitioner(
                practitioner_id or self._new_id(), organisation_id, name, email
            )
            if uow.practitioners.find(practitioner.id) is not None:
                raise ValidationError("practitioner_id", f"{practitioner.id!r} is taken")
            calendar = Calendar(
                calendar_id or self._new_id(), practitioner.id, f"{name}'s calendar", where
            )
            if uow.calendars.find(calendar.id) is not None:
                raise ValidationError("calendar_id", f"{calendar.id!r} is taken")
            uow.practitioners.put(practitioner)
            uow.calendars.put(calendar)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.PRACTITIONER_ADDED,
                new_id=self._new_id,
                subject_id=practitioner.id,
                after={
                    "name": name,
                    "email": email,
                    "calendar_id": calendar.id,
                    "branch_id": where,
                },
            )
            uow.commit()
        return PractitionerAccount(practitioner, calendar)

    def add_appointment_type(
        self,
        actor: Actor,
        organisation_id: str,
        name: str,
        *,
        duration: timedelta = timedelta(minutes=30),
        buffer_before: timedelta = timedelta(0),
        buffer_after: timedelta = timedelta(0),
        allows_auto_notifications: bool = True,
        is_group: bool = False,
        type_id: str | None = None,
    ) -> AppointmentType:
        """A2/A10: a type of appointment with its default duration and its buffers (time
        before and after that blocks the room but is never shown to the client).

        B1: the type belongs to ``organisation_id`` — only that practice lists and books
        it. A type id already in the store is refused (``type_id``), whoever it belongs to,
        without saying whose it is: a new type never replaces one another practice (or
        every practice, for a shared type) books with.
        """
        now = self.clock.now()
        kind = AppointmentType(
            type_id or self._new_id(),
            name,
            duration,
            allows_auto_notifications,
            is_group,
            buffer_before=buffer_before,
            buffer_after=buffer_after,
            organisation_id=organisation_id,
        )
        with self.store.unit_of_work() as uow:
            uow.organisations.get(organisation_id)
            AccessGateway(uow, actor).organisation(
                "PracticeSetup.add_appointment_type", organisation_id
            )
            taken = uow.appointment_types.find(kind.id) is not None
            if taken or kind.id == BOOKING_REQUEST_TYPE_ID:  # reserved for the shared type
                raise ValidationError("type_id", f"{kind.id!r} is taken")
            uow.appointment_types.put(kind)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_TYPE_ADDED,
                new_id=self._new_id,
                # The organisation, so that its administration finds the entry (B1/B3).
                subject_id=organisation_id,
                after={
                    "type_id": kind.id,
                    "name": name,
                    "minutes": duration / timedelta(minutes=1),
                    "buffer_before_minutes": buffer_before / timedelta(minutes=1),
                    "buffer_after_minutes": buffer_after / timedelta(minutes=1),
                    "allows_auto_notifications": allows_auto_notifications,
                    "is_group": is_group,
                },
            )
            uow.commit()
        return kind

    def overview(self, actor: Actor, organisation_id: str) -> PracticeOverview:
        """A1/A5/A10: the organisation's branches, rooms, practitioners with calendars,
        its own and the shared appointment types and the working times — for the practice
        itself (B1)."""
        with self.store.unit_of_work(write=False) as uow:
            organisation = uow.organisations.get(organisation_id)
            AccessGateway(uow, actor).organisation("PracticeSetup.overview", organisation_id)
            branches = tuple(
                sorted(
                    (b for b in uow.branches.all() if b.organisation_id == organisation_id),
                    key=lambda b: b.id,
                )
            )
            zones = {b.id: b.time_zone for b in branches}
            rooms = tuple(sorted((r for r in uow.rooms.all() if r.branch_id in zones), key=_id))
            practitioners = sorted(
                (p for p in uow.practitioners.all() if p.organisation_id == organisation_id),
                key=_id,
            )
            calendars = sorted(uow.calendars.all(), key=_id)
            accounts = tuple(
                PractitionerAccount(p, c)
                for p in practitioners
                for c in calendars
                if c.owner_id == p.id
            )
            ids = {p.id for p in practitioners}
            room_zone = {r.id: zones[r.branch_id] for r in rooms}
            return PracticeOverview(
                organisation=organisation,
                branches=branches,
                rooms=rooms,
                practitioners=accounts,
                appointment_types=tuple(sorted(types_of(uow, organisation_id), key=_id)),
                practitioner_hours=tuple(
                    sorted(
                        (h for h in uow.practitioner_hours.all() if h.practitioner_id in ids),
                        key=lambda h: (h.practitioner_id, h.id),
                    )
                ),
                room_hours=tuple(
                    sorted(
                        (
                            a.in_branch_zone(room_zone[a.room_id])
                            for a in uow.availabilities.all()
                            if a.room_id in room_zone
                        ),
                        key=lambda a: (a.room_id, a.id),
                    )
                ),
            )


def _id(record: Room | Practitioner | Calendar | AppointmentType) -> str:
    return record.id
