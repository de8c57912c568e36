"""B1/B2/A7: the access gateway — the one place that decides what an actor may see and do.

A service opens a unit of work, builds an :class:`AccessGateway` for the actor and asks it
before it reads or changes anything: the gateway works out how the actor stands to the
data (:class:`~lemnicore.access.matrix.Relation`) and looks the answer up in the permission
matrix (:data:`~lemnicore.access.matrix.PERMISSIONS`). Services never decide alone.

Deny by default: an actor without an organisation is refused everything (only the system
actor of a job acts without one); a relation the matrix does not list is refused.

Whose data is whose (B1): in a calendar community each member owner is their own data
controller, even when members share one organisation record. A client is *controlled* by
the owners of the calendars holding their appointments and by the owner who registered
them. An owner who shares a community with another owner of the same organisation sees
only clients they control (or that no community member controls); a practice without
communities shares its clients across its calendars on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable

from lemnicore.access.actors import Actor, Role
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.access.lookups import Lookups
from lemnicore.access.matrix import Relation, rule_for
from lemnicore.access.policy import Permission, grant_id
from lemnicore.errors import AccessDeniedError
from lemnicore.scheduling.clients import Client

_STAFF = (Role.FRONT_DESK, Role.ACCOUNTING)

_OWNERS = frozenset(
    {(Role.OWNER, Relation.OWN), (Role.OWNER, Relation.COMMUNITY), (Role.SYSTEM, Relation.SYSTEM)}
)

_SYSTEM_ONLY = frozenset({(Role.SYSTEM, Relation.SYSTEM)})

_REASONS = {
    Relation.NO_ORGANISATION: "an actor without an organisation may do nothing (B1: deny by"
    " default; only the system actor of a job acts without one)",
    Relation.COMMUNITY: "a calendar-community member sees busy/free only, never another"
    " member's data, and books there only with a grant (A7, B1, B2)",
    Relation.COLLEAGUE: "only the calendar's owner, their practice's staff, or someone the"
    " owner granted access to (B2)",
    Relation.OTHER_ORGANISATION: "the actor does not work for the organisation the data belongs"
    " to and holds no grant for it (B1, B2)",
}


class AccessGateway:
    """Decisions for one actor inside one unit of work (look-ups are cached per call)."""

    def __init__(self, uow: Lookups, actor: Actor) -> None:
        self.uow = uow
        self.actor = actor
        self._org_of_practitioner: dict[str, str | None] = {}
        self._granted: list[str] | None = None
        self._co_members: set[str] | None = None
        self._controllers: dict[str, frozenset[str]] = {}

    # -- decisions -------------------------------------------------------------------------

    def require(self, operation: str, relation: Relation, what: str = "") -> Relation:
        """Raise :class:`AccessDeniedError` naming actor and operation unless the matrix
        allows the actor's role in ``relation``, with the row's scope (B1)."""
        rule = rule_for(operation)
        action = f"{operation}" + (f" ({what})" if what else "")
        if (self.actor.role, relation) not in rule.allowed:
            reason = _REASONS.get(
                relation,
                f"a {self.actor.role.value} in the relation {relation.value!r} may not (B1)",
            )
            if rule.allowed == _SYSTEM_ONLY:
                reason = "only the system actor may (B1: bootstrapping the store is the operator's)"
            elif relation is not Relation.NO_ORGANISATION and rule.target == "community":
                reason = f"only members of the community may ({reason})"
            elif relation is not Relation.NO_ORGANISATION and rule.allowed <= _OWNERS:
                reason = f"only the owner may ({reason})"
            if (
                relation is not Relation.NO_ORGANISATION
                and rule.scope is not None
                and not self.actor.has_scope(rule.scope)
            ):
                reason = (
                    f"the role {self.actor.role.value!r} does not include the scope"
                    f" {rule.scope.value!r} (B1)"
                )
            raise AccessDeniedError(self.actor.id, action, reason)
        if (
            rule.scope is not None
            and self.actor.role is not Role.SYSTEM
            and not self.actor.has_scope(rule.scope)
        ):
            raise AccessDeniedError(
                self.actor.id,
                action,
                f"the role {self.actor.role.value!r} does not include the scope"
                f" {rule.scope.value!r} (B1)",
            )
        return relation

    def calendar(
        self, operation: str, calendar_id: str, permission: Permission = Permission.VIEW
    ) -> Relation:
        """Check ``operation`` on data of ``calendar_id``; returns the relation."""
        relation = self.relation_to_calendar(calendar_id, permission)
        return self.require(operation, relation, f"{permission.value} in calendar {calendar_id!r}")

    def client(self, operation: str, client: Client) -> Relation:
        return self.require(operation, self.relation_to_client(client), f"client {client.id!r}")

    def organisation(self, operation: str, organisation_id: str) -> Relation:
        relation = self.relation_to_organisation(organisation_id)
        return self.require(operation, relation, f"organisation {organisation_id!r}")

    def room(self, operation: str, room_id: str) -> Relation:
        return self.require(operation, self.relation_to_room(room_id), f"room {room_id!r}")

    def community(self, operation: str, calendar_ids: Iterable[str], community_id: str) -> Relation:
        """A community's members act on it: the actor's best relation to a member calendar."""
        relation = self._base()
        if relation is None:
            best = Relation.OTHER_ORGANISATION
            for calendar_id in sorted(calendar_ids):
                if self.relation_to_calendar(calendar_id, Permission.VIEW) is Relation.OWN:
                    best = Relation.OWN
                    break
            relation = best
        return self.require(operation, relation, f"community {community_id!r}")

    def store(self, operation: str) -> Relation:
        """Store-wide housekeeping: any owner acting for an organisation, or the system."""
        relation = self._base()
        if relation is None:
            relation = Relation.OWN if self.actor.role is Role.OWNER else Relation.STAFF
        return self.require(operation, relation)

    # -- relations -------------------------------------------------------------------------

    def relation_without_data(self) -> Relation:
        """No data to measure against (e.g. a message without a client): only the system
        may act (deny by default)."""
        return self._base() or Relation.OTHER_ORGANISATION

    def _base(self) -> Relation | None:
        if self.actor.role is Role.SYSTEM:
            return Relation.SYSTEM
        if self.actor.organisation_id is None:
            return Relation.NO_ORGANISATION
        return None

    def organisation_of_practitioner(self, practitioner_id: str) -> str | None:
        if practitioner_id not in self._org_of_practitioner:
            found = self.uow.practitioners.find(practitioner_id)
            self._org_of_practitioner[practitioner_id] = (
                found.organisation_id if found is not None else None
            )
        return self._org_of_practitioner[practitioner_id]

    def organisation_of_calendar(self, calendar_id: str) -> str | None:
        calendar = self.uow.calendars.find(calendar_id)
        return None if calendar is None else self.organisation_of_practitioner(calendar.owner_id)

    def _has_grant(self, calendar_id: str, permission: Permission) -> bool:
        for who in sorted({w for w in (self.actor.id, self.actor.practitioner_id) if w}):
            grant = self.uow.grants.find(grant_id(calendar_id, who))
            if grant is not None and permission in grant.permissions:
                return True
        return False

    def granted_calendars(self) -> list[str]:
        """The calendars someone granted this actor (B2)."""
        if self._granted is None:
            who = {w for w in (self.actor.id, self.actor.practitioner_id) if w}
            self._granted = sorted(
                g.calendar_id for g in self.uow.grants.all() if g.grantee_id in who
            )
        return self._granted

    def co_members(self) -> set[str]:
        """Owners (practitioner ids) sharing a calendar community with this owner (A7)."""
        if self._co_members is None:
            members: set[str] = set()
            me = self.actor.practitioner_id
            if self.actor.role is Role.OWNER and me:
                # Communities are few; most practices have none, so this is one read.
                for community in self.uow.communities.all():
                    member_owners = {
                        c.owner_id
                        for c in (self.uow.calendars.find(i) for i in community.calendar_ids)
                        if c is not None
                    }
                    if me in member_owners:
                        members |= member_owners - {me}
            self._co_members = members
        return self._co_members

    def relation_to_calendar(
        self, calendar_id: str, permission: Permission = Permission.VIEW
    ) -> Relation:
        base = self._base()
        if base is not None:
            return base
        calendar = self.uow.calendars.get(calendar_id)
        organisation_id = self.organisation_of_practitioner(calendar.owner_id)
        same = organisation_id is not None and organisation_id == self.actor.organisation_id
        if (
            self.actor.role is Role.OWNER
            and self.actor.practitioner_id == calendar.owner_id
            and same
        ):
            return Relation.OWN
        if self._has_grant(calendar_id, permission):
            return Relation.DELEGATE
        if self.actor.role in _STAFF and same:
            return Relation.STAFF
        if self.actor.role is Role.OWNER and calendar.owner_id in self.co_members():
            return Relation.COMMUNITY
        if self.actor.role is Role.OWNER and same:
            return Relation.COLLEAGUE
        return Relation.OTHER_ORGANISATION

    def controllers(self, client: Client) -> frozenset[str]:
        """B1: the owners (practitioner ids) whose client ``client`` is."""
        if client.id not in self._controllers:
            owners: set[str] = set()
            calendars = {a.calendar_id for a in self.uow.appointments.of_client(client.id)}
            for calendar_id in calendars:
                calendar = self.uow.calendars.find(calendar_id)
                if calendar is not None:
                    owners.add(calendar.owner_id)
            for entry in self.uow.audit.query(client_id=client.id):
                if entry.action == AuditAction.CLIENT_CREATED.value and entry.after:
                    registered_by = entry.after.get("practitioner_id")
                    if isinstance(registered_by, str):
                        owners.add(registered_by)
            self._controllers[client.id] = frozenset(owners)
        return self._controllers[client.id]

    def relation_to_client(self, client: Client) -> Relation:
        base = self._base()
        if base is not None:
            return base
        same = self.actor.organisation_id == client.organisation_id
        if same and self.actor.role in _STAFF:
            return Relation.STAFF
        if same and self.actor.role is Role.OWNER:
            separated = self.co_members()
            if not separated:
                return Relation.OWN
            controllers = self.controllers(client)
            if self.actor.practitioner_id in controllers or not (controllers & separated):
                return Relation.OWN
            # Another member's client: busy/free only — unless that member granted the
            # actor their calendar (B2), which makes the actor their delegate.
            return self._delegate_for(client) or Relation.COMMUNITY
        return self._delegate_for(client) or Relation.OTHER_ORGANISATION

    def _delegate_for(self, client: Client) -> Relation | None:
        granted = self.granted_calendars()
        if granted:
            controllers = self.controllers(client)
            for calendar_id in granted:
                calendar = self.uow.calendars.find(calendar_id)
                if calendar is None:
                    continue
                owner_org = self.organisation_of_practitioner(calendar.owner_id)
                if owner_org == client.organisation_id and (
                    calendar.owner_id in controllers or not controllers
                ):
                    return Relation.DELEGATE
        return None

    def relation_to_organisation(self, organisation_id: str) -> Relation:
        base = self._base()
        if base is not None:
            return base
        self.uow.organisations.get(organisation_id)
        same = self.actor.organisation_id == organisation_id
        if same and self.actor.role is Role.OWNER:
            separated = {
                p
                for p in self.co_members()
                if self.organisation_of_practitioner(p) == organisation_id
            }
            return Relation.COMMUNITY if separated else Relation.OWN
        if same and self.actor.role in _STAFF:
            return Relation.STAFF
        for calendar_id in self.granted_calendars():
            if self.organisation_of_calendar(calendar_id) == organisation_id:
                return Relation.DELEGATE
        return Relation.OTHER_ORGANISATION

    def relation_to_room(self, room_id: str) -> Relation:
        base = self._base()
        if base is not None:
            return base
        room = self.uow.rooms.get(room_id)
        organisation_id = self.uow.branches.get(room.branch_id).organisation_id
        relation = self.relation_to_organisation(organisation_id)
        if relation is not Relation.OTHER_ORGANISATION:
            return relation
        if self.actor.role is Role.OWNER and self.actor.practitioner_id:
            mine = {
                c.id for c in self.uow.calendars.all() if c.owner_id == self.actor.practitioner_id
            }
            for community in self.uow.communities.all():
                if room_id in community.room_ids and mine & community.calendar_ids:
                    return Relation.COMMUNITY
        return relation

    def require_room_reach(self, operation: str, room_id: str) -> None:
        """A7: a community shares only rooms its members book in themselves."""
        relation = self.relation_to_room(room_id)
        if relation not in (Relation.OWN, Relation.COMMUNITY, Relation.SYSTEM):
            raise AccessDeniedError(
                self.actor.id,
                f"{operation} (room {room_id!r})",
                f"the room is not the actor's to share (relation {relation.value!r}, A7)",
            )

    # -- role-shaped reading ------------------------------------------------------------------

    def sees_client(self, client: Client, relation: Relation) -> bool:
        """Within an allowed organisation-wide call (a search, a work list): whether this
        client is one the actor may see (B1: not a community member's, A7)."""
        if relation in (Relation.SYSTEM, Relation.STAFF):
            return self.actor.organisation_id in (None, client.organisation_id) or (
                relation is Relation.SYSTEM
            )
        return self.relation_to_client(client) in (Relation.OWN, Relation.DELEGATE)

    def sees_audit_entry(self, entry: AuditEntry, organisation_id: str, relation: Relation) -> bool:
        """B1/B3: entries of ``organisation_id`` only; a community member only those about
        their own calendars, clients and actions."""
        if self.entry_organisation(entry) != organisation_id:
            return False
        if relation is not Relation.COMMUNITY:
            return True
        if entry.actor_id == self.actor.id:
            return True
        me = self.actor.practitioner_id
        if entry.appointment_id is not None:
            appointment = self.uow.appointments.find(entry.appointment_id)
            if appointment is not None:
                calendar = self.uow.calendars.find(appointment.calendar_id)
                return calendar is not None and calendar.owner_id == me
        if entry.client_id is not None:
            client = self.uow.clients.find(entry.client_id)
            return client is not None and self.relation_to_client(client) is Relation.OWN
        if entry.subject_id is not None:
            calendar_id = entry.subject_id.split(":", 1)[0]
            calendar = self.uow.calendars.find(calendar_id)
            if calendar is not None:
                return calendar.owner_id == me
            community = self.uow.communities.find(entry.subject_id)
            if community is not None:
                return any(
                    (c := self.uow.calendars.find(cid)) is not None and c.owner_id == me
                    for cid in community.calendar_ids
                )
        return False

    def entry_organisation(self, entry: AuditEntry) -> str | None:
        """The organisation an audit entry is about (``None``: cannot tell → shown to nobody
        but an unfiltered system read)."""
        uow = self.uow
        if entry.appointment_id is not None:
            appointment = uow.appointments.find(entry.appointment_id)
            if appointment is not None:
                return self.organisation_of_calendar(appointment.calendar_id)
        if entry.client_id is not None:
            client = uow.clients.find(entry.client_id)
            if client is not None:
                return client.organisation_id
        subject = entry.subject_id
        if subject is None:
            return None
        if (room := uow.rooms.find(subject)) is not None:
            return uow.branches.get(room.branch_id).organisation_id
        if (organisation := uow.organisations.find(subject)) is not None:
            return organisation.id
        if (account := uow.staff_accounts.find(subject)) is not None:
            return account.organisation_id
        if (practitioner := uow.practitioners.find(subject)) is not None:
            return practitioner.organisation_id
        if (community := uow.communities.find(subject)) is not None:
            for calendar_id in sorted(community.calendar_ids):
                if (found := self.organisation_of_calendar(calendar_id)) is not None:
                    return found
        if (run := uow.import_runs.find(subject)) is not None:
            return getattr(run, "organisation_id", None)
        return self.organisation_of_calendar(subject.split(":", 1)[0])


__all__ = ["AccessGateway"]
