"""B1: the permission matrix — who may call which service method on whose data, as data.

Every public method of every application service is a row (an *operation*, named
``"Class.method"``). A row lists the cells allowed: a cell is the actor's role and the
actor's relation to the data the call touches (their own, a community member's, a calendar
they were granted, their organisation's as staff, another organisation's, or no
organisation at all). Everything not listed is refused (deny by default). The access
gateway (:mod:`lemnicore.access.gateway`) decides from this table alone; the generated
test calls every method in every cell; ``docs/access.md`` shows it as a table.

Rows of kind ``anonymous`` are the public booking page's methods (a link token, a login):
they take no actor. Rows of kind ``job`` are the hourly notification run's methods: they
act as the system actor of the job that holds the store.
"""

from __future__ import annotations

import enum

import attrs

from lemnicore.access.actors import Role, Scope


class Relation(enum.StrEnum):
    """B1/A7/B2: how the actor stands to the data a call touches."""

    OWN = "own"
    """Their own calendar or client, or (owner) their own practice's data."""
    COMMUNITY = "community member"
    """Another member of a calendar community (A7): busy/free only."""
    DELEGATE = "granted delegate"
    """Holds a grant (B2) on the calendar the data belongs to."""
    STAFF = "staff"
    """Front desk or accounting of the same organisation."""
    COLLEAGUE = "colleague"
    """Another owner of the same organisation, neither granted nor in a community."""
    OTHER_ORGANISATION = "other organisation"
    NO_ORGANISATION = "no organisation"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


class Kind(enum.StrEnum):
    ACTOR = "actor"
    ANONYMOUS = "anonymous"
    JOB = "job"


Cell = tuple[Role, Relation]

OWN = (Role.OWNER, Relation.OWN)
MEMBER = (Role.OWNER, Relation.COMMUNITY)
GRANTED_OWNER = (Role.OWNER, Relation.DELEGATE)
OTHER_OWNER = (Role.OWNER, Relation.OTHER_ORGANISATION)
DELEGATE = (Role.DELEGATE, Relation.DELEGATE)
FRONT_DESK = (Role.FRONT_DESK, Relation.STAFF)
ACCOUNTING = (Role.ACCOUNTING, Relation.STAFF)
SYSTEM = (Role.SYSTEM, Relation.SYSTEM)

CELLS: tuple[Cell, ...] = (
    OWN,
    MEMBER,
    GRANTED_OWNER,
    OTHER_OWNER,
    (Role.OWNER, Relation.NO_ORGANISATION),
    DELEGATE,
    (Role.DELEGATE, Relation.OTHER_ORGANISATION),
    (Role.DELEGATE, Relation.NO_ORGANISATION),
    FRONT_DESK,
    (Role.FRONT_DESK, Relation.OTHER_ORGANISATION),
    (Role.FRONT_DESK, Relation.NO_ORGANISATION),
    ACCOUNTING,
    (Role.ACCOUNTING, Relation.OTHER_ORGANISATION),
    SYSTEM,
)
"""The columns of the matrix: every (role, relation) the generated test plays."""


@attrs.frozen
class Rule:
    """One row: ``operation`` is allowed in ``allowed`` cells, given ``scope`` (B1)."""

    operation: str
    allowed: frozenset[Cell]
    scope: Scope | None = None
    kind: Kind = Kind.ACTOR
    target: str = ""
    """What the relation is measured against (calendar, client, organisation, …)."""


_BOOKERS = frozenset({OWN, GRANTED_OWNER, DELEGATE, FRONT_DESK, SYSTEM})
_FULL_READERS = frozenset({OWN, FRONT_DESK, SYSTEM})
"""Who reads appointments in full, comments included. Not accounting (B1: "limited to what
it needs"): an invoice needs time, room, type and the client's name and contact — the
booking view (``calendar_for_booking``) — never the practitioner's remarks."""
_BOOKING_READERS = frozenset({OWN, GRANTED_OWNER, DELEGATE, FRONT_DESK, ACCOUNTING, SYSTEM})
_BUSY_READERS = _BOOKING_READERS | {MEMBER}
_OWNER_ONLY = frozenset({OWN, SYSTEM})
_PRACTICE_OWNERS = frozenset({OWN, MEMBER, SYSTEM})
_CLIENT_DESK = frozenset({OWN, FRONT_DESK, SYSTEM})
_ANY_OWNER = frozenset({OWN, MEMBER, GRANTED_OWNER, OTHER_OWNER, SYSTEM})

