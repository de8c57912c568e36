"""The appointment book: book, move, cancel, mark no-show, list, free slots.

Every call carries an :class:`~lemnicore.access.actors.Actor`, is authorised (B1/B2), runs in
one unit of work (F2) and records an audit entry (B3). The rules themselves live in
:mod:`lemnicore.scheduling`; this module only fetches, decides through them, and stores.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.access.audit import AuditAction, AuditEntry, changed_fields
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.matrix import Relation
from lemnicore.access.policy import Permission
from lemnicore.access.views import AppointmentForBooking, without_comment
from lemnicore.clock import Clock
from lemnicore.errors import AccessDeniedError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.intervals import Interval
from lemnicore.scheduling.rules import is_significant_reschedule
from lemnicore.scheduling.slots import Slot, free_slots, slot_grid
from lemnicore.services.entitlements import BookingLimits, Entitlements
from lemnicore.services.lookup import room_for_calendar, room_time_zone, type_for_calendar
from lemnicore.services.occupancy import check_place, occupancy
from lemnicore.storage.ports import Store, UnitOfWork
from lemnicore.timekeeping import require_aware, to_utc

DEFAULT_MAX_DURATION = timedelta(hours=24)
"""A4/G7: the longest appointment :class:`AppointmentBook` books or moves by default."""


def check_duration(appointment: Appointment, max_duration: timedelta) -> None:
    """A4/G7: refuse an appointment longer than ``max_duration`` (a typo such as an end in
    year 2999 must not block a room for centuries), naming ``end``."""
    lasts = appointment.end - appointment.start
    if lasts > max_duration:
        raise ValidationError(
            "end",
            f"an appointment may last at most {_hours(max_duration)}, "
            f"this one lasts {_hours(lasts)}",
            record=f"Appointment {appointment.id!r}",
        )


def _hours(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} hours" + (f" {rest} minutes" if rest else "")


_AUDITED_FIELDS = (
    "calendar_id",
    "room_id",
    "start",
    "end",
    "type_id",
    "status",
    "client_id",
    "comment",
    "sequence",
)


def record(
    uow: UnitOfWork,
    *,
    at: datetime,
    actor: Actor,
    action: AuditAction,
    new_id: IdFactory,
    appointment_id: str | None = None,
    client_id: str | None = None,
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
    subject_id: str | None = None,
    note: str = "",
) -> None:
    """Append one audit entry in the caller's unit of work (B3)."""
    uow.audit.append(
        AuditEntry(
            id=new_id(),
            at=at,
            actor_id=actor.id,
            action=action.value,
            appointment_id=appointment_id,
            client_id=client_id,
            subject_id=subject_id,
            before=before,
            after=after,
            note=note,
        )
    )


def authorize_in(
    uow: UnitOfWork, actor: Actor, permission: Permission, calendar_id: str, operation: str
) -> Relation:
    """B1/B2: ask the access gateway whether ``actor`` may ``operation`` in ``calendar_id``.

    Returns the actor's relation to the calendar (a delegate gets role-shaped answers)."""
    return AccessGateway(uow, actor).calendar(operation, calendar_id, permission)


def require_client_reach(gate: AccessGateway, client_id: str, operation: str) -> None:
    """B1: booking for a client needs the client to be one the actor may book for."""
    client = gate.uow.clients.get(client_id)
    relation = gate.relation_to_client(client)
    if relation not in (Relation.OWN, Relation.DELEGATE, Relation.STAFF, Relation.SYSTEM):
        raise AccessDeniedError(
            gate.actor.id,
            f"{operation} (client {client_id!r})",
            f"the client is not the actor's to book for (relation {relation.value!r}, B1)",
        )


def _shaped(relation: Relation, appointment: Appointment) -> Appointment:
    # B1: a delegate never reads comments, not even in what a change hands back.
    return without_comment(appointment) if relation is Relation.DELEGATE else appointment


class FreedSlotListener(Protocol):
    """A11: told when a cancellation, a no-show or a move leaves a slot free
    (:class:`~lemnicore.services.waiting_list.WaitingList` is one)."""

    def slot_freed(self, actor: Actor, appointment: Appointment) -> object: ...


