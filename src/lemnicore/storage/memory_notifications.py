"""The in-memory outbox and message history (D14, D15) for :mod:`lemnicore.storage.memory`.

Tables hold immutable values (tuples of ids), so the memory store's copy-on-write of a
table per unit of work keeps rollbacks exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from lemnicore.errors import NotFoundError, StoreError
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.ports import (
    ERASED_TEXT,
    STOPPED_BY_ERASURE,
    AppointmentMessageEntry,
    ClientMessageEntry,
    OutboxMessage,
)
from lemnicore.notifications.sentlog import DeliveryState, SentRecord
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.storage.ports import sorted_by_start

if TYPE_CHECKING:
    from lemnicore.storage.memory import _Working

NOTIFICATION_TABLES = (
    "notification_outbox",
    "notification_keys",
    "notification_by_appointment",
    "notification_by_client",
    "client_history",
    "appointment_history",
)


class MemoryNotificationLog:
    def __init__(self, working: Callable[[], _Working]) -> None:
        self._working = working

    def _outbox(self) -> dict[str, OutboxMessage]:
        return self._working().read("notification_outbox")

    def add(self, message: OutboxMessage) -> None:
        w = self._working()
        if message.key in w.read("notification_keys"):
            raise StoreError(f"a message with key {message.key!r} exists already")
        if message.id in w.read("notification_outbox"):
            raise StoreError(f"message {message.id!r} exists already")
        w.write("notification_outbox")[message.id] = message
        w.write("notification_keys")[message.key] = message.id
        by_appointment = w.write("notification_by_appointment")
        for ref in message.appointments:
            by_appointment[ref.appointment_id] = (
                *by_appointment.get(ref.appointment_id, ()),
                message.id,
            )
        if message.client_id is not None:
            by_client = w.write("notification_by_client")
            by_client[message.client_id] = (*by_client.get(message.client_id, ()), message.id)

    def update(self, message: OutboxMessage) -> None:
        table = self._working().write("notification_outbox")
        if message.id not in table:
            raise NotFoundError("message", message.id)
        table[message.id] = message

    def get(self, message_id: str) -> OutboxMessage:
        found = self._outbox().get(message_id)
        if found is None:
            raise NotFoundError("message", message_id)
        return found

    def by_key(self, key: str) -> OutboxMessage | None:
        message_id = self._working().read("notification_keys").get(key)
        return None if message_id is None else self._outbox()[message_id]

    def ready(self, now: datetime) -> list[OutboxMessage]:
        return sorted(
            (
                m
                for m in self._outbox().values()
                if m.state is DeliveryState.PENDING
                and (m.next_attempt_at is None or m.next_attempt_at <= now)
            ),
            key=lambda m: (m.created_at, m.id),
        )

    def in_state(self, state: DeliveryState) -> list[OutboxMessage]:
        return sorted(
            (m for m in self._outbox().values() if m.state is state),
            key=lambda m: (m.created_at, m.id),
        )

    def _by(self, index: str, ids: Iterable[str]) -> list[OutboxMessage]:
        table = self._working().read(index)
        outbox = self._outbox()
        found = {mid for i in ids for mid in table.get(i, ())}
        return sorted((outbox[m] for m in found), key=lambda m: (m.created_at, m.id))

    def for_appointments(self, appointment_ids: Iterable[str]) -> list[OutboxMessage]:
        return self._by("notification_by_appointment", appointment_ids)

    def to_clients_since(self, client_ids: Iterable[str], since: datetime) -> list[OutboxMessage]:
        return [
            m
            for m in self._by("notification_by_client", client_ids)
            if (m.sent_at or m.created_at) >= since
        ]

    def sent_records(self, appointment_ids: Iterable[str]) -> list[SentRecord]:
        wanted = set(appointment_ids)
        found = []
        for m in self.for_appointments(wanted):
            record = m.sent_record()
            for ref in m.appointments:
                if ref.appointment_id in wanted:
                    found.append(attrs.evolve(record, appointments=(ref,)))
        return found

    def last_contacts(self, client_ids: Iterable[str], since: datetime) -> dict[str, datetime]:
        latest: dict[str, datetime] = {}
        for m in self.to_clients_since(client_ids, since):
            at = m.sent_at or m.created_at
            if m.client_id and m.state.reached_client:
                previous = latest.get(m.client_id)
                if previous is None or at > previous:
                    latest[m.client_id] = at
        return latest

    def needing_notice(self, start: datetime, end: datetime) -> list[Appointment]:
        outbox = self._outbox()
        index = self._working().read("notification_by_appointment")
        found = []
        for a in self._working().read("appointments").values():
            if not start <= a.start < end or a.client_id is None or a.is_group:
                continue
            messages = [outbox[m] for m in index.get(a.id, ())]
            if a.status is AppointmentStatus.BOOKED:
                if not any(
                    r.appointment_id == a.id and r.sequence == a.sequence
                    for m in messages
                    for r in m.appointments
                ):
                    found.append(a)
            elif a.status is AppointmentStatus.CANCELLED:
                kinds = {m.kind for m in messages}
                if MessageKind.CONFIRMATION in kinds and MessageKind.CANCELLATION not in kinds:
                    found.append(a)
        return sorted_by_start(found)

    def redact_client(self, client_id: str) -> int:
        ids = self._working().read("notification_by_client").get(client_id, ())
        if not ids:
            return 0
        table = self._working().write("notification_outbox")
        for message_id in ids:
            table[message_id] = redacted_message(table[message_id])
        return len(ids)


def redacted_message(message: OutboxMessage) -> OutboxMessage:
    """B5: ``message`` without personal values; stopped if it was still to be sent."""
    stopped = message.state in (
        DeliveryState.PENDING,
        DeliveryState.SENDING,
        DeliveryState.WORK_LIST,
    )
    return attrs.evolve(
        message,
        address=ERASED_TEXT,
        subject=ERASED_TEXT if message.subject else "",
        text=ERASED_TEXT,
        attachments=(),
        state=DeliveryState.FAILED if stopped else message.state,
        failure=STOPPED_BY_ERASURE if stopped else (ERASED_TEXT if message.failure else ""),
    )


class MemoryMessageHistory:
    def __init__(self, working: Callable[[], _Working]) -> None:
        self._working = working

    def add_client_entry(self, entry: ClientMessageEntry) -> None:
        table = self._working().write("client_history")
        table[entry.client_id] = (*table.get(entry.client_id, ()), entry)

    def add_appointment_entry(self, entry: AppointmentMessageEntry) -> None:
        table = self._working().write("appointment_history")
        table[entry.appointment_id] = (*table.get(entry.appointment_id, ()), entry)

    def redact_client(
        self, client_id: str, appointment_ids: Iterable[str], keys: Iterable[str]
    ) -> int:
        count = 0
        clients = self._working().read("client_history")
        if client_id in clients:
            entries = clients[client_id]
            self._working().write("client_history")[client_id] = tuple(
                attrs.evolve(e, address=ERASED_TEXT, text=ERASED_TEXT) for e in entries
            )
            count += len(entries)
        wanted_keys = set(keys)
        wanted = set(appointment_ids)
        table = self._working().read("appointment_history")
        changed = {
            appointment_id: entries
            for appointment_id, entries in table.items()
            if appointment_id in wanted or any(e.key in wanted_keys for e in entries)
        }
        if changed:
            writable = self._working().write("appointment_history")
            for appointment_id, entries in changed.items():
                writable[appointment_id] = tuple(
                    attrs.evolve(e, address=ERASED_TEXT)
                    if appointment_id in wanted or e.key in wanted_keys
                    else e
                    for e in entries
                )
                count += sum(1 for e in entries if appointment_id in wanted or e.key in wanted_keys)
        return count

    def of_client(self, client_id: str) -> list[ClientMessageEntry]:
        entries: tuple[ClientMessageEntry, ...] = (
            self._working().read("client_history").get(client_id, ())
        )
        return sorted(entries, key=lambda e: e.at)

    def of_appointment(self, appointment_id: str) -> list[AppointmentMessageEntry]:
        entries: tuple[AppointmentMessageEntry, ...] = (
            self._working().read("appointment_history").get(appointment_id, ())
        )
        return sorted(entries, key=lambda e: e.at)
