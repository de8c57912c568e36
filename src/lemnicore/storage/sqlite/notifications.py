"""The SQLite outbox and message history (D14, D15), migration area ``notifications``."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from lemnicore.errors import NotFoundError, StoreError
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.ports import (
    ERASED_TEXT,
    STOPPED_BY_ERASURE,
    AppointmentMessageEntry,
    ClientMessageEntry,
    OutboxMessage,
)
from lemnicore.notifications.sentlog import AppointmentRef, DeliveryState, SentRecord
from lemnicore.notifications.transport import Attachment
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.sqlite.faults import ConstraintViolationError
from lemnicore.storage.sqlite.rows import (
    APPOINTMENT_COLUMNS,
    appointment_from_row,
    from_us,
    opt_from_us,
    opt_to_us,
    to_us,
)
from lemnicore.storage.sqlite.schema import NEEDS_NOTICE

_OUTBOX_COLUMNS = (
    "id, key, kind, client_id, channel, address, subject, text, attachments, created_us,"
    " due_us, state, attempts, next_attempt_us, attempt_started_us, sent_us, failure,"
    " provider, provider_message_id"
)
_CHUNK = 500

_A_COLUMNS = ", ".join(f"a.{c.strip()}" for c in APPOINTMENT_COLUMNS.split(","))

NEEDING_NOTICE_SQL = (
    # One range over the small notification_open table (kept by triggers, migration
    # notifications 2), then a primary-key probe per row: a confirmed appointment is never
    # touched. The rule is checked again so the answer never rests on the table alone.
    f"SELECT {_A_COLUMNS} FROM notification_open AS o"
    " JOIN appointments AS a ON a.id = o.appointment_id"
    f" WHERE o.start_us >= ? AND o.start_us < ? AND {NEEDS_NOTICE}"
    " ORDER BY a.start_us, a.id"
)
"""D10/D11: appointments that may still need a confirmation or a cancellation."""


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for value in values:
        batch.append(value)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _attachments_json(attachments: Sequence[Attachment]) -> str:
    return json.dumps(
        [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ]
    )


def _attachments(body: str) -> tuple[Attachment, ...]:
    return tuple(
        Attachment(d["filename"], d["content_type"], base64.b64decode(d["data"]))
        for d in json.loads(body)
    )


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
        to_us(m.created_at),
        to_us(m.due_at),
        m.state.value,
        m.attempts,
        opt_to_us(m.next_attempt_at),
        opt_to_us(m.attempt_started_at),
        opt_to_us(m.sent_at),
        m.failure,
        m.provider,
        m.provider_message_id,
    )


class SqliteNotificationLog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _select(self, where: str, params: Sequence[Any]) -> list[OutboxMessage]:
        rows = self._conn.execute(
            f"SELECT {_OUTBOX_COLUMNS} FROM notification_outbox WHERE {where}", params
        ).fetchall()
        if not rows:
            return []
        refs: dict[str, list[AppointmentRef]] = {}
        for batch in _chunks(r[0] for r in rows):
            marks = ",".join("?" * len(batch))
            for appointment_id, sequence, message_id in self._conn.execute(
                "SELECT appointment_id, sequence, message_id FROM notification_items"
                f" WHERE message_id IN ({marks})",
                batch,
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
                created_at=from_us(r[9]),
                due_at=from_us(r[10]),
                state=DeliveryState(r[11]),
                attempts=r[12],
                next_attempt_at=opt_from_us(r[13]),
                attempt_started_at=opt_from_us(r[14]),
                sent_at=opt_from_us(r[15]),
                failure=r[16],
                provider=r[17],
                provider_message_id=r[18],
            )
            for r in rows
        ]

    def add(self, message: OutboxMessage) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO notification_outbox ({_OUTBOX_COLUMNS})"
                f" VALUES ({', '.join('?' * 19)})",
                _row(message),
            )
        except ConstraintViolationError as exc:
            raise StoreError(f"message {message.key!r} cannot be stored: {exc.detail}") from exc
        self._conn.executemany(
            "INSERT INTO notification_items (appointment_id, sequence, message_id, kind)"
            " VALUES (?, ?, ?, ?)",
            [
                (r.appointment_id, r.sequence, message.id, message.kind.value)
                for r in message.appointments
            ],
        )

    def update(self, message: OutboxMessage) -> None:
        row = _row(message)
        columns = _OUTBOX_COLUMNS.replace(" ", "").split(",")[1:]
        cur = self._conn.execute(
            f"UPDATE notification_outbox SET {', '.join(c + '=?' for c in columns)} WHERE id=?",
            (*row[1:], message.id),
        )
        if cur.rowcount == 0:
            raise NotFoundError("message", message.id)

    def get(self, message_id: str) -> OutboxMessage:
        found = self._select("id = ?", (message_id,))
        if not found:
            raise NotFoundError("message", message_id)
        return found[0]

    def by_key(self, key: str) -> OutboxMessage | None:
        found = self._select("key = ?", (key,))
        return found[0] if found else None

    def ready(self, now: datetime) -> list[OutboxMessage]:
        return self._select(
            "state = 'pending' AND (next_attempt_us IS NULL OR next_attempt_us <= ?)"
            " ORDER BY created_us, id",
            (to_us(now),),
        )

    def in_state(self, state: DeliveryState) -> list[OutboxMessage]:
        return self._select("state = ? ORDER BY created_us, id", (state.value,))

    def for_appointments(self, appointment_ids: Iterable[str]) -> list[OutboxMessage]:
        found: dict[str, OutboxMessage] = {}
        for batch in _chunks(dict.fromkeys(appointment_ids)):
            marks = ",".join("?" * len(batch))
            for m in self._select(
                "id IN (SELECT message_id FROM notification_items"
                f" WHERE appointment_id IN ({marks}))",
                batch,
            ):
                found[m.id] = m
        return sorted(found.values(), key=lambda m: (m.created_at, m.id))

    def to_clients_since(self, client_ids: Iterable[str], since: datetime) -> list[OutboxMessage]:
        found: list[OutboxMessage] = []
        for batch in _chunks(dict.fromkeys(client_ids)):
            marks = ",".join("?" * len(batch))
            # Index range per client; a message sent after ``since`` was created at most a
            # retry cycle (hours) earlier, so a day of margin finds it too.
            found += self._select(
                f"client_id IN ({marks}) AND created_us >= ?",
                (*batch, to_us(since - timedelta(days=1))),
            )
        found = [m for m in found if (m.sent_at or m.created_at) >= since]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def sent_records(self, appointment_ids: Iterable[str]) -> list[SentRecord]:
        found: list[SentRecord] = []
        for batch in _chunks(dict.fromkeys(appointment_ids)):
            marks = ",".join("?" * len(batch))
            rows = self._conn.execute(
                "SELECT i.appointment_id, i.sequence, o.key, o.kind, o.client_id,"
                " coalesce(o.sent_us, o.created_us), o.state, o.failure"
                " FROM notification_items AS i JOIN notification_outbox AS o ON o.id = i.message_id"
                f" WHERE i.appointment_id IN ({marks})",
                batch,
            ).fetchall()
            found += [
                SentRecord(
                    r[2],
                    MessageKind(r[3]),
                    r[4],
                    (AppointmentRef(r[0], r[1]),),
                    from_us(r[5]),
                    DeliveryState(r[6]),
                    r[7],
                )
                for r in rows
            ]
        return found

    def last_contacts(self, client_ids: Iterable[str], since: datetime) -> dict[str, datetime]:
        latest: dict[str, datetime] = {}
        for batch in _chunks(dict.fromkeys(client_ids)):
            marks = ",".join("?" * len(batch))
            for client_id, at in self._conn.execute(
                "SELECT client_id, max(coalesce(sent_us, created_us)) FROM notification_outbox"
                f" WHERE client_id IN ({marks}) AND created_us >= ? AND state != 'failed'"
                " GROUP BY client_id",
                (*batch, to_us(since - timedelta(days=1))),
            ):
                if at >= to_us(since):
                    latest[client_id] = from_us(at)
        return latest

    def needing_notice(self, start: datetime, end: datetime) -> list[Appointment]:
        rows = self._conn.execute(NEEDING_NOTICE_SQL, (to_us(start), to_us(end))).fetchall()
        return [appointment_from_row(r) for r in rows]

    def redact_client(self, client_id: str) -> int:
        # secure_delete (see storage.sqlite.store.connect) overwrites the old values on
        # their pages; the erasure checkpoints the WAL afterwards.
        cur = self._conn.execute(
            "UPDATE notification_outbox SET address = :erased, text = :erased,"
            " subject = CASE WHEN subject = '' THEN '' ELSE :erased END, attachments = '[]',"
            " failure = CASE WHEN state IN ('pending', 'sending', 'work_list') THEN :stopped"
            "   WHEN failure = '' THEN '' ELSE :erased END,"
            " state = CASE WHEN state IN ('pending', 'sending', 'work_list') THEN 'failed'"
            "   ELSE state END"
            " WHERE client_id = :client",
            {"erased": ERASED_TEXT, "stopped": STOPPED_BY_ERASURE, "client": client_id},
        )
        return cur.rowcount


class SqliteMessageHistory:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add_client_entry(self, entry: ClientMessageEntry) -> None:
        self._conn.execute(
            "INSERT INTO client_message_history (id, client_id, at_us, kind, channel, address,"
            " text, key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                entry.client_id,
                to_us(entry.at),
                entry.kind.value,
                entry.channel.value,
                entry.address,
                entry.text,
                entry.key,
            ),
        )

    def add_appointment_entry(self, entry: AppointmentMessageEntry) -> None:
        self._conn.execute(
            "INSERT INTO appointment_message_history (id, appointment_id, at_us, kind, channel,"
            " address, key) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                entry.appointment_id,
                to_us(entry.at),
                entry.kind.value,
                entry.channel.value,
                entry.address,
                entry.key,
            ),
        )

    def redact_client(
        self, client_id: str, appointment_ids: Iterable[str], keys: Iterable[str]
    ) -> int:
        count = self._conn.execute(
            "UPDATE client_message_history SET address = ?, text = ? WHERE client_id = ?",
            (ERASED_TEXT, ERASED_TEXT, client_id),
        ).rowcount
        for column, values in (("appointment_id", appointment_ids), ("key", keys)):
            for batch in _chunks(dict.fromkeys(values)):
                marks = ",".join("?" * len(batch))
                count += self._conn.execute(
                    f"UPDATE appointment_message_history SET address = ? WHERE {column}"
                    f" IN ({marks}) AND address != ?",
                    (ERASED_TEXT, *batch, ERASED_TEXT),
                ).rowcount
        return count

    def of_client(self, client_id: str) -> list[ClientMessageEntry]:
        rows = self._conn.execute(
            "SELECT id, client_id, at_us, kind, channel, address, text, key"
            " FROM client_message_history WHERE client_id = ? ORDER BY at_us, id",
            (client_id,),
        ).fetchall()
        return [
            ClientMessageEntry(
                r[0], r[1], from_us(r[2]), MessageKind(r[3]), Channel(r[4]), r[5], r[6], r[7]
            )
            for r in rows
        ]

    def of_appointment(self, appointment_id: str) -> list[AppointmentMessageEntry]:
        rows = self._conn.execute(
            "SELECT id, appointment_id, at_us, kind, channel, address, key"
            " FROM appointment_message_history WHERE appointment_id = ? ORDER BY at_us, id",
            (appointment_id,),
        ).fetchall()
        return [
            AppointmentMessageEntry(
                r[0], r[1], from_us(r[2]), MessageKind(r[3]), Channel(r[4]), r[5], r[6]
            )
            for r in rows
        ]