S = Scope


def _rules() -> tuple[Rule, ...]:
    a, r, k = S.APPOINTMENTS, S.APPOINTMENTS_READ, S.CLIENT_BOOKING_FIELDS
    rec, adm = S.CLIENT_RECORDS, S.ADMINISTRATION
    rows: list[Rule] = []

    def add(
        op: str,
        allowed: frozenset[Cell],
        scope: Scope | None,
        target: str,
        kind: Kind = Kind.ACTOR,
    ) -> None:
        rows.append(Rule(op, allowed, scope, kind, target))

    for m in ("book", "move", "change", "cancel", "mark_no_show", "complete", "reinstate"):
        add(f"AppointmentBook.{m}", _BOOKERS, a, "calendar")
    add("AppointmentBook.calendar", _FULL_READERS, r, "calendar")
    add("AppointmentBook.calendar_for_booking", _BOOKING_READERS, r, "calendar")
    add("AppointmentBook.slot_grid", _BUSY_READERS, None, "room")
    add("AppointmentBook.free_slots", _BUSY_READERS, None, "room")

    add("ClientRecords.register", frozenset({OWN, MEMBER, FRONT_DESK, SYSTEM}), k, "organisation")
    add("ClientRecords.change_contact", _CLIENT_DESK, k, "client")
    add("ClientRecords.set_consent", _CLIENT_DESK, k, "client")

    add("ClientDirectory.for_booking", _BOOKING_READERS, k, "client")
    add("ClientDirectory.find_for_booking", _BOOKING_READERS | {MEMBER}, k, "organisation")
    add("ClientDirectory.record", _OWNER_ONLY, rec, "client")

    add("AuditTrail.entries", _PRACTICE_OWNERS, adm, "organisation")

    for m in ("grant", "revoke", "grants_of"):
        add(f"CalendarAccess.{m}", _OWNER_ONLY, None, "calendar")

    for m in ("create", "accept", "decline", "leave", "view", "slot_grid", "communities_of"):
        add(f"CalendarCommunities.{m}", _OWNER_ONLY, None, "calendar")
    for m in ("invite", "share_room"):
        add(f"CalendarCommunities.{m}", _PRACTICE_OWNERS, None, "community")

    # A1: a new organisation is the store's, not a practice's: an owner of one practice
    # must not create others in a shared store (only the system actor bootstraps).
    add("PracticeSetup.create_organisation", frozenset({SYSTEM}), None, "store")
    for m in ("add_branch", "add_room", "add_staff_account", "set_plan", "add_practitioner"):
        add(f"PracticeSetup.{m}", _PRACTICE_OWNERS, adm, "organisation")
    add("PracticeSetup.add_appointment_type", _PRACTICE_OWNERS, adm, "organisation")
    # A5/A10: the administration sets working times; the practice reads them to book.
    _practice_readers = frozenset({OWN, MEMBER, FRONT_DESK, ACCOUNTING, SYSTEM})
    add("PracticeSetup.overview", _practice_readers, r, "organisation")
    for m in ("set_practitioner_hours", "set_room_hours"):
        add(f"WorkingHours.{m}", _PRACTICE_OWNERS, adm, "organisation")
    for m in ("practitioner_hours", "room_hours"):
        add(f"WorkingHours.{m}", _practice_readers, r, "organisation")

    add("ClientErasure.erase", _OWNER_ONLY, adm, "client")
    add("ClientErasure.erase_requester", _PRACTICE_OWNERS, adm, "organisation")
    add("ClientErasure.complete_pending_wipes", _ANY_OWNER, adm, "store")
    add("ClientExport.export", _OWNER_ONLY, rec, "client")

    add("ClientLogins.create", _OWNER_ONLY, rec, "client")
    anonymous = frozenset({(Role.CLIENT, Relation.ANONYMOUS)})
    for m in ("authenticate", "change_password"):
        add(f"ClientLogins.{m}", anonymous, None, "login", Kind.ANONYMOUS)

    add("OnlineBooking.release", _BOOKERS, a, "calendar")
    add("OnlineBooking.withdraw", _BOOKERS, a, "calendar")
    add("OnlineBooking.requests", _BOOKING_READERS, r, "calendar")
    add("OnlineBooking.confirm", _BOOKERS, a, "calendar")
    add("OnlineBooking.decline", _BOOKERS, a, "calendar")
    # H5: the signed link is what authorises a client; the page acts as SELF_CANCEL_ACTOR.
    add("SelfCancellation.outlook", _BOOKING_READERS, r, "calendar")
    add("SelfCancellation.cancel", _BOOKERS, a, "calendar")
    for m in ("link", "week", "hold", "drop_hold", "request"):
        add(f"OnlineBooking.{m}", anonymous, None, "booking link", Kind.ANONYMOUS)

    # A9: a series books, moves and cancels like single appointments; reading one in full
    # (comments included) is for the practice's full readers.
    add("SeriesBook.propose", _BOOKERS, a, "calendar")
    for m in ("book", "move", "cancel"):
        add(f"SeriesBook.{m}", _BOOKERS, a, "calendar")
    add("SeriesBook.appointments", _FULL_READERS, r, "calendar")

    # A11: entries are about a client (their own practice); offers and bookings from the
    # list act in the slot's calendar; lists are filtered to the clients the actor sees.
    add("WaitingList.add", _CLIENT_DESK, a, "client")
    add("WaitingList.withdraw", _CLIENT_DESK, a, "client")
    add("WaitingList.entries", _CLIENT_DESK | {MEMBER}, r, "organisation")
    add("WaitingList.offers", _CLIENT_DESK | {MEMBER}, r, "organisation")
    for m in ("slot_freed", "offer_slot", "accept", "decline"):
        add(f"WaitingList.{m}", _BOOKERS, a, "calendar")
    add("WaitingList.expire", frozenset({SYSTEM}), None, "store", Kind.JOB)

    add("NotificationService.record_manual_message", _CLIENT_DESK, k, "client")
    # A member of a community sharing the organisation record: their own clients' letters.
    add("NotificationService.work_list", _CLIENT_DESK | {MEMBER}, k, "organisation")
    add("NotificationService.complete_work_item", _CLIENT_DESK, k, "client")
    add("NotificationService.client_history", _CLIENT_DESK, k, "client")
    add("NotificationService.appointment_history", _CLIENT_DESK, k, "calendar")
    add("NotificationService.why", _CLIENT_DESK, k, "calendar")
    # D14: only a time, no address or text: whoever may read the calendar's appointments.
    add("NotificationService.last_notification_at", _BOOKING_READERS, r, "calendar")
    job = frozenset({SYSTEM})
    for m in ("policy", "save_policy", "plan", "run", "enqueue", "reconcile", "dispatch"):
        add(f"NotificationService.{m}", job, None, "store", Kind.JOB)
    return tuple(rows)


