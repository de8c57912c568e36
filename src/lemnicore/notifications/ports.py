"""D14/D15: the notification repositories — the outbox (sent-log) and message history.

The outbox is the single source of truth (D15): a message row is written in the same
transaction as the decision to send it, keyed by its idempotency key, and walks through
:class:`~lemnicore.notifications.sentlog.DeliveryState`. Manual messages are written there
too (already sent), so the double-message guard (D8) sees them. The history (D14) is what
staff read: per client (channel, address, text, time) and per appointment (time, address).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from lemnicore._validators import aware, non_empty, optional_aware
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.sentlog import AppointmentRef, DeliveryState, SentRecord
from lemnicore.notifications.transport import Attachment, OutgoingMessage
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel


@attrs.frozen
class OutboxMessage:
    """One message in the outbox (D15): what to send, to whom, and how far it got."""

    id: str = attrs.field(validator=non_empty)
    key: str = attrs.field(validator=non_empty)
    kind: MessageKind
    client_id: str | None
    appointments: tuple[AppointmentRef, ...]
    channel: Channel
    address: str
    text: str
    created_at: datetime = attrs.field(validator=aware)
    due_at: datetime = attrs.field(validator=aware)
    subject: str = ""
    attachments: tuple[Attachment, ...] = ()
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    attempt_started_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    sent_at: datetime | None = attrs.field(default=None, validator=optional_aware)
    failure: str = ""
    provider: str = ""
    provider_message_id: str | None = None

    def outgoing(self) -> OutgoingMessage:
        """The message as a transport takes it."""
        return OutgoingMessage(
            idempotency_key=self.key,
            channel=self.channel,
            address=self.address,
            text=self.text,
            subject=self.subject,
            attachments=self.attachments,
            client_id=self.client_id,
            appointment_ids=tuple(r.appointment_id for r in self.appointments),
            kind=self.kind.value,
        )

    def sent_record(self) -> SentRecord:
        """The message as the planner's sent-log sees it."""
        return SentRecord(
            self.key,
            self.kind,
            self.client_id,
            self.appointments,
            self.sent_at or self.created_at,
            self.state,
            self.failure,
        )


@attrs.frozen
class ClientMessageEntry:
    """D14: a message in the client's history — channel, address, text, time."""

    id: str
    client_id: str
    at: datetime = attrs.field(validator=aware)
    kind: MessageKind = MessageKind.MANUAL
    channel: Channel = Channel.EMAIL
    address: str = ""
    text: str = ""
    key: str = ""


@attrs.frozen
class AppointmentMessageEntry:
    """D14: a message in the appointment's history — time and address."""

    id: str
    appointment_id: str
    at: datetime = attrs.field(validator=aware)
    kind: MessageKind = MessageKind.MANUAL
    channel: Channel = Channel.EMAIL
    address: str = ""
    key: str = ""


class NotificationLog(Protocol):
    """The outbox (D15)."""

    def add(self, message: OutboxMessage) -> None:
        """Insert a new message; a second message with the same key is a StoreError."""

    def update(self, message: OutboxMessage) -> None:
        """Replace the stored message with the same id."""

    def get(self, message_id: str) -> OutboxMessage: ...

    def by_key(self, key: str) -> OutboxMessage | None: ...

    def ready(self, now: datetime) -> list[OutboxMessage]:
        """Pending messages whose next attempt is due at ``now``, oldest first."""

    def in_state(self, state: DeliveryState) -> list[OutboxMessage]: ...

    def for_appointments(self, appointment_ids: Iterable[str]) -> list[OutboxMessage]:
        """Every message naming one of the appointments (any sequence, any state)."""

    def to_clients_since(self, client_ids: Iterable[str], since: datetime) -> list[OutboxMessage]:
        """Messages to these clients created or sent at or after ``since`` (D8)."""

    def sent_records(self, appointment_ids: Iterable[str]) -> list[SentRecord]:
        """The planner's view of every message naming these appointments: one record per
        appointment and message, naming only that appointment (D9, D10, D15)."""

    def last_contacts(self, client_ids: Iterable[str], since: datetime) -> dict[str, datetime]:
        """D8: per client, the latest message at or after ``since`` that did not fail."""

    def needing_notice(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments starting in [start, end) that may need a confirmation or a
        cancellation: booked ones with a client and no message for their current
        sequence, and cancelled ones that were confirmed and not yet told (D10, D11).

        This keeps a run from reading the whole confirmation quarter every hour."""

    def redact_client(self, client_id: str) -> int:
        """B5: every message to the client keeps who/when/kind/channel/state, but its
        address, subject, text, attachments and failure text read ``[erased]`` (none
        for attachments). A message not sent yet is stopped (failed, "client erased").
        Returns how many messages were redacted."""


class MessageHistory(Protocol):
    """D14: what was sent to a client and about an appointment."""

    def add_client_entry(self, entry: ClientMessageEntry) -> None: ...

    def add_appointment_entry(self, entry: AppointmentMessageEntry) -> None: ...

    def of_client(self, client_id: str) -> list[ClientMessageEntry]:
        """The client's messages, oldest first."""

    def of_appointment(self, appointment_id: str) -> list[AppointmentMessageEntry]:
        """The appointment's messages, oldest first."""

    def redact_client(
        self, client_id: str, appointment_ids: Iterable[str], keys: Iterable[str]
    ) -> int:
        """B5: the client's history entries keep time, kind and channel, but address and
        text read ``[erased]``; so do the addresses in the history of ``appointment_ids``
        and of the messages with these ``keys``. Returns how many entries were redacted."""


ERASED_TEXT = "[erased]"
"""B5: what a redacted address or text reads (the audit log's marker)."""

STOPPED_BY_ERASURE = "not sent: the client was erased (B5)"


def last_notified_at(entries: Sequence[AppointmentMessageEntry]) -> datetime | None:
    """D14: the appointment shows when it was last notified."""
    return max((e.at for e in entries), default=None)
