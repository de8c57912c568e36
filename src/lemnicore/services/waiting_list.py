"""A11: the waiting list service — entries, offers of freed slots, accept, decline, expiry.

A freed slot (a cancellation, also the client's own (H5), a no-show slot released, a
move) is offered to the first matching entry (:func:`~lemnicore.scheduling.waiting_list.
first_waiting_for`) by the entry's channel. The slot is held for that client (an online
:class:`~lemnicore.online.releases.SlotHold`, so the booking page shows it taken) for
``hold_for``; on decline or expiry it goes to the next. The notification rules apply: no
offer to a client without consent or without an address on the channel (they are passed
over), and an offer falling in the quiet hours (D6) goes out when they end — the hold
counts from then. Every step is audited (B3).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.matrix import Relation
from lemnicore.access.policy import Permission
from lemnicore.clock import Clock
from lemnicore.errors import ConflictError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.ports import OutboxMessage
from lemnicore.notifications.windows import DailyWindow
from lemnicore.online.releases import SlotHold
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel, Client
from lemnicore.scheduling.waiting_list import (
    FreedSlot,
    OfferState,
    WaitingEntry,
    WaitingListOffer,
    WaitingState,
    first_waiting_for,
)
from lemnicore.services.booking import authorize_in, record, require_client_reach
from lemnicore.services.lookup import room_for_organisation, type_for
from lemnicore.services.occupancy import check_place, practitioner_of
from lemnicore.storage.ports import Store, UnitOfWork
from lemnicore.timekeeping import to_utc, zone

DEFAULT_OFFER_HOLD = timedelta(hours=2)


def goes_out_at(now: datetime, quiet_hours: DailyWindow | None, time_zone: str) -> datetime:
    """D6 for A11: ``now``, or the end of the quiet hours ``now`` falls in."""
    now = to_utc(now)
    if quiet_hours is None:
        return now
    for begin, end in quiet_hours.occurrences(now, zone(time_zone)):
        if to_utc(begin) <= now < to_utc(end):
            return to_utc(end)
    return now


def offer_text(slot: FreedSlot, room_name: str, expires_at: datetime) -> str:
    """The offer's words: when, where, until when — no type, no health data (D13)."""
    tz = zone(slot.time_zone)
    return (
        f"An appointment has become free: {slot.start.astimezone(tz):%a %d.%m.%Y %H:%M}"
        f" in {room_name}. We keep it for you until"
        f" {expires_at.astimezone(tz):%d.%m.%Y %H:%M}; reply to accept or decline."
    )