PERMISSIONS: dict[str, Rule] = {rule.operation: rule for rule in _rules()}
"""B1: the permission matrix, one :class:`Rule` per operation ``"Class.method"``."""


def rule_for(operation: str) -> Rule:
    """The row of ``operation``; an operation missing from the matrix is a programming error."""
    try:
        return PERMISSIONS[operation]
    except KeyError:
        raise LookupError(f"{operation!r} is not in the permission matrix (B1)") from None


def allows(operation: str, role: Role, relation: Relation) -> bool:
    """Whether the matrix allows ``role`` in ``relation`` to call ``operation``."""
    return (role, relation) in rule_for(operation).allowed


def matrix_size() -> int:
    """Cells of the matrix: actor rows × :data:`CELLS`, anonymous and job rows × 1."""
    return sum(len(CELLS) if r.kind is Kind.ACTOR else 1 for r in PERMISSIONS.values())


def markdown_table() -> str:
    """The matrix as the Markdown table in ``docs/access.md`` (a test keeps them equal)."""
    heads = [f"{role.value} / {relation.value}" for role, relation in CELLS]
    lines = [
        "| operation | target | " + " | ".join(heads) + " |",
        "|---|---|" + "---|" * len(heads),
    ]
    for rule in PERMISSIONS.values():
        if rule.kind is Kind.ACTOR:
            marks = ["yes" if cell in rule.allowed else "–" for cell in CELLS]
        else:
            marks = [rule.kind.value] + [""] * (len(CELLS) - 1)
        lines.append(f"| `{rule.operation}` | {rule.target} | " + " | ".join(marks) + " |")
    return "\n".join(lines)
