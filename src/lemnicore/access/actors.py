"""B1: who acts — every call that changes something carries an :class:`Actor`.

Roles come with scopes: what kind of data and action a role may touch at all. A staff
account (B1, XL plan) may be narrowed to fewer scopes than its role allows ("share only what
is needed"), never widened.
"""

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


class Scope(enum.StrEnum):
    """B1: the areas a role can be given (the source's "Terminverwaltung", "Finanzen", …)."""

    APPOINTMENTS = "appointments"
    """Book, move and cancel appointments (in calendars the role reaches)."""
    APPOINTMENTS_READ = "appointments_read"
    """See appointments without changing them."""
    CLIENT_BOOKING_FIELDS = "client_booking_fields"
    """A client's name and contact data — what booking needs, nothing more."""
    CLIENT_RECORDS = "client_records"
    """The whole client record: birthday, notes, tags, consent."""
    DOCUMENTATION = "documentation"
    INVOICING = "invoicing"
    REPORTS = "reports"
    FINANCE = "finance"
    ADMINISTRATION = "administration"
    """Rooms, staff accounts, grants, erasure, the audit log."""


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.OWNER: frozenset(Scope),
    Role.SYSTEM: frozenset(Scope),
    # B1: a delegate books, moves and cancels in granted calendars and sees only the client
    # fields booking needs (no notes, no diagnosis).
    Role.DELEGATE: frozenset(
        {Scope.APPOINTMENTS, Scope.APPOINTMENTS_READ, Scope.CLIENT_BOOKING_FIELDS}
    ),
    Role.FRONT_DESK: frozenset(
        {Scope.APPOINTMENTS, Scope.APPOINTMENTS_READ, Scope.CLIENT_BOOKING_FIELDS}
    ),
    Role.ACCOUNTING: frozenset(
        {
            Scope.APPOINTMENTS_READ,
            Scope.CLIENT_BOOKING_FIELDS,
            Scope.INVOICING,
            Scope.REPORTS,
            Scope.FINANCE,
        }
    ),
    Role.CLIENT: frozenset(),
}
"""The most each role may ever do; a staff account can be given a subset."""


def _scopes(value: frozenset[Scope] | set[Scope] | None) -> frozenset[Scope] | None:
    return None if value is None else frozenset(Scope(s) for s in value)


@attrs.frozen
class Actor:
    """Someone acting: a practitioner (``OWNER`` of their calendars), staff, or the system.

    ``practitioner_id`` links owners and delegates to their practitioner account.
    ``scopes`` narrows the role's scopes (B1); ``None`` means all the role allows.
    """

    id: str = attrs.field(validator=non_empty)
    role: Role
    name: str = ""
    practitioner_id: str | None = None
    organisation_id: str | None = None
    scopes: frozenset[Scope] | None = attrs.field(default=None, converter=_scopes)

    @property
    def effective_scopes(self) -> frozenset[Scope]:
        """The scopes this actor really has: the role's, narrowed by ``scopes``."""
        allowed = ROLE_SCOPES[self.role]
        return allowed if self.scopes is None else allowed & self.scopes

    def has_scope(self, scope: Scope) -> bool:
        return scope in self.effective_scopes


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, name="lemnicore")
"""B1/B3: who lemnicore itself is when it acts (the notification service, imports)."""
