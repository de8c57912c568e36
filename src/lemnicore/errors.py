"""The one exception hierarchy of lemnicore.

Every error lemnicore raises on purpose derives from :class:`LemnicoreError`, so an app can
catch all of them in one place. Errors that concern a field or a record name it in
attributes (``field``, ``record``) as well as in the message, so a web layer can point at
the input that was wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class LemnicoreError(Exception):
    """Base of every error lemnicore raises on purpose."""


class ValidationError(LemnicoreError, ValueError):
    """A value is not acceptable. ``field`` names it; ``record`` names the record, if any."""

    def __init__(self, field: str, reason: str, *, record: str | None = None) -> None:
        self.field = field
        self.reason = reason
        self.record = record
        where = f"{record}: " if record else ""
        super().__init__(f"{where}{field}: {reason}")


class NaiveDatetimeError(ValidationError):
    """A datetime without time zone was given where lemnicore needs an aware one."""

    def __init__(self, field: str, *, record: str | None = None) -> None:
        super().__init__(field, "must be timezone-aware (got a naive datetime)", record=record)


class OutsideWorkingHoursError(ValidationError):
    """A10/C4: an online request or hold for a time the practitioner does not work then
    (the room may be open, the time free) — not "taken": another time may well be free.

    A :class:`ValidationError` naming ``start``; ``start`` is the slot asked for. The
    public side learns only that the practitioner does not work then, not who works when.
    """

    def __init__(self, start: datetime) -> None:
        super().__init__(
            "start",
            f"{start.isoformat()} is outside the practitioner's working hours;"
            " please choose another time",
        )
        self.start = start


class NotFoundError(LemnicoreError, LookupError):
    """A record does not exist (``kind`` and ``id`` say which)."""

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"unknown {kind} {record_id!r}")


class ConflictError(LemnicoreError):
    """A change would break a consistency rule."""


class OverlapError(ConflictError):
    """A4: the room already holds an active appointment in that time.

    ``conflicting_ids`` names the appointments in the way.
    """

    def __init__(self, room_id: str, conflicting_ids: Sequence[str]) -> None:
        self.room_id = room_id
        self.conflicting_ids = tuple(conflicting_ids)
        names = ", ".join(self.conflicting_ids)
        super().__init__(f"room {room_id!r} is already booked then (conflicts with: {names})")


class SlotTakenError(OverlapError):
    """C4: an online request came in for a slot somebody else has just taken (or holds).

    The public side learns nothing about who took it: ``conflicting_ids`` is empty unless
    staff code passes ids on purpose.
    """

    def __init__(
        self,
        room_id: str,
        conflicting_ids: Sequence[str] = (),
        *,
        start: datetime | None = None,
    ) -> None:
        super().__init__(room_id, conflicting_ids)
        self.start = start
        when = f" at {start.isoformat()}" if start is not None else ""
        self.args = (
            f"the slot{when} in room {room_id!r} has just been taken; please choose another",
        )


class InvalidTransitionError(ConflictError):
    """An appointment cannot go from its status to the one asked for (A3)."""

    def __init__(self, appointment_id: str, current: str, wanted: str) -> None:
        self.appointment_id = appointment_id
        super().__init__(f"appointment {appointment_id!r} is {current}; it cannot become {wanted}")


class AccessDeniedError(LemnicoreError, PermissionError):
    """B1/B2: the actor may not do this."""

    def __init__(self, actor_id: str, action: str, reason: str) -> None:
        self.actor_id = actor_id
        self.action = action
        self.reason = reason
        super().__init__(f"{actor_id!r} may not {action}: {reason}")


class PlanLimitError(LemnicoreError):
    """B4: the organisation's plan does not allow this.

    ``limit`` names the limit that was hit (``"rooms"``, ``"appointments_per_month"``,
    ``"delegated_booking"``, ``"staff_accounts"``) and ``plan`` the plan's name, when known.
    """

    def __init__(self, message: str, *, plan: str | None = None, limit: str | None = None) -> None:
        self.plan = plan
        self.limit = limit
        super().__init__(message)


class StoreError(LemnicoreError):
    """The storage backend failed or cannot be opened.

    ``path`` names the store (its file, or its URL without secrets) when known. The
    subclasses below say why (F3, F4); a storage plugin maps its driver's errors to them,
    so an app and the CLI handle every store alike.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)


