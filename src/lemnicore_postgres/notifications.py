"""The PostgreSQL outbox and message history (D14, D15), shared by workers on many hosts.

A writing unit of work claims outbox rows: :meth:`PostgresNotificationLog.get` locks the row
(``FOR UPDATE``), and :meth:`~PostgresNotificationLog.ready` and
:meth:`~PostgresNotificationLog.in_state` skip rows another worker holds (``FOR UPDATE SKIP
LOCKED``). The dispatcher moves a row to ``sending`` in such a unit of work, so of two
workers only one ever hands a key to a transport (F4); a worker that dies leaves the row
``sending`` and the others' reconciliation sends it again under the same key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lemnicore.errors import NotFoundError
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.ports import (
    ERASED_TEXT,
    STOPPED_BY_ERASURE,
    AppointmentMessageEntry,
    ClientMessageEntry,
    OutboxMessage,
)
from lemnicore.notifications.sentlog import AppointmentRef, DeliveryState, SentRecord
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.sqlite.notifications import _attachments, _attachments_json
from lemnicore_postgres.repositories import APPOINTMENT_COLUMNS, appointment_from_row
from lemnicore_postgres.schema import NEEDS_NOTICE

if TYPE_CHECKING:
    from lemnicore_postgres.store import Transaction

OUTBOX_COLUMNS = (
    "id, key, kind, client_id, channel, address, subject, text, attachments, created_at,"
    " due_at, state, attempts, next_attempt_at, attempt_started_at, sent_at, failure,"
    " provider, provider_message_id"
)
_A_COLUMNS = ", ".join(f"a.{c.strip()}" for c in APPOINTMENT_COLUMNS.split(","))


def _row(m: OutboxMessage) -> tuple[Any, ...]:
    return (
        m.id,
        m.key,
        m.kind.value,
        m.client_id,
        m.channel.value,
        m.address,
        m.subject,
        m.text,
        _attachments_json(m.attachments),
        m.created_at,
        m.due_at,
        m.state.value,
        m.attempts,
        m.next_attempt_at,
        m.attempt_started_at,
        m.sent_at,
        m.failure,
        m.provider,
        m.provider_message_id,
    )


class PostgresNotificationLog:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _select(self, where: str, params: Sequence[Any], *, claim: str = "") -> list[OutboxMessage]:
        lock = f" {claim}" if claim and self._tx.write else ""
        rows = self._tx.all(
            f"SELECT {OUTBOX_COLUMNS} FROM notification_outbox WHERE {where}{lock}", params
        )
        if not rows:
            return []
        refs: dict[str, list[AppointmentRef]] = {}
        for appointment_id, sequence, message_id in self._tx.all(
            "SELECT appointment_id, sequence, message_id FROM notification_items"
            " WHERE message_id = ANY(%s)",
            ([r[0] for r in rows],),
        ):
            refs.setdefault(message_id, []).append(AppointmentRef(appointment_id, sequence))
        return [
            OutboxMessage(
                id=r[0],
                key=r[1],
                kind=MessageKind(r[2]),
                client_id=r[3],
                appointments=tuple(
                    sorted(refs.get(r[0], ()), key=lambda x: (x.appointment_id, x.sequence))
                ),
                channel=Channel(r[4]),
                address=r[5],
                subject=r[6],
                text=r[7],
                attachments=_attachments(r[8]),
                created_at=r[9],
                due_at=r[10],
                state=DeliveryState(r[11]),
                attempts=r[12],
                next_attempt_at=r[13],
                attempt_started_at=r[14],
                sent_at=r[15],
                failure=r[16],
                provider=r[17],
                provider_message_id=r[18],
            )
            for r in rows
        ]

    def add(self, message: OutboxMessage) -> None:
        self._tx.execute(
            f"INSERT INTO notification_outbox ({OUTBOX_COLUMNS}) VALUES ({', '.join(['%s'] * 19)})",
            _row(message),
            what=f"message {message.key!r}",
        )
        if message.appointments:
            self._tx.execute_many(
                "INSERT INTO notification_items (appointment_id, sequence, message_id, kind)"
                " VALUES (%s, %s, %s, %s)",
                [
                    (r.appointment_id, r.sequence, message.id, message.kind.value)
                    for r in message.appointments
                ],
                what=f"message {message.key!r}",
            )

    def update(self, message: OutboxMessage) -> None:
        row = _row(message)
        columns = OUTBOX_COLUMNS.replace(" ", "").split(",")[1:]
        changed = self._tx.execute(
            f"UPDATE notification_outbox SET {', '.join(c + '=%s' for c in columns)} WHERE id=%s",
            (*row[1:], message.id),
            what=f"message {message.key!r}",
        )
        if changed == 0:
            raise NotFoundError("message", message.id)

    def get(self, message_id: str) -> OutboxMessage:
        # F4: in a writing unit of work the row is held until commit; a second worker
        # waits here and then sees the state the first one left (e.g. ``sending``).
        found = self._select("id = %s", (message_id,), claim="FOR UPDATE")
        if not found:
            raise NotFoundError("message", message_id)
        return found[0]

    def by_key(self, key: str) -> OutboxMessage | None:
        found = self._select("key = %s", (key,))
        return found[0] if found else None

    def ready(self, now: datetime) -> list[OutboxMessage]:
        return self._select(
            "state = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= %s)"
            " ORDER BY created_at, id",
            (now,),
            claim="FOR UPDATE SKIP LOCKED",
        )

    def in_state(self, state: DeliveryState) -> list[OutboxMessage]:
        return self._select(
            "state = %s ORDER BY created_at, id", (state.value,), claim="FOR UPDATE SKIP LOCKED"
        )

    def for_appointments(self, appointment_ids: Iterable[str]) -> list[OutboxMessage]:
        ids = list(dict.fromkeys(appointment_ids))
        if not ids:
            return []
        return self._select(
            "id IN (SELECT message_id FROM notification_items WHERE appointment_id = ANY(%s))"
            " ORDER BY created_at, id",
            (ids,),
        )

    def to_clients_since(self, client_ids: Iterable[str], since: datetime) -> list[OutboxMessage]:
        ids = list(dict.fromkeys(client_ids))
        if not ids:
            return []
        # A message sent after ``since`` was created at most a retry cycle (hours) earlier.
        return self._select(
            "client_id = ANY(%s) AND created_at >= %s AND coalesce(sent_at, created_at) >= %s"
            " ORDER BY created_at, id",
            (ids, since - timedelta(days=1), since),
        )

    def sent_records(self, appointment_ids: Iterable[str]) -> list[SentRecord]:
        ids = list(dict.fromkeys(appointment_ids))
        if not ids:
            return []
        rows = self._tx.all(
            "SELECT i.appointment_id, i.sequence, o.key, o.kind, o.client_id,"
            " coalesce(o.sent_at, o.created_at), o.state, o.failure"
            " FROM notification_items AS i JOIN notification_outbox AS o ON o.id = i.message_id"
            " WHERE i.appointment_id = ANY(%s)",
            (ids,),
        )
        return [
            SentRecord(
                r[2],
                MessageKind(r[3]),
                r[4],
                (AppointmentRef(r[0], r[1]),),
                r[5],
                DeliveryState(r[6]),
                r[7],
            )
            for r in rows
        ]

    def last_contacts(self, client_ids: Iterable[str], since: datetime) -> dict[str, datetime]:
        ids = list(dict.fromkeys(client_ids))
        if not ids:
            return {}
        rows = self._tx.all(
            "SELECT client_id, max(coalesce(sent_at, created_at)) FROM notification_outbox"
            " WHERE client_id = ANY(%s) AND created_at >= %s AND state <> 'failed'"
            " GROUP BY client_id",
            (ids, since - timedelta(days=1)),
        )
        return {r[0]: r[1] for r in rows if r[1] >= since}

    def needing_notice(self, start: datetime, end: datetime) -> list[Appointment]:
        rows = self._tx.all(
            f"SELECT {_A_COLUMNS} FROM notification_open AS o"
            " JOIN appointments AS a ON a.id = o.appointment_id"
            f" WHERE o.start_at >= %s AND o.start_at < %s AND {NEEDS_NOTICE}"
            " ORDER BY a.start_at, a.id",
            (start, end),
        )
        return [appointment_from_row(r) for r in rows]

    def redact_client(self, client_id: str) -> int:
        return self._tx.execute(
            "UPDATE notification_outbox SET address = %(erased)s, text = %(erased)s,"
            " subject = CASE WHEN subject = '' THEN '' ELSE %(erased)s END, attachments = '[]',"
            " failure = CASE WHEN state IN ('pending', 'sending', 'work_list') THEN %(stopped)s"
            "   WHEN failure = '' THEN '' ELSE %(erased)s END,"
            " state = CASE WHEN state IN ('pending', 'sending', 'work_list') THEN 'failed'"
            "   ELSE state END"
            " WHERE client_id = %(client)s",
            {"erased": ERASED_TEXT, "stopped": STOPPED_BY_ERASURE, "client": client_id},
        )


class PostgresMessageHistory:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add_client_entry(self, entry: ClientMessageEntry) -> None:
        self._tx.execute(
            "INSERT INTO client_message_history (id, client_id, at, kind, channel, address,"
            " text, key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                entry.id,
                entry.client_id,
                entry.at,
                entry.kind.value,
                entry.channel.value,
                entry.address,
                entry.text,
                entry.key,
            ),
            what=f"history entry {entry.id!r}",
        )

    def add_appointment_entry(self, entry: AppointmentMessageEntry) -> None:
        self._tx.execute(
            "INSERT INTO appointment_message_history (id, appointment_id, at, kind, channel,"
            " address, key) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                entry.id,
                entry.appointment_id,
                entry.at,
                entry.kind.value,
                entry.channel.value,
                entry.address,
                entry.key,
            ),
            what=f"history entry {entry.id!r}",
        )

    def redact_client(
        self, client_id: str, appointment_ids: Iterable[str], keys: Iterable[str]
    ) -> int:
        count = self._tx.execute(
            "UPDATE client_message_history SET address = %s, text = %s WHERE client_id = %s",
            (ERASED_TEXT, ERASED_TEXT, client_id),
        )
        count += self._tx.execute(
            "UPDATE appointment_message_history SET address = %s"
            " WHERE (appointment_id = ANY(%s) OR key = ANY(%s)) AND address <> %s",
            (
                ERASED_TEXT,
                list(dict.fromkeys(appointment_ids)),
                list(dict.fromkeys(keys)),
                ERASED_TEXT,
            ),
        )
        return count

    def of_client(self, client_id: str) -> list[ClientMessageEntry]:
        rows = self._tx.all(
            "SELECT id, client_id, at, kind, channel, address, text, key"
            " FROM client_message_history WHERE client_id = %s ORDER BY at, id",
            (client_id,),
        )
        return [
            ClientMessageEntry(r[0], r[1], r[2], MessageKind(r[3]), Channel(r[4]), r[5], r[6], r[7])
            for r in rows
        ]

    def of_appointment(self, appointment_id: str) -> list[AppointmentMessageEntry]:
        rows = self._tx.all(
            "SELECT id, appointment_id, at, kind, channel, address, key"
            " FROM appointment_message_history WHERE appointment_id = %s ORDER BY at, id",
            (appointment_id,),
        )
        return [
            AppointmentMessageEntry(r[0], r[1], r[2], MessageKind(r[3]), Channel(r[4]), r[5], r[6])
            for r in rows
        ]
