"""C1–C5: online self-booking — the public side (week view, holds, requests) and the staff
side (release a room, list requests, confirm or decline them).

An app's web layer calls these methods; lemnicore itself serves no HTTP. The public side
identifies the room only by its booking token (C1). Every request is checked and inserted
in one write unit of work, so of two simultaneous requests for a slot exactly one wins and
the other gets :class:`~lemnicore.errors.SlotTakenError` — across threads and, with SQLite,
across processes (C4, F2).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import attrs

from lemnicore._validators import MAX_NAME, require_text, text_problem
from lemnicore.access.actors import Actor, Role
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.policy import Permission
from lemnicore.clock import Clock
from lemnicore.errors import (
    AccessDeniedError,
    NotFoundError,
    OutsideWorkingHoursError,
    SlotTakenError,
    ValidationError,
)
from lemnicore.ids import IdFactory, new_id
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.ports import AppointmentMessageEntry
from lemnicore.notifications.transport import OutgoingMessage, Transport, TransportError
from lemnicore.online.releases import DEFAULT_HOLD, OnlineRelease, SlotHold, new_booking_token
from lemnicore.online.requests import BookingRequest, BookingRequestForm, NewClient
from lemnicore.online.week import WeekView, offered_slots, week_bounds, week_start
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.busy import within
from lemnicore.scheduling.clients import Channel, Client
from lemnicore.scheduling.practice import BOOKING_REQUEST_TYPE_ID, AppointmentType, Room
from lemnicore.scheduling.practitioner_hours import practitioner_windows
from lemnicore.scheduling.slots import Slot
from lemnicore.services.booking import authorize_in, record, require_client_reach
from lemnicore.services.clients import register_client
from lemnicore.services.entitlements import BookingLimits
from lemnicore.services.lookup import (
    organisation_of_calendar,
    room_for_calendar,
    room_time_zone,
    type_for_calendar,
)
from lemnicore.services.occupancy import (
    occupancy,
    practitioner_clashes,
    practitioner_of,
    room_clashes,
)
from lemnicore.storage.ports import Store, UnitOfWork
from lemnicore.timekeeping import local_datetime, require_aware, require_day, to_utc, zone

ONLINE_BOOKING_ACTOR = Actor(id="online-booking", role=Role.SYSTEM, name="online booking page")
"""Who the audit log names for requests from the public page (the source's "technical
user"): the room's release by its owner is what authorises it."""

REQUEST_LOOKBACK = timedelta(days=30)

ConfirmHook = Callable[[Appointment], None]
"""C5/D: called with the booked appointment after staff confirmed a request; wire the
notification service's "confirm now" here (a freshly booked appointment has no sent
messages, so the next notification run confirms it anyway)."""

ReceiptRenderer = Callable[[BookingRequestForm, Room, Slot], tuple[str, str]]
"""C5: (subject, text) of the "request received" e-mail."""


def request_received_text(form: BookingRequestForm, room: Room, slot: Slot) -> tuple[str, str]:
    """C5: the default "request received" e-mail (German, like the source)."""
    when = slot.start.strftime("%d.%m.%Y um %H:%M Uhr")
    text = (
        f"Guten Tag {form.display_name},\n\n"
        f"wir haben Ihre Terminanfrage für den {when} ({room.name}) erhalten. "
        "Sie ist noch nicht bestätigt: Sie erhalten eine Bestätigung, sobald wir den Termin "
        "geprüft haben.\n"
    )
    return "Ihre Terminanfrage ist eingegangen", text


@attrs.frozen
class RequestReceipt:
    """C4/C5: what the requester is told: the slot is theirs, pending confirmation."""

    appointment_id: str
    start: datetime
    end: datetime
    receipt_sent: bool
    """Whether the "request received" e-mail was handed to the transport."""


class OnlineBooking:
    """C1–C5: application service for online self-booking."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        transport: Transport | None = None,
        entitlements: BookingLimits | None = None,
        hold_for: timedelta = DEFAULT_HOLD,
        link_base: str | None = None,
        on_confirmed: ConfirmHook | None = None,
        render_receipt: ReceiptRenderer = request_received_text,
        new_id: IdFactory = new_id,
    ) -> None:
        if hold_for <= timedelta(0):
            raise ValidationError("hold_for", "must be a positive duration")
        self.store = store
        self.clock = clock
        self.transport = transport
        self.entitlements = entitlements
        self.hold_for = hold_for
        self.link_base = link_base
        self.on_confirmed = on_confirmed
        self.render_receipt = render_receipt
        self._new_id = new_id

    # -- staff: release ------------------------------------------------------------------

    def release(
        self,
        actor: Actor,
        room_id: str,
        calendar_id: str,
        *,
        type_id: str = BOOKING_REQUEST_TYPE_ID,
    ) -> OnlineRelease:
        """C1: offer ``room_id`` online; requests land in ``calendar_id`` as proposed.

        A new release replaces an earlier one, with a new token: the old link stops working.
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            authorize_in(uow, actor, Permission.BOOK, calendar_id, "OnlineBooking.release")
            room = room_for_calendar(uow, room_id, calendar_id)  # B1/A7
            if uow.appointment_types.find(type_id) is None:
                if type_id != BOOKING_REQUEST_TYPE_ID:
                    raise NotFoundError("appointment type", type_id)
                # Shared (B1): every practice's requests use it.
                uow.appointment_types.put(
                    AppointmentType(BOOKING_REQUEST_TYPE_ID, "Booking request")
                )
            type_for_calendar(uow, type_id, calendar_id)  # B1: not another practice's type
            for old in self._releases_of(uow, room_id):
                uow.online_releases.remove(old.id)
            release = OnlineRelease(
                new_booking_token(), room_id, calendar_id, actor.id, now, type_id
            )
            uow.online_releases.put(release)
            uow.rooms.put(attrs.evolve(room, online_booking=True, booking_token=release.token))
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.ONLINE_RELEASED,
                new_id=self._new_id,
                subject_id=room_id,
                after={"calendar_id": calendar_id, "type_id": type_id},
            )
            uow.commit()
        return release

    def withdraw(self, actor: Actor, room_id: str) -> Room:
        """C1: stop offering ``room_id`` online; its link stops working at once."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            room = uow.rooms.get(room_id)
            releases = self._releases_of(uow, room_id)
            if not releases:
                # Nothing released: still only someone who books in the room may say so.
                AccessGateway(uow, actor).room("OnlineBooking.withdraw", room_id)
            for old in releases:
                authorize_in(uow, actor, Permission.BOOK, old.calendar_id, "OnlineBooking.withdraw")
                uow.online_releases.remove(old.id)
            room = attrs.evolve(room, online_booking=False, booking_token=None)
            uow.rooms.put(room)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.ONLINE_WITHDRAWN,
                new_id=self._new_id,
                subject_id=room_id,
            )
            uow.commit()
        return room

    def link(self, release: OnlineRelease) -> str:
        """C1: the room's public booking link (``link_base`` + token, or the bare token)."""
        if self.link_base is None:
            return release.token
        return f"{self.link_base.rstrip('/')}/{release.token}"

    # -- public: week view, holds, requests ----------------------------------------------

    def week(self, token: str, day: date | None = None) -> WeekView:
        """C2: the week containing ``day`` (default: today in the room's zone)."""
        if day is not None:
            require_day(day, "day")
        now = self.clock.now()
        with self.store.unit_of_work(write=False) as uow:
            release, room, tz_name = self._locate(uow, token)
            monday = week_start(day or now.astimezone(zone(tz_name)).date())
            start, end = week_bounds(monday, tz_name)
            slots = self._offered(uow, release, start, end, now)
        return WeekView.of(token, room.name, monday, tz_name, slots)

    def hold(self, token: str, start: datetime) -> SlotHold:
        """C4: keep a free slot for ``hold_for`` while the requester fills in the form.

        Others see it as taken until it expires (by the clock) or is turned into a request.
        A slot already taken or held is :class:`SlotTakenError`.
        """
        require_aware(start, "start")
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            release, _, tz_name = self._locate(uow, token)
            for expired in uow.slot_holds.all():
                if not expired.is_active(now):
                    uow.slot_holds.remove(expired.id)
            slot = self._slot_at(uow, release, tz_name, start, now, own_hold_id=None)
            hold = SlotHold(
                secrets.token_urlsafe(16),
                release.room_id,
                slot.start,
                slot.end,
                to_utc(now) + self.hold_for,  # ten real minutes, also across DST
            )
            uow.slot_holds.put(hold)
            uow.commit()
        return hold

    def drop_hold(self, hold_id: str) -> None:
        """Give a held slot back before the hold expires (the requester went away)."""
        require_text(hold_id, "hold_id", max_length=MAX_NAME)
        with self.store.unit_of_work() as uow:
            uow.slot_holds.remove(hold_id)
            uow.commit()

    def request(
        self,
        token: str,
        start: datetime,
        *,
        last_name: str,
        email: str,
        first_name: str = "",
        phone: str = "",
        message: str = "",
        hold_id: str | None = None,
    ) -> RequestReceipt:
        """C3/C4/C5: ask for the slot beginning at ``start``.

        The form is checked first (:class:`ValidationError` naming the field). The request
        becomes a *proposed* appointment of the release's booking-request type with the
        requester's data in its comment — no client record. The slot is blocked at once;
        if someone else took or holds it, :class:`SlotTakenError`. Then the "request
        received" e-mail goes out through the transport (a failure there does not undo the
        request: ``receipt_sent`` is False).
        """
        form = BookingRequestForm.checked(
            last_name=last_name, email=email, first_name=first_name, phone=phone, message=message
        )
        require_aware(start, "start")
        if hold_id is not None:
            require_text(hold_id, "hold_id", max_length=MAX_NAME)
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            release, room, tz_name = self._locate(uow, token)
            slot = self._slot_at(uow, release, tz_name, start, now, own_hold_id=hold_id)
            appointment = Appointment(
                id=self._new_id(),
                calendar_id=release.calendar_id,
                room_id=release.room_id,
                start=slot.start,
                end=slot.end,
                type_id=release.type_id,
                status=AppointmentStatus.PROPOSED,
                comment=form.as_comment(),
                created_at=now,
            )
            # The grid already excluded busy time; this re-check is the A4 rule itself,
            # inside the same write transaction as the insert (F2).
            if room_clashes(uow, appointment) or practitioner_clashes(uow, appointment):
                raise SlotTakenError(room.id, start=slot.start)
            if self.entitlements is not None:
                self.entitlements.check_booking(uow, appointment)
            uow.appointments.add(appointment)
            if hold_id is not None:
                uow.slot_holds.remove(hold_id)
            record(
                uow,
                at=now,
                actor=ONLINE_BOOKING_ACTOR,
                action=AuditAction.BOOKING_REQUESTED,
                new_id=self._new_id,
                appointment_id=appointment.id,
                # The requester's data stay out of the audit log (only in the comment).
                after={
                    "room_id": room.id,
                    "start": slot.start.isoformat(),
                    "end": slot.end.isoformat(),
                    "status": AppointmentStatus.PROPOSED.value,
                },
            )
            uow.commit()
        sent = self._send_receipt(form, room, slot, appointment)
        return RequestReceipt(appointment.id, slot.start, slot.end, sent)

    # -- staff: requests -----------------------------------------------------------------

    def requests(
        self, actor: Actor, *, calendar_id: str | None = None, since: datetime | None = None
    ) -> list[BookingRequest]:
        """C5: open requests (proposed booking-request appointments) from ``since``
        (default: 30 days ago) on, in every calendar the actor may see, by start."""
        now = self.clock.now()
        lo = require_aware(since, "since") if since is not None else now - REQUEST_LOOKBACK
        hi = lo + timedelta(days=3 * 366)
        found: list[Appointment] = []
        with self.store.unit_of_work(write=False) as uow:
            request_types = {BOOKING_REQUEST_TYPE_ID} | {
                r.type_id for r in uow.online_releases.all()
            }
            calendars = [calendar_id] if calendar_id else [c.id for c in uow.calendars.all()]
            for cid in calendars:
                try:
                    authorize_in(uow, actor, Permission.VIEW, cid, "OnlineBooking.requests")
                except AccessDeniedError:
                    if calendar_id:
                        raise
                    continue
                found += [
                    a
                    for a in uow.appointments.in_calendar(cid, lo, hi)
                    if a.status is AppointmentStatus.PROPOSED and a.type_id in request_types
                ]
        found.sort(key=lambda a: (a.start, a.id))
        return [BookingRequest.from_appointment(a) for a in found]

    def confirm(
        self,
        actor: Actor,
        appointment_id: str,
        *,
        client_id: str | None = None,
        new_client: NewClient | None = None,
        type_id: str | None = None,
    ) -> Appointment:
        """C5: attach an existing (``client_id``) or new (``new_client``) client to a
        request and book it (proposed → booked), optionally with its real ``type_id``.

        Audited; afterwards the ``on_confirmed`` hook runs, which sends the confirmation (D).
        """
        if (client_id is None) == (new_client is None):
            raise ValidationError("client", "give either an existing client or a new one")
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            before = uow.appointments.get(appointment_id)
            authorize_in(uow, actor, Permission.MOVE, before.calendar_id, "OnlineBooking.confirm")
            if before.status is not AppointmentStatus.PROPOSED:
                raise ValidationError(
                    "status",
                    f"only a proposed request can be confirmed; this one is {before.status.value}",
                    record=f"Appointment {appointment_id!r}",
                )
            if new_client is not None:
                client = self._register(uow, actor, before, new_client, now)
            else:
                assert client_id is not None
                require_client_reach(AccessGateway(uow, actor), client_id, "OnlineBooking.confirm")
                client = uow.clients.get(client_id)
                if client.erased:
                    raise ValidationError("client_id", f"client {client_id!r} has been erased")
            after = attrs.evolve(before.with_status(AppointmentStatus.BOOKED), client_id=client.id)
            if type_id is not None:
                kind = type_for_calendar(uow, type_id, before.calendar_id)  # B1
                after = attrs.evolve(after, type_id=type_id, is_group=kind.is_group)
            uow.appointments.update(after)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.BOOKING_CONFIRMED,
                new_id=self._new_id,
                appointment_id=appointment_id,
                client_id=client.id,
                before={
                    "status": before.status.value,
                    "client_id": None,
                    "type_id": before.type_id,
                },
                after={
                    "status": after.status.value,
                    "client_id": client.id,
                    "type_id": after.type_id,
                },
            )
            uow.commit()
        if self.on_confirmed is not None:
            self.on_confirmed(after)
        return after

    def decline(self, actor: Actor, appointment_id: str) -> Appointment:
        """C5: turn a request down; the slot is free again at once (cancelled, A3)."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            before = uow.appointments.get(appointment_id)
            authorize_in(uow, actor, Permission.CANCEL, before.calendar_id, "OnlineBooking.decline")
            after = before.with_status(AppointmentStatus.CANCELLED)
            uow.appointments.update(after)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_STATUS,
                new_id=self._new_id,
                appointment_id=appointment_id,
                before={"status": before.status.value},
                after={"status": after.status.value},
            )
            uow.commit()
        return after

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _releases_of(uow: UnitOfWork, room_id: str) -> list[OnlineRelease]:
        return [r for r in uow.online_releases.all() if r.room_id == room_id]

    @staticmethod
    def _locate(uow: UnitOfWork, token: str) -> tuple[OnlineRelease, Room, str]:
        """C1: the release, its room and zone — only while the room is still released."""
        if text_problem(token, max_length=MAX_NAME) is not None:
            # Whatever came in the URL, it names no booking link (G7).
            raise NotFoundError("booking link", repr(token))
        release = uow.online_releases.find(token) if token else None
        room = uow.rooms.find(release.room_id) if release is not None else None
        if release is None or room is None or not room.online_booking:
            raise NotFoundError("booking link", token)
        return release, room, uow.branches.get(room.branch_id).time_zone

    def _offered(
        self,
        uow: UnitOfWork,
        release: OnlineRelease,
        start: datetime,
        end: datetime,
        now: datetime,
        *,
        own_hold_id: str | None = None,
    ) -> list[Slot]:
        """C2/A7: the grid of the released room. Busy time is every active appointment in
        the room, whatever calendar (community member or not) it is in, plus the receiving
        practitioner's appointments elsewhere, plus other requesters' holds."""
        room_id = release.room_id
        branch_zone = room_time_zone(uow, room_id)
        availabilities = [
            a.in_branch_zone(branch_zone)
            for a in uow.availabilities.all()
            if a.room_id == room_id and a.calendar_id in (None, release.calendar_id)
        ]
        if not availabilities:
            return []
        # A10: buffers of every type, the practitioner's other rooms (all branches) and
        # their own working time count; the buffers themselves are never shown.
        taken = occupancy(uow, [room_id], release.calendar_id, start, end, type_id=release.type_id)
        busy = [*taken.room_busy[room_id], *taken.practitioner_busy]
        holds = [h for h in uow.slot_holds.all() if h.room_id == room_id]
        return offered_slots(
            availabilities,
            busy,
            holds,
            start,
            end,
            now,
            own_hold_id=own_hold_id,
            practitioner=taken.practitioner_windows,
            buffers=taken.buffers,
        )

    def _slot_at(
        self,
        uow: UnitOfWork,
        release: OnlineRelease,
        tz_name: str,
        start: datetime,
        now: datetime,
        *,
        own_hold_id: str | None,
    ) -> Slot:
        if to_utc(start) < to_utc(now):  # as instants, also on the October night
            raise ValidationError("start", "this slot lies in the past")
        tz = zone(tz_name)
        day = start.astimezone(tz).date()
        grid = self._offered(
            uow,
            release,
            local_datetime(day, time(0), tz),
            local_datetime(day + timedelta(days=1), time(0), tz),
            now,
            own_hold_id=own_hold_id,
        )
        # Compared as instants: two datetimes of one zone compare by wall clock and ignore
        # the fold, so the two 02:00 slots of the October night would be one (A5).
        wanted = to_utc(start)
        slot = next((s for s in grid if to_utc(s.start) == wanted), None)
        if slot is None:
            raise ValidationError(
                "start", f"{start.isoformat()} is not a slot of this booking page"
            )
        if not slot.free:
            if self._outside_hours(uow, release, slot):
                raise OutsideWorkingHoursError(slot.start)
            raise SlotTakenError(release.room_id, start=slot.start)
        return slot

    @staticmethod
    def _outside_hours(uow: UnitOfWork, release: OnlineRelease, slot: Slot) -> bool:
        """A10: whether ``slot`` lies outside the receiving practitioner's working hours
        (never, when they keep no hours of their own)."""
        practitioner_id, _ = practitioner_of(uow, release.calendar_id)
        hours = [h for h in uow.practitioner_hours.all() if h.practitioner_id == practitioner_id]
        start, end = to_utc(slot.start), to_utc(slot.end)
        windows = practitioner_windows(hours, start - timedelta(days=1), end + timedelta(days=1))
        return windows is not None and not within(windows, [w[0] for w in windows], start, end)

    def _register(
        self, uow: UnitOfWork, actor: Actor, appointment: Appointment, new: NewClient, now: datetime
    ) -> Client:
        organisation = organisation_of_calendar(uow, appointment.calendar_id)
        return register_client(
            uow,
            actor,
            at=now,
            new_id=self._new_id,
            organisation_id=organisation.id,
            last_name=new.last_name,
            first_name=new.first_name,
            email=new.email,
            phone=new.phone,
            mobile=new.mobile,
        )

    def _send_receipt(
        self, form: BookingRequestForm, room: Room, slot: Slot, appointment: Appointment
    ) -> bool:
        if self.transport is None:
            return False
        subject, text = self.render_receipt(form, room, slot)
        message = OutgoingMessage(
            idempotency_key=f"request-received:{appointment.id}",
            channel=Channel.EMAIL,
            address=form.email,
            text=text,
            subject=subject,
            appointment_ids=(appointment.id,),
            kind=MessageKind.REQUEST_RECEIVED.value,
        )
        try:
            self.transport.send(message)
        except TransportError:
            return False
        # D14: the appointment's history shows the message (time, address); there is no
        # client record whose history could hold it.
        with self.store.unit_of_work() as uow:
            uow.message_history.add_appointment_entry(
                AppointmentMessageEntry(
                    self._new_id(),
                    appointment.id,
                    self.clock.now(),
                    MessageKind.REQUEST_RECEIVED,
                    Channel.EMAIL,
                    form.email,
                    message.idempotency_key,
                )
            )
            uow.commit()
        return True
