"""B1: who acts — every call that changes something carries an :class:`Actor`."""

from __future__ import annotations

import enum

import attrs

from lemnicore._validators import non_empty


class Role(enum.StrEnum):
    """B1 roles. ``SYSTEM`` is lemnicore's own services (the hourly notifier, an import)."""

    OWNER = "owner"
    DELEGATE = "delegate"
    FRONT_DESK = "front_desk"
    ACCOUNTING = "accounting"
    CLIENT = "client"
    SYSTEM = "system"


@attrs.frozen
class Actor:
    """Someone acting: a practitioner (``OWNER`` of their calendars), staff, or the system.

    ``practitioner_id`` links owners and delegates to their practitioner account.
    """

    id: str = attrs.field(validator=non_empty)
    role: Role
    name: str = ""
    practitioner_id: str | None = None
    organisation_id: str | None = None


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, name="lemnicore")
