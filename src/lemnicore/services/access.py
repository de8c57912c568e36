"""B1–B3: granting delegated access, reading clients by role, and reading the audit log.

Every call carries an :class:`~lemnicore.access.actors.Actor`; refusals are
:class:`~lemnicore.errors.AccessDeniedError` naming who, what and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from lemnicore.access.actors import Actor, Role, Scope
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.policy import Grant, Permission, require_scope
from lemnicore.access.views import ClientForBooking
from lemnicore.clock import Clock
from lemnicore.errors import AccessDeniedError, NotFoundError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.practice import Calendar
from lemnicore.services.booking import record
from lemnicore.services.entitlements import Entitlements
from lemnicore.services.lookup import organisation_of_calendar
from lemnicore.storage.ports import Store


def require_calendar_owner(actor: Actor, calendar: Calendar, action: str) -> None:
    """Only the account owning ``calendar`` (or the system) may do this (A7, B2).

    Kept for callers outside the services; services ask :class:`AccessGateway`."""
    if actor.role is Role.SYSTEM:
        return
    if (
        actor.role is Role.OWNER
        and actor.organisation_id is not None
        and actor.practitioner_id == calendar.owner_id
    ):
        return
    raise AccessDeniedError(actor.id, action, f"only the owner of calendar {calendar.id!r} may")


def require_administration(actor: Actor, organisation_id: str, action: str) -> None:
    """B1: practice administration (rooms, staff, grants, erasure, audit) of one organisation.

    Deny by default: an actor without an organisation is refused (only the system acts
    without one)."""
    require_scope(actor, Scope.ADMINISTRATION, action)
    if actor.role is not Role.SYSTEM and actor.organisation_id != organisation_id:
        raise AccessDeniedError(
            actor.id, action, f"the actor does not belong to the organisation {organisation_id!r}"
        )


class CalendarAccess:
    """B2: the owner of a calendar opens it to someone else (plan L or higher, B4)."""

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

    def grant(
        self,
        actor: Actor,
        calendar_id: str,
        grantee_id: str,
        permissions: Iterable[Permission] = tuple(Permission),
    ) -> Grant:
        """B2: let ``grantee_id`` (an actor or practitioner id) act in ``calendar_id``.

        Only the calendar's owner may grant; the owner's plan must include delegated
        booking (B4). A new grant replaces an earlier one; both are audited (B3).
        """
        now = self.clock.now()
        wanted = frozenset(permissions)
        if not wanted:
            raise ValidationError("permissions", "a grant needs at least one permission")
        with self.store.unit_of_work() as uow:
            calendar = uow.calendars.get(calendar_id)
            AccessGateway(uow, actor).calendar("CalendarAccess.grant", calendar_id)
            if grantee_id in (calendar.owner_id, actor.id):
                raise ValidationError("grantee_id", "the owner needs no grant for their calendar")
            organisation = organisation_of_calendar(uow, calendar_id)
            self.entitlements.check_delegation(uow, organisation.id)
            grant = Grant(calendar_id, grantee_id, actor.id, now, wanted)
            previous = uow.grants.find(grant.id)
            uow.grants.put(grant)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.GRANT_GIVEN,
                new_id=self._new_id,
                subject_id=grant.id,
                before=None if previous is None else _grant_values(previous),
                after=_grant_values(grant),
            )
            uow.commit()
        return grant

    def revoke(self, actor: Actor, calendar_id: str, grantee_id: str) -> Grant:
        """B2: take a grant back; audited (B3). Unknown grants are a :class:`NotFoundError`."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            AccessGateway(uow, actor).calendar("CalendarAccess.revoke", calendar_id)
            grant = uow.grants.find(f"{calendar_id}:{grantee_id}")
            if grant is None:
                raise NotFoundError("grant", f"{calendar_id}:{grantee_id}")
            uow.grants.remove(grant.id)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.GRANT_REVOKED,
                new_id=self._new_id,
                subject_id=grant.id,
                before=_grant_values(grant),
            )
            uow.commit()
        return grant

    def grants_of(self, actor: Actor, calendar_id: str) -> list[Grant]:
        """The grants the owner has given for ``calendar_id``."""
        with self.store.unit_of_work(write=False) as uow:
            AccessGateway(uow, actor).calendar("CalendarAccess.grants_of", calendar_id)
            return [g for g in uow.grants.all() if g.calendar_id == calendar_id]


def _grant_values(grant: Grant) -> dict[str, object]:
    return {
        "calendar_id": grant.calendar_id,
        "grantee_id": grant.grantee_id,
        "permissions": sorted(p.value for p in grant.permissions),
    }


class ClientDirectory:
    """B1: client data as each role may see it.

    Delegates and front desk get :class:`ClientForBooking` (name and contact); the whole
    record is the owner's (and the system's). A community member sees none of another
    member's clients (A7).
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def for_booking(self, actor: Actor, client_id: str) -> ClientForBooking:
        """B1: what booking needs of one client — no notes, birthday or tags."""
        with self.store.unit_of_work(write=False) as uow:
            client = uow.clients.get(client_id)
            AccessGateway(uow, actor).client("ClientDirectory.for_booking", client)
            return ClientForBooking.from_client(client)

    def find_for_booking(
        self, actor: Actor, organisation_id: str, name: str
    ) -> list[ClientForBooking]:
        """B1: clients of ``organisation_id`` whose name contains ``name`` (case-insensitive),
        only those the actor may book for (a delegate: the granting owner's; a community
        member: their own)."""
        wanted = name.strip().casefold()
        with self.store.unit_of_work(write=False) as uow:
            gate = AccessGateway(uow, actor)
            relation = gate.organisation("ClientDirectory.find_for_booking", organisation_id)
            found = [
                c
                for c in uow.clients.all()
                if c.organisation_id == organisation_id
                and not c.erased
                and wanted in c.display_name.casefold()
                and gate.sees_client(c, relation)
            ]
            return [ClientForBooking.from_client(c) for c in found]

    def record(self, actor: Actor, client_id: str) -> Client:
        """The whole client record: the owner's (B1), never a community member's (A7)."""
        with self.store.unit_of_work(write=False) as uow:
            client = uow.clients.get(client_id)
            AccessGateway(uow, actor).client("ClientDirectory.record", client)
            return client


class AuditTrail:
    """B3: read the append-only audit log by appointment, client or actor.

    There is no way to change or delete entries here (nor in the store: SQLite triggers
    refuse it); only erasure (B5) may blank values.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def entries(
        self,
        actor: Actor,
        organisation_id: str,
        *,
        appointment_id: str | None = None,
        client_id: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        """Entries of ``organisation_id`` matching every given filter, oldest first.

        B1: needs ``administration``; only entries about that organisation; a community
        member sharing the organisation record sees only entries about their own
        calendars, clients and actions.
        """
        with self.store.unit_of_work(write=False) as uow:
            gate = AccessGateway(uow, actor)
            relation = gate.organisation("AuditTrail.entries", organisation_id)
            found = uow.audit.query(
                appointment_id=appointment_id, client_id=client_id, actor_id=actor_id, since=since
            )
            return [e for e in found if gate.sees_audit_entry(e, organisation_id, relation)]