class WaitingList:
    """A11: who waits, and who gets a freed slot first."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        new_id: IdFactory = new_id,
        hold_for: timedelta = DEFAULT_OFFER_HOLD,
    ) -> None:
        if hold_for <= timedelta(0):
            raise ValidationError("hold_for", f"must be positive, got {hold_for}")
        self.store = store
        self.clock = clock
        self._new_id = new_id
        self.hold_for = hold_for

    # -- entries -------------------------------------------------------------------------

    def _audit(
        self,
        uow: UnitOfWork,
        now: datetime,
        actor: Actor,
        *,
        client_id: str,
        subject_id: str,
        before: dict[str, object] | None = None,
        after: dict[str, object] | None = None,
        note: str = "",
    ) -> None:
        """B3/A11: every step of the waiting list is one audit entry of its kind."""
        record(
            uow,
            at=now,
            actor=actor,
            action=AuditAction.WAITING_LIST,
            new_id=self._new_id,
            client_id=client_id,
            subject_id=subject_id,
            before=before,
            after=after,
            note=note,
        )

    def add(
        self,
        actor: Actor,
        *,
        client_id: str,
        type_id: str,
        earliest: date,
        latest: date,
        room_ids: frozenset[str] | set[str] | tuple[str, ...] = (),
        practitioner_id: str | None = None,
        weekdays: frozenset[int] | set[int] | tuple[int, ...] = (),
        from_time: time | None = None,
        until_time: time | None = None,
        channel: Channel | None = None,
    ) -> WaitingEntry:
        """A11: put a client on the waiting list (their preferred channel by default)."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            AccessGateway(uow, actor).client("WaitingList.add", client)
            type_for(uow, type_id, client.organisation_id)  # B1: not another practice's type
            for room_id in room_ids:
                room_for_organisation(uow, room_id, client.organisation_id)  # B1/A7
            if practitioner_id is not None:
                uow.practitioners.get(practitioner_id)
            entry = WaitingEntry(
                id=self._new_id(),
                client_id=client_id,
                type_id=type_id,
                earliest=earliest,
                latest=latest,
                entered_at=now,
                channel=channel or _channel_of(client),
                room_ids=frozenset(room_ids),
                practitioner_id=practitioner_id,
                weekdays=frozenset(weekdays),
                from_time=from_time,
                until_time=until_time,
            )
            uow.waiting_list.put(entry)
            self._audit(
                uow,
                now,
                actor,
                client_id=client_id,
                subject_id=entry.id,
                after={"entry": entry.id, "type_id": type_id, "state": entry.state.value},
                note="entered",
            )
            uow.commit()
        return entry

    def withdraw(self, actor: Actor, entry_id: str) -> WaitingEntry:
        """A11: take an entry off the list (the client no longer waits)."""
        return self._settle_entry(actor, entry_id, WaitingState.WITHDRAWN, "withdrawn")

    def entries(self, actor: Actor, organisation_id: str) -> list[WaitingEntry]:
        """A11: the waiting entries of an organisation, in order of entry — only of the
        clients the actor may see (B1: not a community member's, A7)."""
        with self.store.unit_of_work(write=False) as uow:
            gate = AccessGateway(uow, actor)
            relation = gate.organisation("WaitingList.entries", organisation_id)
            found = [
                e
                for e in uow.waiting_list.all()
                if e.state is WaitingState.WAITING
                and _seen(gate, relation, organisation_id, uow.clients.find(e.client_id))
            ]
        return sorted(found, key=lambda e: (e.entered_at, e.id))

    def offers(self, actor: Actor, organisation_id: str) -> list[WaitingListOffer]:
        """A11: every offer made to clients of an organisation the actor may see, oldest
        first."""
        with self.store.unit_of_work(write=False) as uow:
            gate = AccessGateway(uow, actor)
            relation = gate.organisation("WaitingList.offers", organisation_id)
            found = [
                o
                for o in uow.waiting_list_offers.all()
                if _seen(gate, relation, organisation_id, uow.clients.find(o.client_id))
            ]
        return sorted(found, key=lambda o: (o.offered_at, o.id))

    # -- offers --------------------------------------------------------------------------

    def slot_freed(self, actor: Actor, appointment: Appointment) -> WaitingListOffer | None:
        """A11: ``appointment`` (as it was before its cancellation, no-show release or
        move) left its slot free: offer it to the first matching entry, if any."""
        with self.store.unit_of_work() as uow:
            authorize_in(
                uow, actor, Permission.BOOK, appointment.calendar_id, "WaitingList.slot_freed"
            )
            practitioner_id, _ = practitioner_of(uow, appointment.calendar_id)
            room = uow.rooms.get(appointment.room_id)
            slot = FreedSlot(
                room_id=appointment.room_id,
                start=appointment.start,
                end=appointment.end,
                type_id=appointment.type_id,
                calendar_id=appointment.calendar_id,
                practitioner_id=practitioner_id,
                time_zone=uow.branches.get(room.branch_id).time_zone,
            )
            offer = self._offer(uow, actor, slot, asked=())
            uow.commit()
        return offer

    def offer_slot(self, actor: Actor, slot: FreedSlot) -> WaitingListOffer | None:
        """A11: offer any free ``slot`` (e.g. found by staff) to the first matching entry."""
        with self.store.unit_of_work() as uow:
            authorize_in(uow, actor, Permission.BOOK, slot.calendar_id, "WaitingList.offer_slot")
            offer = self._offer(uow, actor, slot, asked=())
            uow.commit()
        return offer

    def accept(self, actor: Actor, offer_id: str) -> Appointment:
        """A11: the client takes the offered slot: it is booked for them (A4/A10 checked),
        their entry is settled. An expired or settled offer is refused."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            offer = uow.waiting_list_offers.get(offer_id)
            slot = offer.slot
            gate = AccessGateway(uow, actor)
            gate.calendar("WaitingList.accept", slot.calendar_id, Permission.BOOK)
            require_client_reach(gate, offer.client_id, "WaitingList.accept")
            if not offer.is_open(now):
                raise ConflictError(
                    f"waiting list offer {offer_id!r} is {_state_now(offer, now)}; it cannot be"
                    " accepted"
                )
            if offer.hold_id is not None:
                uow.slot_holds.remove(offer.hold_id)
            kind = uow.appointment_types.get(slot.type_id)
            appointment = check_place(
                uow,
                Appointment(
                    id=self._new_id(),
                    calendar_id=slot.calendar_id,
                    room_id=slot.room_id,
                    start=slot.start,
                    end=slot.end,
                    type_id=slot.type_id,
                    client_id=offer.client_id,
                    is_group=kind.is_group,
                    created_at=now,
                ),
            )
            uow.appointments.add(appointment)
            uow.waiting_list_offers.put(attrs.evolve(offer, state=OfferState.ACCEPTED))
            entry = uow.waiting_list.get(offer.entry_id)
            uow.waiting_list.put(attrs.evolve(entry, state=WaitingState.BOOKED))
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_CREATED,
                new_id=self._new_id,
                appointment_id=appointment.id,
                client_id=offer.client_id,
                after={
                    "room_id": slot.room_id,
                    "start": slot.start.isoformat(),
                    "end": slot.end.isoformat(),
                    "offer": offer.id,
                },
                note="accepted from the waiting list (A11)",
            )
            uow.commit()
        return appointment

    def decline(self, actor: Actor, offer_id: str) -> WaitingListOffer | None:
        """A11: the client does not want the slot: it goes to the next matching entry
        (returned, or ``None`` if nobody else waits for it). Their entry stays."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            offer = uow.waiting_list_offers.get(offer_id)
            authorize_in(uow, actor, Permission.BOOK, offer.slot.calendar_id, "WaitingList.decline")
            if not offer.is_open(now):
                raise ConflictError(
                    f"waiting list offer {offer_id!r} is {_state_now(offer, now)}; it cannot be"
                    " declined"
                )
            following = self._pass_on(uow, actor, offer, OfferState.DECLINED)
            uow.commit()
        return following

    def expire(self) -> list[WaitingListOffer]:
        """A11: pass every open offer whose hold ran out on to the next entry. A job (run
        it with the hourly notification run): it acts as the system actor of whoever holds
        the store. Returns the new offers made."""
        now = to_utc(self.clock.now())
        made: list[WaitingListOffer] = []
        with self.store.unit_of_work() as uow:
            AccessGateway(uow, SYSTEM_ACTOR).store("WaitingList.expire")
            for offer in uow.waiting_list_offers.all():
                if offer.state is OfferState.OPEN and offer.expires_at <= now:
                    following = self._pass_on(uow, SYSTEM_ACTOR, offer, OfferState.EXPIRED)
                    if following is not None:
                        made.append(following)
            uow.commit()
        return made

    # -- inside a unit of work -----------------------------------------------------------

    def _pass_on(
        self, uow: UnitOfWork, actor: Actor, offer: WaitingListOffer, state: OfferState
    ) -> WaitingListOffer | None:
        now = self.clock.now()
        uow.waiting_list_offers.put(attrs.evolve(offer, state=state))
        if offer.hold_id is not None:
            uow.slot_holds.remove(offer.hold_id)
        entry = uow.waiting_list.find(offer.entry_id)
        if entry is not None and entry.state is WaitingState.OFFERED:
            uow.waiting_list.put(attrs.evolve(entry, state=WaitingState.WAITING))
        self._audit(
            uow,
            now,
            actor,
            client_id=offer.client_id,
            subject_id=offer.id,
            before={"state": OfferState.OPEN.value},
            after={"state": state.value},
            note=f"offer {state.value}",
        )
        return self._offer(uow, actor, offer.slot, asked=(*offer.asked, offer.client_id))

    def _offer(
        self, uow: UnitOfWork, actor: Actor, slot: FreedSlot, asked: tuple[str, ...]
    ) -> WaitingListOffer | None:
        """Offer ``slot`` to the first matching entry whose client may be told (D4, D12);
        the others are passed over (and audited), not bothered."""
        now = to_utc(self.clock.now())
        if slot.start <= now:
            return None  # a slot that has begun cannot be offered any more
        if check_free(uow, slot) is False:
            return None
        policy = uow.notification_policies.find("default") or NotificationPolicy()
        entries = sorted(
            (e for e in uow.waiting_list.all() if e.state is WaitingState.WAITING),
            key=lambda e: (e.entered_at, e.id),
        )
        skipped = list(asked)
        while True:
            entry = first_waiting_for(slot, entries, asked=skipped, ordered=True)
            if entry is None:
                return None
            client = uow.clients.find(entry.client_id)
            address = client.address_for(entry.channel) if client is not None else None
            if client is None or client.erased or not client.notification_consent or not address:
                skipped.append(entry.client_id)
                self._audit(
                    uow,
                    now,
                    actor,
                    client_id=entry.client_id,
                    subject_id=entry.id,
                    note="passed over: no consent or no address on the channel (D4, D12)",
                )
                continue
            sends_at = goes_out_at(now, policy.quiet_hours, slot.time_zone)
            expires_at = sends_at + self.hold_for
            hold = SlotHold(self._new_id(), slot.room_id, slot.start, slot.end, expires_at)
            uow.slot_holds.put(hold)
            offer = WaitingListOffer(
                id=self._new_id(),
                entry_id=entry.id,
                client_id=entry.client_id,
                slot=slot,
                offered_at=sends_at,
                expires_at=expires_at,
                channel=entry.channel,
                asked=tuple(skipped),
                hold_id=hold.id,
            )
            uow.waiting_list_offers.put(offer)
            uow.waiting_list.put(attrs.evolve(entry, state=WaitingState.OFFERED))
            room = uow.rooms.get(slot.room_id)
            uow.notification_log.add(
                OutboxMessage(
                    id=self._new_id(),
                    key=f"waiting-list-offer:{offer.id}",
                    kind=MessageKind.WAITING_LIST_OFFER,
                    client_id=entry.client_id,
                    appointments=(),
                    channel=entry.channel,
                    address=address,
                    text=offer_text(slot, room.name, expires_at),
                    subject="An appointment has become free",
                    created_at=now,
                    due_at=sends_at,
                    next_attempt_at=sends_at,
                )
            )
            self._audit(
                uow,
                now,
                actor,
                client_id=entry.client_id,
                subject_id=offer.id,
                after={
                    "entry": entry.id,
                    "room_id": slot.room_id,
                    "start": slot.start.isoformat(),
                    "expires_at": expires_at.isoformat(),
                    "channel": entry.channel.value,
                },
                note="offered",
            )
            return offer

    def _settle_entry(
        self, actor: Actor, entry_id: str, state: WaitingState, note: str
    ) -> WaitingEntry:
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            entry = uow.waiting_list.get(entry_id)
            AccessGateway(uow, actor).client(
                "WaitingList.withdraw", uow.clients.get(entry.client_id)
            )
            settled = attrs.evolve(entry, state=state)
            uow.waiting_list.put(settled)
            self._audit(
                uow,
                now,
                actor,
                client_id=entry.client_id,
                subject_id=entry.id,
                before={"state": entry.state.value},
                after={"state": state.value},
                note=note,
            )
            uow.commit()
        return settled


def check_free(uow: UnitOfWork, slot: FreedSlot) -> bool:
    """Whether the freed slot is still free (nobody took it meanwhile, A4/A10)."""
    probe = Appointment(
        id="waiting-list-probe",
        calendar_id=slot.calendar_id,
        room_id=slot.room_id,
        start=slot.start,
        end=slot.end,
        type_id=slot.type_id,
    )
    try:
        check_place(uow, probe)
    except ConflictError:
        return False
    return True


def _channel_of(client: Client) -> Channel:
    try:
        return Channel(client.preferred_channel or Channel.EMAIL)
    except ValueError:
        return Channel.EMAIL


def _seen(
    gate: AccessGateway, relation: Relation, organisation_id: str, client: Client | None
) -> bool:
    """B1: an organisation-wide list shows only the clients the actor may see."""
    return (
        client is not None
        and client.organisation_id == organisation_id
        and gate.sees_client(client, relation)
    )


def _state_now(offer: WaitingListOffer, now: datetime) -> str:
    if offer.state is OfferState.OPEN:
        return "expired"
    return offer.state.value


__all__ = ["DEFAULT_OFFER_HOLD", "WaitingList", "goes_out_at", "offer_text"]
