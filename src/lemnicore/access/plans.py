"""B4: plans (entitlements) as data — what an organisation's subscription allows.

The limits are values, not code: :data:`DEFAULT_PLANS` holds the source's S/M/L/XL, and
:func:`plans_from_mapping` builds a catalog from configuration (e.g. a JSON or TOML table).
The checks are pure functions over a :class:`Plan` and the current usage; the services
look up the usage and call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from lemnicore._validators import non_empty
from lemnicore.errors import PlanLimitError, ValidationError


def _optional_limit(instance: Plan, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (not isinstance(value, int) or value < 0):
        raise ValidationError(
            attribute.name,
            f"must be a whole number ≥ 0 or None (no limit), got {value!r}",
            record=f"Plan {instance.name!r}",
        )


@attrs.frozen
class Plan:
    """B4: one plan. ``None`` as a number means "no limit"."""

    name: str = attrs.field(validator=non_empty)
    rooms: int | None = attrs.field(default=None, validator=_optional_limit)
    appointments_per_month: int | None = attrs.field(default=None, validator=_optional_limit)
    delegated_booking: bool = False
    staff_accounts: bool = False


PlanCatalog = Mapping[str, Plan]
"""Plans by name; :attr:`lemnicore.scheduling.practice.Organisation.plan` names one."""

_S = Plan("S", rooms=1, appointments_per_month=30)
_M = Plan("M", rooms=2, appointments_per_month=100)
_L = attrs.evolve(_M, name="L", delegated_booking=True)
_XL = attrs.evolve(_L, name="XL", staff_accounts=True)

DEFAULT_PLANS: PlanCatalog = {p.name: p for p in (_S, _M, _L, _XL)}
"""B4 defaults from the source: S = 1 room, 30 appointments a month; M = 2 rooms, 100 a
month; L = M + delegated booking; XL = L + staff accounts."""

_PLAN_KEYS = {f.name for f in attrs.fields(Plan)} - {"name"}


def plans_from_mapping(config: Mapping[str, Mapping[str, Any]]) -> dict[str, Plan]:
    """B4: a plan catalog from configuration data, e.g. ``{"S": {"rooms": 1, …}}``.

    Unknown keys are refused (a typo must not silently lift a limit).
    """
    plans: dict[str, Plan] = {}
    for name, values in config.items():
        unknown = set(values) - _PLAN_KEYS
        if unknown:
            raise ValidationError(
                sorted(unknown)[0], f"not a plan setting (use {sorted(_PLAN_KEYS)})", record=name
            )
        plans[name] = Plan(name=name, **values)
    return plans


def plan_named(plans: PlanCatalog, name: str) -> Plan:
    """The plan called ``name``; a :class:`ValidationError` naming ``plan`` if there is none."""
    try:
        return plans[name]
    except KeyError:
        raise ValidationError("plan", f"unknown plan {name!r} (known: {sorted(plans)})") from None


def check_rooms(plan: Plan, rooms_now: int) -> None:
    """B4: refuse one more room beyond the plan's room limit."""
    if plan.rooms is not None and rooms_now + 1 > plan.rooms:
        raise PlanLimitError(
            f"plan {plan.name} allows {plan.rooms} room(s); there are {rooms_now} already"
            " (limit: rooms)",
            plan=plan.name,
            limit="rooms",
        )


def check_appointments_per_month(plan: Plan, booked_in_month: int, month: str) -> None:
    """B4: refuse one more appointment beyond the plan's monthly limit (``month`` = YYYY-MM)."""
    limit = plan.appointments_per_month
    if limit is not None and booked_in_month + 1 > limit:
        raise PlanLimitError(
            f"plan {plan.name} allows {limit} appointments per month; {month} has"
            f" {booked_in_month} already (limit: appointments_per_month)",
            plan=plan.name,
            limit="appointments_per_month",
        )


def check_delegated_booking(plan: Plan) -> None:
    """B4: delegated booking in another account's calendar needs plan L or higher."""
    if not plan.delegated_booking:
        raise PlanLimitError(
            f"plan {plan.name} does not include delegated booking (limit: delegated_booking)",
            plan=plan.name,
            limit="delegated_booking",
        )


def check_staff_accounts(plan: Plan) -> None:
    """B4: staff accounts (front desk, accounting) need plan XL."""
    if not plan.staff_accounts:
        raise PlanLimitError(
            f"plan {plan.name} does not include staff accounts (limit: staff_accounts)",
            plan=plan.name,
            limit="staff_accounts",
        )
