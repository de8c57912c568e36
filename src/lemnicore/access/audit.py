"""B3: the append-only audit log — who did what, when, with before and after."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from lemnicore._validators import aware, instant, non_empty


class AuditAction(enum.StrEnum):
    """What kind of change an audit entry records."""

    APPOINTMENT_CREATED = "appointment.created"
    APPOINTMENT_MOVED = "appointment.moved"
    APPOINTMENT_CHANGED = "appointment.changed"
    APPOINTMENT_STATUS = "appointment.status"
    APPOINTMENT_DELETED = "appointment.deleted"
    CLIENT_CREATED = "client.created"
    CLIENT_CONSENT_CHANGED = "client.consent_changed"
    CLIENT_CONTACT_CHANGED = "client.contact_changed"
    CLIENT_ERASED = "client.erased"
    CLIENT_EXPORTED = "client.exported"
    CLIENT_DELETED = "client.deleted"
    GRANT_GIVEN = "access.granted"
    GRANT_REVOKED = "access.revoked"
    STAFF_ACCOUNT_ADDED = "access.staff_added"
    ORGANISATION_CREATED = "practice.organisation_created"
    """A1: an organisation bootstrapped in the store (by the system actor)."""
    BRANCH_ADDED = "practice.branch_added"
    """A1: a branch (code, name, zone) added to an organisation."""
    ROOM_ADDED = "practice.room_added"
    PLAN_CHANGED = "practice.plan_changed"
    PRACTITIONER_ADDED = "practice.practitioner_added"
    APPOINTMENT_TYPE_ADDED = "practice.type_added"
    PRACTITIONER_HOURS_SET = "practice.practitioner_hours_set"
    """A10: a practitioner's own working times replaced (before/after)."""
    ROOM_HOURS_SET = "practice.room_hours_set"
    """A5: a room's working times replaced (before/after)."""
    COMMUNITY_CREATED = "community.created"
    COMMUNITY_INVITED = "community.invited"
    COMMUNITY_JOINED = "community.joined"
    COMMUNITY_DECLINED = "community.declined"
    COMMUNITY_LEFT = "community.left"
    ONLINE_RELEASED = "online.released"
    ONLINE_WITHDRAWN = "online.withdrawn"
    BOOKING_REQUESTED = "online.requested"
    BOOKING_CONFIRMED = "online.confirmed"
    LOGIN_CREATED = "client.login_created"
    LOGIN_PASSWORD_CHANGED = "client.password_changed"  # noqa: S105 (an action name)
    IMPORT_COMMITTED = "import.committed"
    IMPORT_RESET = "import.reset"
    STORE_COPIED = "store.copied"
    """F1: a whole practice copied into this store (source URL masked, rows per table)."""
    WAITING_LIST = "waiting_list.changed"
    """A11: an entry made, withdrawn or settled; a slot offered, passed over, declined, expired."""


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if value is None else dict(value)


@attrs.frozen
class AuditEntry:
    """One immutable line of the audit log (B3).

    ``before`` and ``after`` hold the changed fields only, as JSON-compatible values.
    """

    id: str = attrs.field(validator=non_empty)
    at: datetime = attrs.field(converter=instant, validator=aware)
    actor_id: str = attrs.field(validator=non_empty)
    action: str = attrs.field(validator=non_empty)
    appointment_id: str | None = None
    client_id: str | None = None
    subject_id: str | None = None
    before: Mapping[str, Any] | None = attrs.field(default=None, converter=_frozen_mapping)
    after: Mapping[str, Any] | None = attrs.field(default=None, converter=_frozen_mapping)
    note: str = ""


REDACTED = "[erased]"
"""B5: what an erased value reads as in the audit log (the field names stay, the values go)."""


def redacted(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """B5: ``values`` with every value replaced by :data:`REDACTED`, keys kept."""
    return None if values is None else dict.fromkeys(values, REDACTED)


def redact_entry(entry: AuditEntry) -> AuditEntry:
    """B5: the entry keeping its metadata (who, when, what kind) without the values.

    The note is redacted too when there is one: it is free text (a cancellation reason)
    and may name the client.
    """
    return attrs.evolve(
        entry,
        before=redacted(entry.before),
        after=redacted(entry.after),
        note=REDACTED if entry.note else "",
    )


def changed_fields(
    before: object, after: object, fields: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values of ``fields`` that differ between two attrs values, as JSON-ready dicts."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for name in fields:
        a, b = getattr(before, name), getattr(after, name)
        if a != b:
            old[name], new[name] = _jsonable(a), _jsonable(b)
    return old, new


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value
