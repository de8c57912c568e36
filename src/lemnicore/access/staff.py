"""B1/B4: staff accounts (front desk, accounting) of an organisation — XL plan only."""

from __future__ import annotations

from typing import Any

import attrs

from lemnicore._validators import non_empty, to_frozenset
from lemnicore.access.actors import ROLE_SCOPES, Actor, Role, Scope
from lemnicore.errors import ValidationError

STAFF_ROLES = frozenset({Role.FRONT_DESK, Role.ACCOUNTING})


def _staff_role(instance: StaffAccount, attribute: attrs.Attribute[Any], value: Role) -> None:
    if value not in STAFF_ROLES:
        raise ValidationError(
            "role",
            f"a staff account is front desk or accounting, got {value!r}",
            record=f"StaffAccount {instance.id!r}",
        )


def _within_role(
    instance: StaffAccount, attribute: attrs.Attribute[Any], value: frozenset[Scope]
) -> None:
    # "Share only what is needed": a staff account can be narrowed, never widened.
    extra = value - ROLE_SCOPES[instance.role]
    if extra:
        raise ValidationError(
            "scopes",
            f"the role {instance.role.value!r} cannot have {sorted(s.value for s in extra)}",
            record=f"StaffAccount {instance.id!r}",
        )


def _to_scopes(values: Any) -> frozenset[Scope]:
    return frozenset(Scope(v) for v in to_frozenset(values))


@attrs.frozen
class StaffAccount:
    """A staff member's account; :meth:`actor` is who they are when they act (B1)."""

    id: str = attrs.field(validator=non_empty)
    organisation_id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    role: Role = attrs.field(validator=_staff_role)
    scopes: frozenset[Scope] = attrs.field(converter=_to_scopes, validator=_within_role)
    active: bool = True

    def actor(self) -> Actor:
        return Actor(
            id=self.id,
            role=self.role,
            name=self.name,
            organisation_id=self.organisation_id,
            scopes=self.scopes,
        )
