"""B4: setting up a practice within its plan — rooms, staff accounts, the plan itself."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from lemnicore.access.actors import ROLE_SCOPES, Actor, Role, Scope
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.plans import plan_named
from lemnicore.access.staff import StaffAccount
from lemnicore.clock import Clock
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.practice import Organisation, Room
from lemnicore.services.booking import record
from lemnicore.services.entitlements import Entitlements
from lemnicore.storage.ports import Store


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