class AppointmentBook:
    """Application service for a practice's appointments."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        new_id: IdFactory = new_id,
        entitlements: BookingLimits | None = None,
        max_duration: timedelta = DEFAULT_MAX_DURATION,
        waiting_list: FreedSlotListener | None = None,
    ) -> None:
        """``entitlements`` (B4) is asked before every booking, every move into another
        month and every reinstatement. ``None`` (default) enforces the organisation's plan
        from the default catalog (:class:`~lemnicore.services.entitlements.Entitlements`);
        pass ``Entitlements(your_plans)`` for your own catalog, or
        :data:`~lemnicore.services.entitlements.UNLIMITED` where no plan applies.

        ``max_duration`` (default 24 hours) is the longest appointment booked or moved to;
        a longer one is a :class:`ValidationError` naming ``end`` (A4, G7)."""
        if not isinstance(max_duration, timedelta) or max_duration <= timedelta(0):
            raise ValidationError("max_duration", "must be a positive duration")
        self.max_duration = max_duration
        self.store = store
        self.clock = clock
        self._new_id = new_id
        self._entitlements: BookingLimits = (
            entitlements if entitlements is not None else Entitlements()
        )
        self._waiting_list = waiting_list

    def _freed(self, before: Appointment) -> None:
        """A11: tell the waiting list that ``before``'s slot became free (after commit, as
        lemnicore's own job: the offer is not the caller's business)."""
        if self._waiting_list is not None and before.blocks_room:
            self._waiting_list.slot_freed(SYSTEM_ACTOR, before)

    # -- changes -------------------------------------------------------------------------

    def book(
        self,
        actor: Actor,
        *,
        calendar_id: str,
        room_id: str,
        start: datetime,
        type_id: str,
        end: datetime | None = None,
        client_id: str | None = None,
        comment: str = "",
        status: AppointmentStatus = AppointmentStatus.BOOKED,
        allow_double_booking: bool = False,
        appointment_id: str | None = None,
    ) -> Appointment:
        """Book an appointment; refused with :class:`OverlapError` if the room is taken (A4).

        ``end`` defaults to the type's default duration (A2). With ``allow_double_booking``
        the overlap is stored anyway and marked ``double_booked`` so it shows as a conflict.
        The overlap check and the insert share one write transaction (F2).
        """
        require_aware(start, "start")
        if end is not None:
            require_aware(end, "end")
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            gate = AccessGateway(uow, actor)
            relation = gate.calendar("AppointmentBook.book", calendar_id, Permission.BOOK)
            room_for_calendar(uow, room_id, calendar_id)  # B1/A7
            appointment_type = type_for_calendar(uow, type_id, calendar_id)  # B1
            if client_id is not None:
                require_client_reach(gate, client_id, "AppointmentBook.book")
            appointment = Appointment(
                id=appointment_id or self._new_id(),
                calendar_id=calendar_id,
                room_id=room_id,
                start=start,
                # Durations are elapsed time: add them in UTC, not on a zoned wall clock (A2, DST).
                end=end or to_utc(start) + appointment_type.default_duration,
                type_id=type_id,
                status=status,
                client_id=client_id,
                comment=comment,
                is_group=appointment_type.is_group,
                created_at=now,
            )
            check_duration(appointment, self.max_duration)
            # A3: a cancelled or no-show appointment (e.g. history from a takeover) blocks
            # nothing, so it cannot be in anybody's way either. A10: buffers and the
            # practitioner's other rooms count too.
            appointment = check_place(uow, appointment, allow_double_booking=allow_double_booking)
            self._entitlements.check_booking(uow, appointment)
            uow.appointments.add(appointment)
            _, after = changed_fields(_EMPTY, appointment, _AUDITED_FIELDS)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_CREATED,
                new_id=self._new_id,
                appointment_id=appointment.id,
                client_id=client_id,
                after=after,
            )
            uow.commit()
        return _shaped(relation, appointment)

    def move(
        self,
        actor: Actor,
        appointment_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        room_id: str | None = None,
        allow_double_booking: bool = False,
    ) -> Appointment:
        """Move an appointment in time and/or to another room.

        A new start keeps the duration unless ``end`` is given. A change of start is a
        significant reschedule (A6): ``sequence`` grows, so confirmation and reminder are
        due again (D9). A move into another month counts against that month's plan limit
        (B4).
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            before = uow.appointments.get(appointment_id)
            relation = authorize_in(
                uow, actor, Permission.MOVE, before.calendar_id, "AppointmentBook.move"
            )
            if not before.blocks_room:
                raise ValidationError(
                    "status",
                    f"a {before.status.value} appointment cannot be moved",
                    record=f"Appointment {appointment_id!r}",
                )
            new_start = require_aware(start, "start") if start is not None else before.start
            new_end = end if end is not None else to_utc(new_start) + (before.end - before.start)
            new_room = room_id or before.room_id
            if new_room != before.room_id:
                room_for_calendar(uow, new_room, before.calendar_id)  # B1/A7
            after = attrs.evolve(before, start=new_start, end=new_end, room_id=new_room)
            check_duration(after, self.max_duration)
            if is_significant_reschedule(before, after):
                after = attrs.evolve(after, sequence=before.sequence + 1)
            after = check_place(uow, after, allow_double_booking=allow_double_booking)
            self._entitlements.check_move(uow, before, after)
            uow.appointments.update(after)
            old, new = changed_fields(before, after, _AUDITED_FIELDS)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_MOVED,
                new_id=self._new_id,
                appointment_id=appointment_id,
                client_id=after.client_id,
                before=old,
                after=new,
            )
            uow.commit()
        if (after.start, after.room_id) != (before.start, before.room_id):
            self._freed(before)
        return _shaped(relation, after)

    def change(
        self,
        actor: Actor,
        appointment_id: str,
        *,
        type_id: str | None = None,
        comment: str | None = None,
        client_id: str | None = None,
    ) -> Appointment:
        """Change type, comment or client: not a significant reschedule (A6)."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            before = uow.appointments.get(appointment_id)
            gate = AccessGateway(uow, actor)
            relation = gate.calendar("AppointmentBook.change", before.calendar_id, Permission.MOVE)
            after = before
            if type_id is not None:
                kind = type_for_calendar(uow, type_id, before.calendar_id)  # B1
                after = attrs.evolve(after, type_id=type_id, is_group=kind.is_group)
            if comment is not None:
                after = attrs.evolve(after, comment=comment)
            if client_id is not None:
                require_client_reach(gate, client_id, "AppointmentBook.change")
                after = attrs.evolve(after, client_id=client_id)
            uow.appointments.update(after)
            old, new = changed_fields(before, after, _AUDITED_FIELDS)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_CHANGED,
                new_id=self._new_id,
                appointment_id=appointment_id,
                client_id=after.client_id,
                before=old,
                after=new,
            )
            uow.commit()
        return _shaped(relation, after)

    def cancel(self, actor: Actor, appointment_id: str, *, reason: str = "") -> Appointment:
        """Cancel (stornieren): the room is free again at once (A3)."""
        return self._set_status(
            actor, appointment_id, AppointmentStatus.CANCELLED, Permission.CANCEL, reason, "cancel"
        )

    def mark_no_show(self, actor: Actor, appointment_id: str) -> Appointment:
        """The client did not come (geplatzt); the time no longer blocks the room (A3)."""
        return self._set_status(
            actor, appointment_id, AppointmentStatus.NO_SHOW, Permission.MOVE, "", "mark_no_show"
        )

    def complete(self, actor: Actor, appointment_id: str) -> Appointment:
        """The appointment took place."""
        return self._set_status(
            actor, appointment_id, AppointmentStatus.COMPLETED, Permission.MOVE, "", "complete"
        )

    def reinstate(self, actor: Actor, appointment_id: str) -> Appointment:
        """Undo a no-show or a completion marked by mistake: booked again (A3).

        Refused with :class:`OverlapError` if the room was given away meanwhile (A4).
        """
        return self._set_status(
            actor, appointment_id, AppointmentStatus.BOOKED, Permission.MOVE, "", "reinstate"
        )

    def _set_status(
        self,
        actor: Actor,
        appointment_id: str,
        status: AppointmentStatus,
        permission: Permission,
        note: str,
        method: str,
    ) -> Appointment:
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            before = uow.appointments.get(appointment_id)
            relation = authorize_in(
                uow, actor, permission, before.calendar_id, f"AppointmentBook.{method}"
            )
            after = before.with_status(status)
            if after.blocks_room and not before.blocks_room:
                # Back from no-show: the room (or the practitioner) may have been given
                # away meanwhile (A4, A10).
                check_place(uow, after)
                # It takes a place in its month again (B4).
                self._entitlements.check_booking(uow, after)
            uow.appointments.update(after)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_STATUS,
                new_id=self._new_id,
                appointment_id=appointment_id,
                client_id=after.client_id,
                before={"status": before.status.value},
                after={"status": status.value},
                note=note,
            )
            uow.commit()
        if not after.blocks_room:
            self._freed(before)
        return _shaped(relation, after)

    # -- queries -------------------------------------------------------------------------

    def calendar(
        self, actor: Actor, calendar_id: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        """The appointments of one calendar overlapping [start, end), in full, comments
        included: for the owner and their practice's staff (B1). Delegates use
        :meth:`calendar_for_booking`; community members :class:`CalendarCommunities`."""
        Interval(require_aware(start, "start"), require_aware(end, "end"))
        with self.store.unit_of_work(write=False) as uow:
            authorize_in(uow, actor, Permission.VIEW, calendar_id, "AppointmentBook.calendar")
            return uow.appointments.in_calendar(calendar_id, start, end)

    def calendar_for_booking(
        self, actor: Actor, calendar_id: str, start: datetime, end: datetime
    ) -> list[AppointmentForBooking]:
        """B1: one calendar's appointments as booking needs them — time, room, type,
        status, client name and contact; never the comment (what a delegate sees)."""
        Interval(require_aware(start, "start"), require_aware(end, "end"))
        with self.store.unit_of_work(write=False) as uow:
            authorize_in(
                uow, actor, Permission.VIEW, calendar_id, "AppointmentBook.calendar_for_booking"
            )
            return [
                AppointmentForBooking.from_appointment(
                    a, uow.clients.find(a.client_id) if a.client_id else None
                )
                for a in uow.appointments.in_calendar(calendar_id, start, end)
            ]

    def slot_grid(
        self,
        actor: Actor,
        room_id: str,
        start: datetime,
        end: datetime,
        *,
        calendar_id: str | None = None,
        type_id: str | None = None,
    ) -> list[Slot]:
        """A5/C2: every working-time slot of the room in [start, end), free or taken.

        Busy time is every active appointment of the room, whoever's calendar it is in —
        this is how community members' bookings block each other (A7) — widened by the
        buffers of its type (A10). With ``calendar_id`` the practitioner counts too (A10):
        their appointments in every room and branch, and their own working times; with
        ``type_id`` that type's buffers must stay clear as well. Busy and free only:
        anyone who books in the room may ask, community members included (A7).
        """
        Interval(require_aware(start, "start"), require_aware(end, "end"))
        return self._slot_grid(
            actor, room_id, start, end, calendar_id, "slot_grid", type_id=type_id
        )

    def _slot_grid(
        self,
        actor: Actor,
        room_id: str,
        start: datetime,
        end: datetime,
        calendar_id: str | None,
        method: str,
        *,
        type_id: str | None = None,
        only_free: bool = False,
    ) -> list[Slot]:
        with self.store.unit_of_work(write=False) as uow:
            AccessGateway(uow, actor).room(f"AppointmentBook.{method}", room_id)
            branch_zone = room_time_zone(uow, room_id)
            availabilities = [
                a.in_branch_zone(branch_zone)
                for a in uow.availabilities.all()
                if a.room_id == room_id and (a.calendar_id is None or a.calendar_id == calendar_id)
            ]
            if not availabilities:
                return []
            taken = occupancy(uow, [room_id], calendar_id, start, end, type_id=type_id)
        busy = [*taken.room_busy[room_id], *taken.practitioner_busy]
        grids = [
            slot_grid(
                a,
                busy,
                start,
                end,
                practitioner=taken.practitioner_windows,
                buffers=taken.buffers,
                only_free=only_free,
            )
            for a in availabilities
        ]
        if len(grids) == 1:
            return grids[0]  # sorted already
        # Several availabilities may offer the same slot: keep one, in real-time order.
        # (Keys in UTC: plain tuples sort far faster than Slots compared field by field.)
        unique: dict[tuple[datetime, datetime], Slot] = {}
        for grid in grids:
            for slot in grid:
                unique.setdefault((to_utc(slot.start), to_utc(slot.end)), slot)
        return [unique[key] for key in sorted(unique)]

    def free_slots(
        self,
        actor: Actor,
        room_id: str,
        start: datetime,
        end: datetime,
        *,
        calendar_id: str | None = None,
        type_id: str | None = None,
    ) -> list[Slot]:
        """A5/A10: the free slots of a room in [start, end) (see :meth:`slot_grid`;
        busy/free only, A7)."""
        Interval(require_aware(start, "start"), require_aware(end, "end"))
        return self._slot_grid(
            actor, room_id, start, end, calendar_id, "free_slots", type_id=type_id, only_free=True
        )


@attrs.frozen
class _Nothing:
    calendar_id: None = None
    room_id: None = None
    start: None = None
    end: None = None
    type_id: None = None
    status: None = None
    client_id: None = None
    comment: None = None
    sequence: None = None


_EMPTY = _Nothing()

__all__ = [
    "DEFAULT_MAX_DURATION",
    "AppointmentBook",
    "authorize_in",
    "check_duration",
    "free_slots",
    "record",
    "require_client_reach",
]