class StoreCorruptError(StoreError):
    """F4: the store's file is damaged, truncated, or not a database at all."""

    def __init__(self, path: str, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the store {path!r} is damaged or not a database ({detail}); restore it from a backup",
            path=path,
        )


class StoreReadOnlyError(StoreError):
    """F4: the store cannot be written — a read-only file, folder or file system, or a
    store opened read-only."""

    def __init__(self, path: str, detail: str) -> None:
        self.detail = detail
        super().__init__(f"the store {path!r} cannot be written ({detail})", path=path)


class StoreFullError(StoreError):
    """F4: the disk (or a size limit of the store) is full; the change was not made."""

    def __init__(self, path: str, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the store {path!r} is full ({detail}); nothing of this change was written — "
            "free some space and try again",
            path=path,
        )


class StoreLockedError(StoreError):
    """F4: another connection held the store's lock for longer than lemnicore waits."""

    def __init__(self, path: str, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the store {path!r} is busy ({detail}); another program holds its lock — try again",
            path=path,
        )


class StoreSchemaError(StoreError):
    """F3: the store's schema does not fit this lemnicore.

    ``newer`` is True for a store written by a newer lemnicore (refused, never written
    to); False for an older store opened read-only, which would need a migration first.
    """

    def __init__(self, path: str, detail: str, *, newer: bool) -> None:
        self.newer = newer
        self.detail = detail
        super().__init__(f"the store {path!r} {detail}", path=path)


class NotAStoreError(StoreError):
    """F3: the file is a database of some other program, not a lemnicore store; it is
    refused and never converted."""

    def __init__(self, path: str, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"the file {path!r} is not a lemnicore store ({detail}); it was left unchanged",
            path=path,
        )


class StoreURLError(StoreError, ValidationError):
    """A store URL that cannot name a store: not text, a NUL byte, text that is not
    valid Unicode, a folder instead of a file."""

    def __init__(self, url: object, reason: str) -> None:
        self.url = url
        shown = repr(url).encode("ascii", "backslashreplace").decode("ascii")
        ValidationError.__init__(self, "store", f"{reason}: {shown}")
        self.path = None


class UnknownStoreURLError(StoreError):
    """No storage plugin accepts this URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"no storage plugin opens {url!r} (built in: memory://, sqlite:///path/to/file.db)"
        )


class PluginError(LemnicoreError):
    """A plugin is broken or two plugins claim the same name."""


class PractitionerBusyError(OverlapError):
    """A10: the practitioner already has an active appointment in another room then —
    nobody can be in two rooms at once, across all rooms and branches.

    An :class:`OverlapError` (the time is taken, only by the practitioner rather than the
    room), so code that catches overlaps keeps working; ``conflicting_ids`` names the other
    appointments, ``room_id`` the room of the first of them.
    """

    def __init__(
        self, practitioner_id: str, conflicting_ids: Sequence[str], rooms: Sequence[str]
    ) -> None:
        super().__init__(rooms[0] if rooms else "", conflicting_ids)
        self.practitioner_id = practitioner_id
        where = ", ".join(f"{a} in room {r!r}" for a, r in zip(conflicting_ids, rooms, strict=True))
        self.args = (
            f"practitioner {practitioner_id!r} is already busy then (conflicts with: {where})",
        )


class SeriesIncompleteError(ConflictError):
    """A9: a series cannot be booked whole — nothing was booked. ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the series cannot be booked as a whole, nothing was booked: {reason}")
