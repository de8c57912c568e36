"""A9: appointment series — propose, book all or nothing, move or cancel one or "this and
all following".

Every call carries an actor and is authorised in the series' calendar (B1/B2), runs in one
unit of work — a booking in one write transaction (SQLite ``BEGIN IMMEDIATE``), so two
processes booking into the same weeks cannot both win (F2) — and is audited (B3).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.matrix import Relation
from lemnicore.access.policy import Permission
from lemnicore.access.views import without_comment
from lemnicore.clock import Clock
from lemnicore.errors import NotFoundError, SeriesIncompleteError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.rules import is_significant_reschedule
from lemnicore.scheduling.series import (
    SeriesCalendar,
    SeriesProposal,
    SeriesRequest,
    propose_series,
)
from lemnicore.services.booking import (
    FreedSlotListener,
    authorize_in,
    record,
    require_client_reach,
)
from lemnicore.services.entitlements import BookingLimits, Entitlements
from lemnicore.services.lookup import room_for_calendar, room_time_zone, type_for_calendar
from lemnicore.services.occupancy import check_place, occupancy
from lemnicore.storage.ports import Store, UnitOfWork
from lemnicore.timekeeping import local_datetime, require_aware, to_utc, zone


class SeriesBook:
    """A9: a prescription of N treatments as one series of appointments."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        new_id: IdFactory = new_id,
        entitlements: BookingLimits | None = None,
        waiting_list: FreedSlotListener | None = None,
    ) -> None:
        """``entitlements`` (B4) is asked for every treatment of a series before any is
        stored; ``None`` enforces the organisation's plan as :class:`AppointmentBook` does."""
        self.store = store
        self.clock = clock
        self._new_id = new_id
        self._entitlements: BookingLimits = (
            entitlements if entitlements is not None else Entitlements()
        )
        self._waiting_list = waiting_list

    def _freed(self, before: Sequence[Appointment]) -> None:
        """A11: offer the slots left free (after commit, as lemnicore's own job)."""
        if self._waiting_list is not None:
            for a in before:
                if a.blocks_room:
                    self._waiting_list.slot_freed(SYSTEM_ACTOR, a)

    # -- proposing -----------------------------------------------------------------------

    def propose(self, actor: Actor, request: SeriesRequest) -> SeriesProposal:
        """A9: N free slots for ``request`` (nothing is booked; see :meth:`book`)."""
        with self.store.unit_of_work(write=False) as uow:
            authorize_in(uow, actor, Permission.VIEW, request.calendar_id, "SeriesBook.propose")
            return self._propose(uow, request)

    def _propose(self, uow: UnitOfWork, request: SeriesRequest) -> SeriesProposal:
        kind = type_for_calendar(uow, request.type_id, request.calendar_id)  # B1
        for room_id in request.room_ids:
            room_for_calendar(uow, room_id, request.calendar_id)  # B1/A7
        tz = zone(request.time_zone)
        start = local_datetime(request.earliest_start, datetime.min.time(), tz)
        end = local_datetime(request.latest_end + timedelta(days=1), datetime.min.time(), tz)
        taken = occupancy(
            uow, list(request.room_ids), request.calendar_id, start, end, type_id=kind.id
        )
        rooms = set(request.room_ids)
        availabilities: dict[str, list[Availability]] = {r: [] for r in request.room_ids}
        for a in uow.availabilities.all():
            if a.room_id in rooms and a.calendar_id in (None, request.calendar_id):
                # A5: working times in the room's branch zone unless they name their own.
                availabilities[a.room_id].append(a.in_branch_zone(room_time_zone(uow, a.room_id)))
        calendar = SeriesCalendar(
            availabilities=availabilities,
            room_busy=taken.room_busy,
            practitioner_busy=taken.practitioner_busy,
            practitioner_windows=taken.practitioner_windows,
            buffers=taken.buffers,
        )
        return propose_series(request, calendar, self.clock.now(), duration=kind.default_duration)

    # -- booking -------------------------------------------------------------------------

    def book(
        self, actor: Actor, request: SeriesRequest, *, accept_fewer: bool = False
    ) -> list[Appointment]:
        """A9: propose and book the whole series in one write transaction — all or nothing.

        Fewer than N slots found is :class:`SeriesIncompleteError` (nothing booked) unless
        ``accept_fewer``. Every treatment is checked like a single booking (A4, A10, B4).
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            gate = AccessGateway(uow, actor)
            gate.calendar("SeriesBook.book", request.calendar_id, Permission.BOOK)
            require_client_reach(gate, request.client_id, "SeriesBook.book")
            proposal = self._propose(uow, request)
            if not proposal.slots or (not proposal.complete and not accept_fewer):
                raise SeriesIncompleteError(proposal.shortfall or "no free slot found")
            kind = type_for_calendar(uow, request.type_id, request.calendar_id)  # B1
            series_id = self._new_id()
            booked: list[Appointment] = []
            for slot in proposal.slots:
                appointment = Appointment(
                    id=self._new_id(),
                    calendar_id=request.calendar_id,
                    room_id=slot.room_id,
                    start=slot.start,
                    end=slot.end,
                    type_id=request.type_id,
                    client_id=request.client_id,
                    is_group=kind.is_group,
                    created_at=now,
                    series_id=series_id,
                )
                check_place(uow, appointment)
                self._entitlements.check_booking(uow, appointment)
                uow.appointments.add(appointment)
                booked.append(appointment)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_CREATED,
                new_id=self._new_id,
                client_id=request.client_id,
                subject_id=series_id,
                after={
                    "series_id": series_id,
                    "appointments": [a.id for a in booked],
                    "starts": [a.start.isoformat() for a in booked],
                },
                note=f"series of {len(booked)} (A9)",
            )
            for a in booked:
                record(
                    uow,
                    at=now,
                    actor=actor,
                    action=AuditAction.APPOINTMENT_CREATED,
                    new_id=self._new_id,
                    appointment_id=a.id,
                    client_id=a.client_id,
                    after={
                        "room_id": a.room_id,
                        "start": a.start.isoformat(),
                        "end": a.end.isoformat(),
                        "series_id": series_id,
                    },
                )
            uow.commit()
        return booked

    def appointments(self, actor: Actor, series_id: str) -> list[Appointment]:
        """A9: every appointment of a series, by start (cancelled ones included)."""
        with self.store.unit_of_work(write=False) as uow:
            found = uow.appointments.in_series(series_id)
            if not found:
                raise NotFoundError("series", series_id)
            for calendar_id in sorted({a.calendar_id for a in found}):
                authorize_in(uow, actor, Permission.VIEW, calendar_id, "SeriesBook.appointments")
            return found

    # -- changing ------------------------------------------------------------------------

    def _this_and_following(
        self, uow: UnitOfWork, appointment_id: str, following: bool
    ) -> tuple[Appointment, list[Appointment]]:
        first = uow.appointments.get(appointment_id)
        if not following:
            return first, [first]
        if first.series_id is None:
            raise ValidationError(
                "following",
                "the appointment belongs to no series",
                record=f"Appointment {appointment_id!r}",
            )
        rest = [
            a
            for a in uow.appointments.in_series(first.series_id)
            if a.start >= first.start and a.blocks_room
        ]
        return first, rest

    def move(
        self,
        actor: Actor,
        appointment_id: str,
        *,
        start: datetime,
        room_id: str | None = None,
        following: bool = False,
    ) -> list[Appointment]:
        """A9: move one treatment, or with ``following`` this and all following ones by the
        same shift in local wall-clock time (Tuesday 09:00 → Thursday 10:00 moves every
        later Tuesday 09:00 to that week's Thursday 10:00, also across a DST change).

        All or nothing: if one of them does not fit (A4, A10), none moves.
        """
        require_aware(start, "start")
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            first, group = self._this_and_following(uow, appointment_id, following)
            relations = {
                authorize_in(uow, actor, Permission.MOVE, calendar_id, "SeriesBook.move")
                for calendar_id in sorted({a.calendar_id for a in group})
            }
            tz = zone(uow.branches.get(uow.rooms.get(first.room_id).branch_id).time_zone)
            old_local = first.start.astimezone(tz)
            new_local = start.astimezone(tz)
            day_shift = new_local.date() - old_local.date()
            moved: list[Appointment] = []
            for a in group:
                local = a.start.astimezone(tz)
                if a.id == first.id:
                    new_start = to_utc(start)
                else:
                    new_start = to_utc(
                        local_datetime(local.date() + day_shift, new_local.time(), tz)
                    )
                after = attrs.evolve(
                    a,
                    start=new_start,
                    end=new_start + (a.end - a.start),
                    room_id=room_id or a.room_id,
                )
                if is_significant_reschedule(a, after):
                    after = attrs.evolve(after, sequence=a.sequence + 1)
                moved.append(after)
            # Checked against each other too: store them one by one, checking each.
            for before, after in zip(group, moved, strict=True):
                room_for_calendar(uow, after.room_id, after.calendar_id)  # B1/A7
                checked = check_place(uow, after)
                self._entitlements.check_move(uow, before, checked)
                uow.appointments.update(checked)
                record(
                    uow,
                    at=now,
                    actor=actor,
                    action=AuditAction.APPOINTMENT_MOVED,
                    new_id=self._new_id,
                    appointment_id=after.id,
                    client_id=after.client_id,
                    before={"start": before.start.isoformat(), "room_id": before.room_id},
                    after={"start": after.start.isoformat(), "room_id": after.room_id},
                    note="this and all following (A9)" if following else "",
                )
            uow.commit()
        self._freed(group)
        return _shaped(relations, moved)

    def cancel(
        self, actor: Actor, appointment_id: str, *, following: bool = False, reason: str = ""
    ) -> list[Appointment]:
        """A9: cancel one treatment, or with ``following`` this and all following ones of
        the series (the earlier ones stay). The rooms are free again at once (A3)."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            _, group = self._this_and_following(uow, appointment_id, following)
            relations = {
                authorize_in(uow, actor, Permission.CANCEL, calendar_id, "SeriesBook.cancel")
                for calendar_id in sorted({a.calendar_id for a in group})
            }
            cancelled = [a.with_status(AppointmentStatus.CANCELLED) for a in group]
            for before, after in zip(group, cancelled, strict=True):
                uow.appointments.update(after)
                record(
                    uow,
                    at=now,
                    actor=actor,
                    action=AuditAction.APPOINTMENT_STATUS,
                    new_id=self._new_id,
                    appointment_id=after.id,
                    client_id=after.client_id,
                    before={"status": before.status.value},
                    after={"status": after.status.value},
                    note=reason or ("this and all following (A9)" if following else ""),
                )
            uow.commit()
        self._freed(group)
        return _shaped(relations, cancelled)


def _shaped(relations: set[Relation], appointments: list[Appointment]) -> list[Appointment]:
    # B1: a delegate never reads comments, not even in what a change hands back.
    if Relation.DELEGATE in relations:
        return [without_comment(a) for a in appointments]
    return appointments


def series_lines(appointments: Sequence[Appointment], time_zone: str) -> list[str]:
    """A9/D10: one line per treatment of a series, as the confirmation lists them."""
    tz = zone(time_zone)
    return [
        f"{n}. {a.start.astimezone(tz):%a %d.%m.%Y %H:%M}"
        for n, a in enumerate(sorted(appointments, key=lambda a: a.start), 1)
        if a.blocks_room
    ]


__all__ = ["SeriesBook", "series_lines"]
