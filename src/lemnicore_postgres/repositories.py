"""The PostgreSQL repositories of master data, appointments, clients and the audit log.

Every repository talks to its unit of work's :class:`~lemnicore_postgres.store.Transaction`
(one connection, one transaction). Values are converted at this boundary only; times go in
and come out as aware UTC datetimes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from lemnicore._validators import is_record_id
from lemnicore.access.audit import REDACTED, AuditEntry
from lemnicore.errors import ConflictError, NotFoundError
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import Client
from lemnicore.storage.ports import record_name
from lemnicore.storage.sqlite.rows import document_body, document_value
from lemnicore_postgres.schema import ACTIVE

if TYPE_CHECKING:
    from lemnicore_postgres.store import Transaction

T = TypeVar("T")

_MICRO = timedelta(microseconds=1)

APPOINTMENT_COLUMNS = (
    "id, calendar_id, room_id, start_at, end_at, type_id, status, client_id, comment, "
    "is_group, sequence, double_booked, created_at, external_id, import_id"
)
_APPOINTMENT_MARKS = ", ".join(["%s"] * 15)

CLIENT_COLUMNS = (
    "id, organisation_id, last_name, first_name, salutation, email, mobile, phone, "
    "threema_id, postal_address, birthday, notes, tags, preferred_channel, "
    "notification_consent, consent_changed_at, contact_changed_at, external_id, import_id, "
    "erased"
)
_CLIENT_MARKS = ", ".join(["%s"] * 21)


def appointment_row(a: Appointment) -> tuple[Any, ...]:
    return (
        a.id,
        a.calendar_id,
        a.room_id,
        a.start,
        a.end,
        a.type_id,
        a.status.value,
        a.client_id,
        a.comment,
        a.is_group,
        a.sequence,
        a.double_booked,
        a.created_at,
        a.external_id,
        a.import_id,
    )


def appointment_from_row(r: Sequence[Any]) -> Appointment:
    return Appointment(
        id=r[0],
        calendar_id=r[1],
        room_id=r[2],
        start=r[3],
        end=r[4],
        type_id=r[5],
        status=AppointmentStatus(r[6]),
        client_id=r[7],
        comment=r[8],
        is_group=r[9],
        sequence=r[10],
        double_booked=r[11],
        created_at=r[12],
        external_id=r[13],
        import_id=r[14],
    )


def client_row(c: Client) -> tuple[Any, ...]:
    return (
        c.id,
        c.organisation_id,
        c.last_name,
        c.first_name,
        c.salutation,
        c.email,
        c.mobile,
        c.phone,
        c.threema_id,
        c.postal_address,
        c.birthday,
        c.notes,
        json.dumps(sorted(c.tags)),
        c.preferred_channel,
        c.notification_consent,
        c.consent_changed_at,
        c.contact_changed_at,
        c.external_id,
        c.import_id,
        c.erased,
        c.email.casefold() if c.email else None,
    )


def client_from_row(r: Sequence[Any]) -> Client:
    birthday: date | None = r[10]
    return Client(
        id=r[0],
        organisation_id=r[1],
        last_name=r[2],
        first_name=r[3],
        salutation=r[4],
        email=r[5],
        mobile=r[6],
        phone=r[7],
        threema_id=r[8],
        postal_address=r[9],
        birthday=birthday,
        notes=r[11],
        tags=frozenset(json.loads(r[12])),
        preferred_channel=r[13],
        notification_consent=r[14],
        consent_changed_at=r[15],
        contact_changed_at=r[16],
        external_id=r[17],
        import_id=r[18],
        erased=r[19],
    )


class PostgresCatalog(Generic[T]):
    """Master data stored as JSON documents keyed by (kind, id), as in the SQLite store."""

    def __init__(self, tx: Transaction, kind: str, cls: type[T]) -> None:
        self._tx = tx
        self._kind = kind
        self._cls = cls

    def put(self, value: T) -> None:
        self._tx.execute(
            "INSERT INTO documents (kind, id, body) VALUES (%s, %s, %s)"
            " ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            (self._kind, value.id, document_body(value)),  # type: ignore[attr-defined]
            what=f"{record_name(self._kind)} {value.id!r}",  # type: ignore[attr-defined]
        )

    def get(self, record_id: str) -> T:
        found = self.find(record_id)
        if found is None:
            raise NotFoundError(record_name(self._kind), record_id)
        return found

    def find(self, record_id: str) -> T | None:
        if not is_record_id(record_id):  # G7: "not found", never a driver error
            return None
        row = self._tx.one(
            "SELECT body FROM documents WHERE kind = %s AND id = %s", (self._kind, record_id)
        )
        return None if row is None else document_value(row[0], self._cls)

    def all(self) -> list[T]:
        rows = self._tx.all(
            'SELECT body FROM documents WHERE kind = %s ORDER BY id COLLATE "C"', (self._kind,)
        )
        return [document_value(r[0], self._cls) for r in rows]

    def remove(self, record_id: str) -> None:
        self._tx.execute(
            "DELETE FROM documents WHERE kind = %s AND id = %s", (self._kind, record_id)
        )


_LONGEST = "coalesce((SELECT value FROM store_meta WHERE key = 'max_duration_us'), 0)"
"""The longest stored appointment in microseconds: bounds an overlap query below (A5)."""


class PostgresAppointments:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _select(self, where: str, params: Sequence[Any]) -> list[Appointment]:
        rows = self._tx.all(f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE {where}", params)
        return [appointment_from_row(r) for r in rows]

    def _note_duration(self, appointments: Sequence[Appointment]) -> None:
        longest = max(((a.end - a.start) for a in appointments), default=None)
        if longest is None:
            return
        micros = longest // _MICRO
        # Written only when it grows, so bookings do not queue on this one row.
        self._tx.execute(
            "INSERT INTO store_meta (key, value) SELECT 'max_duration_us', %s"
            f" WHERE %s > {_LONGEST}"
            " ON CONFLICT (key) DO UPDATE SET value = greatest(store_meta.value, excluded.value)",
            (micros, micros),
        )

    def add(self, appointment: Appointment) -> None:
        self._tx.execute(
            f"INSERT INTO appointments ({APPOINTMENT_COLUMNS}) VALUES ({_APPOINTMENT_MARKS})",
            appointment_row(appointment),
            what=f"appointment {appointment.id!r}",
            appointment=appointment,
        )
        self._note_duration((appointment,))

    def add_many(self, appointments: Sequence[Appointment]) -> None:
        """Insert many appointments at once (imports, benchmarks)."""
        if not appointments:
            return
        self._tx.execute_many(
            f"INSERT INTO appointments ({APPOINTMENT_COLUMNS}) VALUES ({_APPOINTMENT_MARKS})",
            [appointment_row(a) for a in appointments],
            what="appointments",
        )
        self._note_duration(appointments)

    def update(self, appointment: Appointment) -> None:
        row = appointment_row(appointment)
        changed = self._tx.execute(
            "UPDATE appointments SET calendar_id=%s, room_id=%s, start_at=%s, end_at=%s,"
            " type_id=%s, status=%s, client_id=%s, comment=%s, is_group=%s, sequence=%s,"
            " double_booked=%s, created_at=%s, external_id=%s, import_id=%s WHERE id=%s",
            (*row[1:], row[0]),
            what=f"appointment {appointment.id!r}",
            appointment=appointment,
        )
        if changed == 0:
            raise NotFoundError("appointment", appointment.id)
        self._note_duration((appointment,))

    def get(self, appointment_id: str) -> Appointment:
        found = self.find(appointment_id)
        if found is None:
            raise NotFoundError("appointment", appointment_id)
        return found

    def find(self, appointment_id: str) -> Appointment | None:
        if not is_record_id(appointment_id):
            return None
        found = self._select("id = %s", (appointment_id,))
        return found[0] if found else None

    def in_room(
        self, room_id: str, start: datetime, end: datetime, *, active_only: bool = True
    ) -> list[Appointment]:
        # F2: a writer that looks at a room's time holds the room until it commits, so a
        # check-then-insert (booking, online request, hold) cannot interleave with another
        # on any host. The exclusion constraint stays the backstop underneath.
        self._tx.lock("room", room_id)
        where = (
            "room_id = %s AND start_at < %s AND end_at > %s"
            f" AND start_at >= %s - {_LONGEST} * interval '1 microsecond'"
        )
        if active_only:
            where += f" AND {ACTIVE}"
        return self._select(where + " ORDER BY start_at, id", (room_id, end, start, start))

    def in_calendar(self, calendar_id: str, start: datetime, end: datetime) -> list[Appointment]:
        # C2/A7: an online request also checks that the practitioner is free elsewhere;
        # held like a room, so two rooms cannot both give away the same person's hour.
        self._tx.lock("calendar", calendar_id)
        return self._select(
            "calendar_id = %s AND start_at < %s AND end_at > %s"
            f" AND start_at >= %s - {_LONGEST} * interval '1 microsecond' ORDER BY start_at, id",
            (calendar_id, end, start, start),
        )

    def starting_between(self, start: datetime, end: datetime) -> list[Appointment]:
        return self._select("start_at >= %s AND start_at < %s ORDER BY start_at, id", (start, end))

    def count_active_starting_between(
        self,
        calendar_ids: Collection[str],
        start: datetime,
        end: datetime,
        *,
        excluding: str | None = None,
    ) -> int:
        ids = sorted(calendar_ids)
        if not ids:
            return 0
        # B4: a writer counting a month holds that month of these calendars until it
        # commits, so two bookings cannot both take the last place of a plan (always in
        # sorted order: no deadlock between two counters).
        for calendar_id in ids:
            self._tx.lock("plan", f"{calendar_id}@{start.isoformat()}")
        row = self._tx.one(
            "SELECT count(*) FROM appointments WHERE calendar_id = ANY(%s)"
            f" AND start_at >= %s AND start_at < %s AND {ACTIVE}"
            " AND id IS DISTINCT FROM %s",
            (ids, start, end, excluding),
        )
        return int(row[0]) if row else 0

    def of_client(self, client_id: str) -> list[Appointment]:
        return self._select("client_id = %s ORDER BY start_at, id", (client_id,))

    def by_external_id(self, external_id: str) -> Appointment | None:
        found = self._select("external_id = %s", (external_id,))
        return found[0] if found else None

    def with_import_id(self, import_id: str) -> list[Appointment]:
        return self._select("import_id = %s ORDER BY start_at, id", (import_id,))

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        return _existing(self._tx, "appointments", external_ids)

    def delete(self, appointment_id: str) -> None:
        self._tx.execute("DELETE FROM appointments WHERE id = %s", (appointment_id,))

    def count(self) -> int:
        row = self._tx.one("SELECT count(*) FROM appointments", ())
        return int(row[0]) if row else 0


def _existing(tx: Transaction, table: str, external_ids: Sequence[str]) -> set[str]:
    if not external_ids:
        return set()
    rows = tx.all(
        f"SELECT external_id FROM {table} WHERE external_id = ANY(%s)", (list(external_ids),)
    )
    return {r[0] for r in rows}


class PostgresClients:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _select(self, where: str, params: Sequence[Any]) -> list[Client]:
        rows = self._tx.all(f"SELECT {CLIENT_COLUMNS} FROM clients WHERE {where}", params)
        return [client_from_row(r) for r in rows]

    def add(self, client: Client) -> None:
        self._tx.execute(
            f"INSERT INTO clients ({CLIENT_COLUMNS}, email_key) VALUES ({_CLIENT_MARKS})",
            client_row(client),
            what=f"client {client.id!r}",
        )

    def add_many(self, clients: Sequence[Client]) -> None:
        if clients:
            self._tx.execute_many(
                f"INSERT INTO clients ({CLIENT_COLUMNS}, email_key) VALUES ({_CLIENT_MARKS})",
                [client_row(c) for c in clients],
                what="clients",
            )

    def update(self, client: Client) -> None:
        row = client_row(client)
        columns = [*CLIENT_COLUMNS.split(", ")[1:], "email_key"]
        changed = self._tx.execute(
            f"UPDATE clients SET {', '.join(c + '=%s' for c in columns)} WHERE id=%s",
            (*row[1:], client.id),
            what=f"client {client.id!r}",
        )
        if changed == 0:
            raise NotFoundError("client", client.id)

    def get(self, client_id: str) -> Client:
        found = self.find(client_id)
        if found is None:
            raise NotFoundError("client", client_id)
        return found

    def find(self, client_id: str) -> Client | None:
        if not is_record_id(client_id):
            return None
        found = self._select("id = %s", (client_id,))
        return found[0] if found else None

    def by_email(self, email: str) -> list[Client]:
        return self._select("email_key = %s ORDER BY id", (email.strip().casefold(),))

    def by_external_id(self, external_id: str) -> Client | None:
        found = self._select("external_id = %s", (external_id,))
        return found[0] if found else None

    def with_import_id(self, import_id: str) -> list[Client]:
        return self._select("import_id = %s ORDER BY id", (import_id,))

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        return _existing(self._tx, "clients", external_ids)

    def all(self) -> list[Client]:
        return self._select('true ORDER BY id COLLATE "C"', ())

    def delete(self, client_id: str) -> None:
        self._tx.execute("DELETE FROM clients WHERE id = %s", (client_id,))

    def count(self) -> int:
        row = self._tx.one("SELECT count(*) FROM clients", ())
        return int(row[0]) if row else 0


_REDACTED_JSON = (
    "CASE WHEN {col} IS NULL OR jsonb_typeof({col}) <> 'object' THEN {col}"
    " ELSE coalesce((SELECT jsonb_object_agg(k, to_jsonb(%(erased)s::text))"
    " FROM jsonb_object_keys({col}) AS k), '{{}}'::jsonb) END"
)


class PostgresAuditLog:
    """B3: append-only; the database refuses any other change (trigger ``audit_log_append_only``)."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def append(self, entry: AuditEntry) -> None:
        self._tx.execute(
            "INSERT INTO audit_log (id, at, actor_id, action, appointment_id, client_id,"
            " subject_id, before, after, note) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                entry.id,
                entry.at,
                entry.actor_id,
                entry.action,
                entry.appointment_id,
                entry.client_id,
                entry.subject_id,
                None if entry.before is None else json.dumps(entry.before, sort_keys=True),
                None if entry.after is None else json.dumps(entry.after, sort_keys=True),
                entry.note,
            ),
            what=f"audit entry {entry.id!r}",
        )

    def query(
        self,
        *,
        appointment_id: str | None = None,
        client_id: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
    ) -> list[AuditEntry]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("appointment_id", appointment_id),
            ("client_id", client_id),
            ("actor_id", actor_id),
        ):
            if value is not None:
                clauses.append(f"{column} = %s")
                params.append(value)
        if since is not None:
            clauses.append("at >= %s")
            params.append(since)
        where = " AND ".join(clauses) or "true"
        rows = self._tx.all(
            "SELECT id, at, actor_id, action, appointment_id, client_id, subject_id, before,"
            f" after, note FROM audit_log WHERE {where} ORDER BY seq",
            params,
        )
        return [
            AuditEntry(
                id=r[0],
                at=r[1],
                actor_id=r[2],
                action=r[3],
                appointment_id=r[4],
                client_id=r[5],
                subject_id=r[6],
                before=r[7],
                after=r[8],
                note=r[9],
            )
            for r in rows
        ]

    def redact_for_client(self, client_id: str, appointment_ids: Sequence[str] = ()) -> int:
        erased = self._tx.one("SELECT erased FROM clients WHERE id = %s", (client_id,))
        if erased is None or not erased[0]:
            raise ConflictError(
                f"client {client_id!r} is not erased: audit values are blanked only by an"
                " erasure (B3, B5)"
            )
        return self._tx.execute(
            f"UPDATE audit_log SET before = {_REDACTED_JSON.format(col='before')},"
            f" after = {_REDACTED_JSON.format(col='after')},"
            " note = CASE WHEN note = '' THEN '' ELSE %(erased)s END"
            " WHERE client_id = %(client)s OR appointment_id = ANY(%(appointments)s)",
            {"erased": REDACTED, "client": client_id, "appointments": list(appointment_ids)},
        )
