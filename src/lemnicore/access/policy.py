"""B1/B2/A7: may this actor do this in that calendar?"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs

from lemnicore._validators import aware, instant, non_empty, to_frozenset
from lemnicore.access.actors import Actor, Role, Scope
from lemnicore.errors import AccessDeniedError
from lemnicore.scheduling.practice import Calendar


class Permission(enum.StrEnum):
    """What can be done to appointments of a calendar."""

    VIEW = "view appointments"
    BOOK = "book appointments"
    MOVE = "move appointments"
    CANCEL = "cancel appointments"


@attrs.frozen
class Grant:
    """B2: the owner of ``calendar_id`` lets ``grantee_id`` book in it."""

    calendar_id: str = attrs.field(validator=non_empty)
    grantee_id: str = attrs.field(validator=non_empty)
    granted_by: str = attrs.field(validator=non_empty)
    granted_at: datetime = attrs.field(converter=instant, validator=aware)
    permissions: frozenset[Permission] = attrs.field(
        default=frozenset(Permission), converter=to_frozenset
    )

    @property
    def id(self) -> str:
        """One grant per calendar and grantee; a new grant replaces the old one."""
        return grant_id(self.calendar_id, self.grantee_id)


def grant_id(calendar_id: str, grantee_id: str) -> str:
    """The id of the grant of ``calendar_id`` to ``grantee_id`` (B2), for a direct lookup."""
    return f"{calendar_id}:{grantee_id}"


def require_scope(actor: Actor, scope: Scope, action: str) -> None:
    """B1: raise :class:`AccessDeniedError` unless ``actor``'s role (as narrowed) has ``scope``."""
    if not actor.has_scope(scope):
        raise AccessDeniedError(
            actor.id,
            action,
            f"the role {actor.role.value!r} does not include the scope {scope.value!r} (B1)",
        )


def _permission_scope(permission: Permission) -> Scope:
    return Scope.APPOINTMENTS_READ if permission is Permission.VIEW else Scope.APPOINTMENTS


def authorize(
    actor: Actor,
    permission: Permission,
    calendar: Calendar,
    grants: Iterable[Grant] = (),
    *,
    calendar_organisation_id: str | None = None,
) -> None:
    """Raise :class:`AccessDeniedError` unless ``actor`` may ``permission`` in ``calendar``.

    B1: the owner may do everything in their own calendars; front desk staff manage
    appointments and accounting only reads — both only within their own organisation when
    ``calendar_organisation_id`` is known, and only with the scope their (possibly narrowed)
    role has. The system acts for the organisation. B2/A7: anyone else, another community
    member included, needs a grant from the calendar's owner.
    """
    if actor.role is Role.SYSTEM:
        return
    action = f"{permission.value} in calendar {calendar.id!r}"
    require_scope(actor, _permission_scope(permission), action)
    # B1, deny by default: an actor without an organisation may do nothing; an unknown
    # calendar organisation matches nobody. (Services decide through the access gateway.)
    if actor.organisation_id is None:
        raise AccessDeniedError(
            actor.id, action, "an actor without an organisation may do nothing (B1)"
        )
    if (
        actor.role is Role.OWNER
        and actor.practitioner_id == calendar.owner_id
        and calendar_organisation_id in (None, actor.organisation_id)
    ):
        return
    same_organisation = actor.organisation_id == calendar_organisation_id
    if actor.role in (Role.FRONT_DESK, Role.ACCOUNTING) and same_organisation:
        return
    for grant in grants:
        if (
            grant.calendar_id == calendar.id
            and grant.grantee_id in (actor.id, actor.practitioner_id)
            and permission in grant.permissions
        ):
            return
    raise AccessDeniedError(
        actor.id,
        action,
        "only the calendar's owner, their practice's staff, or someone the owner granted"
        " access to (B2)",
    )
