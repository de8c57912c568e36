"""B1/B2/A7: may this actor do this in that calendar?"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime

import attrs

from lemnicore._validators import aware, instant, non_empty, to_frozenset
from lemnicore.access.actors import Actor, Role
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


def authorize(
    actor: Actor, permission: Permission, calendar: Calendar, grants: Iterable[Grant] = ()
) -> None:
    """Raise :class:`AccessDeniedError` unless ``actor`` may ``permission`` in ``calendar``.

    B1: the owner may do everything in their own calendars; front desk staff manage
    appointments; accounting only reads; the system acts for the organisation. B2/A7: anyone
    else, another community member included, needs a grant from the calendar's owner.
    """
    if actor.role is Role.SYSTEM:
        return
    if actor.role is Role.OWNER and actor.practitioner_id == calendar.owner_id:
        return
    if actor.role is Role.FRONT_DESK:
        return
    if actor.role is Role.ACCOUNTING and permission is Permission.VIEW:
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
        f"{permission.value} in calendar {calendar.id!r}",
        "only the calendar's owner, or someone they granted access to (B2)",
    )
