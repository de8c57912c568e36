"""F1–F3: the embedded SQLite store (``sqlite:///path/to/file.db``).

WAL journal with ``synchronous=FULL``: a committed booking survives a power cut. Each
thread gets its own connection; each process opens its own store on the same file. A
writing unit of work starts with ``BEGIN IMMEDIATE``, which takes SQLite's write lock up
front, so the overlap check and the insert of a booking cannot interleave with another
writer in any thread or process (F2).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time as _time
from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from lemnicore._validators import is_record_id
from lemnicore.access.audit import REDACTED, AuditEntry, redacted
from lemnicore.access.logins import ClientLogin
from lemnicore.access.policy import Grant
from lemnicore.access.staff import StaffAccount
from lemnicore.errors import (
    ConflictError,
    NotAStoreError,
    NotFoundError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreSchemaError,
    StoreURLError,
)
from lemnicore.importing.runs import ImportRun
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.online.releases import OnlineRelease, SlotHold
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.availability import Availability
from lemnicore.scheduling.busy import BusyInterval
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.community import CalendarCommunity
from lemnicore.scheduling.practice import (
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.scheduling.practitioner_hours import PractitionerHours
from lemnicore.scheduling.waiting_list import WaitingEntry, WaitingListOffer
from lemnicore.storage.ports import record_name
from lemnicore.storage.sqlite.faults import ConstraintViolationError, open_connection
from lemnicore.storage.sqlite.notifications import SqliteMessageHistory, SqliteNotificationLog
from lemnicore.storage.sqlite.rows import (
    _MICRO,
    APPOINTMENT_COLUMNS,
    CLIENT_COLUMNS,
    EPOCH,
    appointment_from_row,
    appointment_row,
    client_from_row,
    client_row,
    document_body,
    document_value,
    from_us,
    to_us,
)
from lemnicore.storage.sqlite.schema import (
    BULK_INSERT,
    LONG_APPOINTMENT_US,
    MIGRATIONS,
    NEEDS_NOTICE,
    Migration,
)

T = TypeVar("T")

BUSY_TIMEOUT_S = 30.0
CHECKPOINT_WAIT_MS = 200
"""B5: how long an erasure's checkpoint waits for readers before it reports "pending"."""


def connect(path: str, *, read_only: bool = False) -> sqlite3.Connection:
    """A connection with lemnicore's settings; transactions are begun explicitly.

    Its errors are :class:`~lemnicore.errors.StoreError` subclasses naming the file (F4).
    Opening writes nothing: the journal mode (WAL) is set by :func:`migrate`, so a file
    that turns out not to be a lemnicore store is left exactly as it was (F3). With
    ``read_only`` SQLite itself refuses every write (``query_only``).
    """
    conn = open_connection(path, timeout=BUSY_TIMEOUT_S)
    try:
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        # B5: erased values are overwritten on disk, not merely unlinked from the B-tree.
        conn.execute("PRAGMA secure_delete=ON")
        if read_only:
            conn.execute("PRAGMA query_only=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
    }


def _newer_than_known(
    done: set[tuple[str, int]], migrations: Sequence[Migration]
) -> tuple[str, int, int] | None:
    """F3: (area, stored version, highest known version) of an area the store has seen
    more migrations of than this lemnicore knows — the store is newer — else ``None``."""
    known: dict[str, int] = {}
    for m in migrations:
        known[m.area] = max(known.get(m.area, 0), m.version)
    for area, version in sorted(done):
        if area in known and version > known[area]:
            return area, version, known[area]
    return None


def check_schema(
    conn: sqlite3.Connection,
    path: str,
    migrations: Sequence[Migration] = MIGRATIONS,
    *,
    read_only: bool = False,
) -> list[Migration]:
    """F3: the migrations ``path`` still needs, read without taking the write lock.

    Refused, with the file left untouched: a database of another program
    (:class:`~lemnicore.errors.NotAStoreError`), a store written by a newer lemnicore
    (:class:`~lemnicore.errors.StoreSchemaError`), and — when ``read_only`` — a store that
    would need a migration, or an empty file.
    """
    tables = _tables(conn)  # the first read: a damaged file fails here (F4)
    if tables and "schema_migrations" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise NotAStoreError(path, f"it holds other tables: {shown}")
    done: set[tuple[str, int]] = set()
    if tables:
        done = {
            (str(a), int(v))
            for a, v in conn.execute("SELECT area, version FROM schema_migrations").fetchall()
        }
    newer = _newer_than_known(done, migrations)
    if newer is not None:
        area, version, known = newer
        raise StoreSchemaError(
            path,
            f"was written by a newer lemnicore (schema {area} {version}; this lemnicore "
            f"knows up to {area} {known}); upgrade lemnicore to use it — the file was left "
            "unchanged",
            newer=True,
        )
    pending = [m for m in migrations if (m.area, m.version) not in done]
    if pending and read_only:
        if not tables:
            raise NotAStoreError(path, "it is empty")
        raise StoreSchemaError(
            path,
            "was written by an older lemnicore and needs a migration, which a read-only "
            "command never does; run a writing command on it first",
            newer=False,
        )
    return pending


def migrate(
    conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS
) -> list[Migration]:
    """F3: apply every migration not yet applied, in order, in one write transaction.

    Safe when several processes open a new file at once: the second waits for the write lock
    and then finds the work done. The schema is checked again under the lock: a file of
    another program or of a newer lemnicore is refused and left unchanged.
    """
    path = getattr(conn, "store_path", "") or "the store"
    if not check_schema(conn, path, migrations):
        return []
    conn.execute("PRAGMA journal_mode=WAL")  # persistent; a no-op once set
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " area TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL,"
            " applied_at TEXT NOT NULL, PRIMARY KEY (area, version))"
        )
        tables = _tables(conn)
        if (
            tables - {"schema_migrations"}
            and not conn.execute("SELECT 1 FROM schema_migrations LIMIT 1").fetchone()
        ):
            # Another program filled the file while we waited for the lock.
            raise NotAStoreError(path, "it holds other tables")
        done = set(conn.execute("SELECT area, version FROM schema_migrations").fetchall())
        if _newer_than_known(done, migrations) is not None:
            raise StoreSchemaError(path, "was written by a newer lemnicore", newer=True)
        applied: list[Migration] = []
        for m in migrations:
            if (m.area, m.version) in done:
                continue
            for statement in m.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?, datetime('now'))",
                (m.area, m.version, m.description),
            )
            applied.append(m)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return applied


def _checked_path(path: str | Path) -> str:
    """The store file's name, or :class:`StoreURLError` for one no file can have."""
    if isinstance(path, Path):
        path = str(path)
    if not isinstance(path, str):
        raise StoreURLError(path, "a store path must be text")
    if not path:
        raise StoreURLError(path, "the store path is empty")
    if "\x00" in path:
        raise StoreURLError(path, "a store path cannot contain a NUL byte")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreURLError(path, "a store path must be valid Unicode text") from None
    return path


class SqliteCatalog(Generic[T]):
    """Master data stored as JSON documents keyed by (kind, id)."""

    def __init__(self, conn: sqlite3.Connection, kind: str, cls: type[T]) -> None:
        self._conn = conn
        self._kind = kind
        self._cls = cls

    def put(self, value: T) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO documents (kind, id, body) VALUES (?, ?, ?)",
            (self._kind, value.id, document_body(value)),  # type: ignore[attr-defined]
        )

    def get(self, record_id: str) -> T:
        found = self.find(record_id)
        if found is None:
            raise NotFoundError(record_name(self._kind), record_id)
        return found

    def find(self, record_id: str) -> T | None:
        if not is_record_id(record_id):
            return None
        row = self._conn.execute(
            "SELECT body FROM documents WHERE kind = ? AND id = ?", (self._kind, record_id)
        ).fetchone()
        return None if row is None else document_value(row[0], self._cls)

    def all(self) -> list[T]:
        rows = self._conn.execute(
            "SELECT body FROM documents WHERE kind = ? ORDER BY id", (self._kind,)
        ).fetchall()
        return [document_value(r[0], self._cls) for r in rows]

    def remove(self, record_id: str) -> None:
        self._conn.execute(
            "DELETE FROM documents WHERE kind = ? AND id = ?", (self._kind, record_id)
        )


BULK_CACHE_KIB = 16_384
"""E6: the page cache a bulk insert asks for (16 MiB; SQLite's default is 2 MiB), so the
indexes of a large import mostly stay in memory while it is written (32 MiB wrote a
100 000-appointment import no faster, and cost its peak memory 15-20 MB more)."""

BULK_AUTOCHECKPOINT_PAGES = 16_384
"""E6: how many WAL pages (64 MiB at 4 KiB) a connection that bulk-inserts lets pile up
before it checkpoints (SQLite's default: 1 000). A batch of an import touches pages of a
dozen indexes all over the file; with the default every batch's commit copied them into
the database file again, and the same index pages were written batch after batch. Every
commit is still durable (the WAL is synced, F2); the pages reach the main file later, in
fewer and larger checkpoints."""


def _bulk_settings(conn: sqlite3.Connection) -> None:
    """E6: the page cache and checkpoint interval of a bulk insert, for this connection
    from now on (an import writes batch after batch on it)."""
    (current,) = conn.execute("PRAGMA cache_size").fetchone()
    if -BULK_CACHE_KIB < current < 0 or 0 <= current < BULK_CACHE_KIB // 4:
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    (pages,) = conn.execute("PRAGMA wal_autocheckpoint").fetchone()
    if 0 < pages < BULK_AUTOCHECKPOINT_PAGES:
        conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_AUTOCHECKPOINT_PAGES}")


def _existing(conn: sqlite3.Connection, table: str, external_ids: Sequence[str]) -> set[str]:
    """Which external ids ``table`` holds, asked 500 at a time (SQLite's variable limit)."""
    found: set[str] = set()
    for i in range(0, len(external_ids), 500):
        chunk = list(external_ids[i : i + 500])
        rows = conn.execute(
            f"SELECT external_id FROM {table} WHERE external_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ).fetchall()
        found.update(r[0] for r in rows)
    return found


def _busy(rows: list[Any]) -> list[BusyInterval]:
    # Inlined from_us: this runs for every busy row of every week page (issue 16 speed goal).
    epoch, micro = EPOCH, _MICRO
    return [
        BusyInterval(epoch + micro * r[0], epoch + micro * r[1], r[2], r[3], r[4], r[5])
        for r in rows
    ]


_LONG_INDEX = {"room_id": "appointments_long_room", "calendar_id": "appointments_long_calendar"}
_BUSY_INDEX = {"room_id": "appointments_room_busy", "calendar_id": "appointments_calendar_busy"}


class SqliteAppointments:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _select(self, where: str, params: Sequence[Any]) -> list[Appointment]:
        rows = self._conn.execute(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE {where}",
            params,
        ).fetchall()
        return [appointment_from_row(r) for r in rows]

    def _overlapping(
        self, column: str, key: str, start: datetime, end: datetime, extra: str = ""
    ) -> list[Appointment]:
        """A4/A5: appointments with ``column = key`` overlapping [start, end), by start.

        Two index ranges whatever is stored: appointments of at most a day start in
        [start - 1 day, end); longer ones are found in a partial index by their end. So
        one extreme appointment, even cancelled long ago, never slows a booking down.
        """
        lo, hi = to_us(start), to_us(end)
        long = LONG_APPOINTMENT_US
        # Named: without statistics the planner would take the start index for "start <
        # t1 - 1 day" — every past appointment of the room.
        long_index = _LONG_INDEX[column]
        rows = self._conn.execute(
            f"SELECT {APPOINTMENT_COLUMNS} FROM appointments"
            f" WHERE {column} = ? AND start_us >= ? AND start_us < ? AND end_us > ?{extra}"
            " UNION ALL"
            f" SELECT {APPOINTMENT_COLUMNS} FROM appointments INDEXED BY {long_index}"
            f" WHERE {column} = ? AND end_us - start_us > {long} AND end_us > ?"
            f" AND start_us < ? AND start_us < ?{extra}"
            " ORDER BY start_us, id",
            (key, lo - long, hi, lo, key, lo, lo - long, hi),
        ).fetchall()
        return [appointment_from_row(r) for r in rows]

    def add(self, appointment: Appointment) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO appointments ({APPOINTMENT_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                appointment_row(appointment),
            )
        except ConstraintViolationError as exc:
            raise StoreError(
                f"appointment {appointment.id!r} cannot be stored: {exc.detail}"
            ) from exc

    def add_many(self, appointments: Sequence[Appointment]) -> None:
        """Insert many appointments at once (imports, benchmarks).

        E6: rows go in sorted by id (the primary-key index is written in order, not at
        random pages), and ``notification_open`` is filled once for the batch instead of
        by the per-row trigger (schema: notifications 3) — the same rows either way.
        """
        if not appointments:
            return
        _bulk_settings(self._conn)
        rows = sorted(appointment_row(a) for a in appointments)
        conn = self._conn
        (before,) = conn.execute("SELECT coalesce(max(rowid), 0) FROM appointments").fetchone()
        conn.execute(f"INSERT INTO {BULK_INSERT} (active) VALUES (1)")
        try:
            conn.executemany(
                f"INSERT INTO appointments ({APPOINTMENT_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                rows,
            )
        except ConstraintViolationError as exc:
            raise StoreError(f"appointments cannot be stored: {exc.detail}") from exc
        finally:
            # Also after a failure: rows already inserted keep the table exact.
            conn.execute(
                "INSERT INTO notification_open (appointment_id, start_us)"
                " SELECT a.id, a.start_us FROM appointments AS a"
                f" WHERE a.rowid > ? AND {NEEDS_NOTICE} ORDER BY a.id",
                (before,),
            )
            conn.execute(f"DELETE FROM {BULK_INSERT}")

    def update(self, appointment: Appointment) -> None:
        row = appointment_row(appointment)
        cur = self._conn.execute(
            "UPDATE appointments SET calendar_id=?, room_id=?, start_us=?, end_us=?, type_id=?,"
            " status=?, client_id=?, comment=?, is_group=?, sequence=?, double_booked=?,"
            " created_us=?, external_id=?, import_id=?, series_id=? WHERE id=?",
            (*row[1:], row[0]),
        )
        if cur.rowcount == 0:
            raise NotFoundError("appointment", appointment.id)

    def get(self, appointment_id: str) -> Appointment:
        found = self.find(appointment_id)
        if found is None:
            raise NotFoundError("appointment", appointment_id)
        return found

    def find(self, appointment_id: str) -> Appointment | None:
        if not is_record_id(appointment_id):
            return None
        found = self._select("id = ?", (appointment_id,))
        return found[0] if found else None

    def in_room(
        self, room_id: str, start: datetime, end: datetime, *, active_only: bool = True
    ) -> list[Appointment]:
        active = " AND status NOT IN ('cancelled', 'no_show')" if active_only else ""
        return self._overlapping("room_id", room_id, start, end, active)

    def in_calendar(self, calendar_id: str, start: datetime, end: datetime) -> list[Appointment]:
        return self._overlapping("calendar_id", calendar_id, start, end)

    def _busy_overlapping(
        self, column: str, key: str, start: datetime, end: datetime
    ) -> list[BusyInterval]:
        """A5/A10: active appointments with ``column = key`` overlapping [start, end) as
        busy time only: the same two index ranges as :meth:`_overlapping`, the first one on
        a covering index, so no table row is read (issue 16 speed goal)."""
        lo, hi = to_us(start), to_us(end)
        long = LONG_APPOINTMENT_US
        active = " AND status NOT IN ('cancelled', 'no_show')"
        cols = "start_us, end_us, type_id, id, room_id, calendar_id"
        rows = self._conn.execute(
            f"SELECT {cols} FROM appointments INDEXED BY {_BUSY_INDEX[column]}"
            f" WHERE {column} = ? AND start_us >= ? AND start_us < ? AND end_us > ?{active}"
            " UNION ALL"
            f" SELECT {cols} FROM appointments INDEXED BY {_LONG_INDEX[column]}"
            f" WHERE {column} = ? AND end_us - start_us > {long} AND end_us > ?"
            f" AND start_us < ? AND start_us < ?{active}"
            " ORDER BY start_us",
            (key, lo - long, hi, lo, key, lo, lo - long, hi),
        ).fetchall()
        return _busy(rows)

    def busy_in_room(self, room_id: str, start: datetime, end: datetime) -> list[BusyInterval]:
        return self._busy_overlapping("room_id", room_id, start, end)

    def busy_of_calendars(
        self, calendar_ids: Collection[str], start: datetime, end: datetime
    ) -> list[BusyInterval]:
        found: list[BusyInterval] = []
        for calendar_id in sorted(set(calendar_ids)):
            found += self._busy_overlapping("calendar_id", calendar_id, start, end)
        found.sort()
        return found

    def in_series(self, series_id: str) -> list[Appointment]:
        return self._select("series_id = ? ORDER BY start_us, id", (series_id,))

    def starting_between(self, start: datetime, end: datetime) -> list[Appointment]:
        return self._select(
            "start_us >= ? AND start_us < ? ORDER BY start_us, id", (to_us(start), to_us(end))
        )

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
        # One range per calendar on the covering index (calendar_id, start_us, status):
        # no table row is read, nothing is decoded.
        marks = ", ".join("?" * len(ids))
        active = (
            f"calendar_id IN ({marks}) AND start_us >= ? AND start_us < ?"
            " AND status NOT IN ('cancelled', 'no_show')"
        )
        params = (*ids, to_us(start), to_us(end))
        total = int(
            self._conn.execute(
                f"SELECT count(*) FROM appointments WHERE {active}", params
            ).fetchone()[0]
        )
        if excluding is not None and total:
            left_out = self._conn.execute(
                f"SELECT count(*) FROM appointments WHERE id = ? AND {active}", (excluding, *params)
            ).fetchone()[0]
            total -= int(left_out)
        return total

    def of_client(self, client_id: str) -> list[Appointment]:
        return self._select("client_id = ? ORDER BY start_us, id", (client_id,))

    def by_external_id(self, external_id: str) -> Appointment | None:
        found = self._select("external_id = ?", (external_id,))
        return found[0] if found else None

    def with_import_id(self, import_id: str) -> list[Appointment]:
        return self._select("import_id = ? ORDER BY start_us, id", (import_id,))

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        return _existing(self._conn, "appointments", external_ids)

    def delete(self, appointment_id: str) -> None:
        self._conn.execute("DELETE FROM appointments WHERE id = ?", (appointment_id,))

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM appointments").fetchone()[0])


class SqliteClients:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _select(self, where: str, params: Sequence[Any]) -> list[Client]:
        rows = self._conn.execute(
            f"SELECT {CLIENT_COLUMNS} FROM clients WHERE {where}",
            params,
        ).fetchall()
        return [client_from_row(r) for r in rows]

    def add(self, client: Client) -> None:
        try:
            self._conn.execute(
                f"INSERT INTO clients ({CLIENT_COLUMNS}, email_key) VALUES ({', '.join('?' * 21)})",
                (*client_row(client), client.email.casefold() if client.email else None),
            )
        except ConstraintViolationError as exc:
            raise StoreError(f"client {client.id!r} cannot be stored: {exc.detail}") from exc

    def add_many(self, clients: Sequence[Client]) -> None:
        """Insert many clients at once (imports, E4/E7)."""
        try:
            self._conn.executemany(
                f"INSERT INTO clients ({CLIENT_COLUMNS}, email_key) VALUES ({', '.join('?' * 21)})",
                sorted((*client_row(c), c.email.casefold() if c.email else None) for c in clients),
            )
        except ConstraintViolationError as exc:
            raise StoreError(f"clients cannot be stored: {exc.detail}") from exc

    def update(self, client: Client) -> None:
        row = client_row(client)
        columns = CLIENT_COLUMNS.split(", ")[1:]
        cur = self._conn.execute(
            f"UPDATE clients SET {', '.join(c + '=?' for c in columns)}, email_key=? WHERE id=?",
            (*row[1:], client.email.casefold() if client.email else None, client.id),
        )
        if cur.rowcount == 0:
            raise NotFoundError("client", client.id)

    def get(self, client_id: str) -> Client:
        found = self.find(client_id)
        if found is None:
            raise NotFoundError("client", client_id)
        return found

    def find(self, client_id: str) -> Client | None:
        if not is_record_id(client_id):
            return None
        found = self._select("id = ?", (client_id,))
        return found[0] if found else None

    def by_email(self, email: str) -> list[Client]:
        return self._select("email_key = ? ORDER BY id", (email.strip().casefold(),))

    def by_external_id(self, external_id: str) -> Client | None:
        found = self._select("external_id = ?", (external_id,))
        return found[0] if found else None

    def with_import_id(self, import_id: str) -> list[Client]:
        return self._select("import_id = ? ORDER BY id", (import_id,))

    def existing_external_ids(self, external_ids: Sequence[str]) -> set[str]:
        return _existing(self._conn, "clients", external_ids)

    def all(self) -> list[Client]:
        return self._select("1 ORDER BY id", ())

    def delete(self, client_id: str) -> None:
        self._conn.execute("DELETE FROM clients WHERE id = ?", (client_id,))

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM clients").fetchone()[0])


class SqliteAuditLog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def append(self, entry: AuditEntry) -> None:
        self._conn.execute(
            "INSERT INTO audit_log (id, at_us, actor_id, action, appointment_id, client_id,"
            " subject_id, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                to_us(entry.at),
                entry.actor_id,
                entry.action,
                entry.appointment_id,
                entry.client_id,
                entry.subject_id,
                None if entry.before is None else json.dumps(entry.before, sort_keys=True),
                None if entry.after is None else json.dumps(entry.after, sort_keys=True),
                entry.note,
            ),
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
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("at_us >= ?")
            params.append(to_us(since))
        where = " AND ".join(clauses) or "1"
        rows = self._conn.execute(
            "SELECT id, at_us, actor_id, action, appointment_id, client_id, subject_id, before,"
            f" after, note FROM audit_log WHERE {where} ORDER BY seq",
            params,
        ).fetchall()
        return [
            AuditEntry(
                id=r[0],
                at=from_us(r[1]),
                actor_id=r[2],
                action=r[3],
                appointment_id=r[4],
                client_id=r[5],
                subject_id=r[6],
                before=None if r[7] is None else json.loads(r[7]),
                after=None if r[8] is None else json.loads(r[8]),
                note=r[9],
            )
            for r in rows
        ]

    def redact_for_client(self, client_id: str, appointment_ids: Sequence[str] = ()) -> int:
        erased = self._conn.execute(
            "SELECT erased FROM clients WHERE id = ?", (client_id,)
        ).fetchone()
        if erased is None or not erased[0]:
            raise ConflictError(
                f"client {client_id!r} is not erased: audit values are blanked only by an"
                " erasure (B3, B5)"
            )
        ids = list(dict.fromkeys(appointment_ids))
        rows: list[tuple[Any, ...]] = self._conn.execute(
            "SELECT seq, before, after, note FROM audit_log WHERE client_id = ?", (client_id,)
        ).fetchall()
        seen = {r[0] for r in rows}
        # Chunks stay below SQLite's limit on bound parameters.
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            for r in self._conn.execute(
                "SELECT seq, before, after, note FROM audit_log"
                f" WHERE appointment_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                if r[0] not in seen:
                    seen.add(r[0])
                    rows.append(r)
        for seq, before, after, note in rows:
            self._conn.execute(
                "UPDATE audit_log SET before = ?, after = ?, note = ? WHERE seq = ?",
                (_redacted_json(before), _redacted_json(after), REDACTED if note else "", seq),
            )
        return len(rows)


def _redacted_json(body: str | None) -> str | None:
    if body is None:
        return None
    return json.dumps(redacted(json.loads(body)), sort_keys=True)


class SqliteUnitOfWork:
    """One SQLite transaction; commit or it rolls back when the ``with`` block ends."""

    def __init__(self, store: SqliteStore, *, write: bool) -> None:
        self._store = store
        self._write = write
        conn = store.connection()
        self.connection = conn
        self._changes_at_begin = 0
        self.organisations = SqliteCatalog(conn, "organisations", Organisation)
        self.branches = SqliteCatalog(conn, "branches", Branch)
        self.rooms = SqliteCatalog(conn, "rooms", Room)
        self.practitioners = SqliteCatalog(conn, "practitioners", Practitioner)
        self.calendars = SqliteCatalog(conn, "calendars", Calendar)
        self.appointment_types = SqliteCatalog(conn, "appointment_types", AppointmentType)
        self.availabilities = SqliteCatalog(conn, "availabilities", Availability)
        self.communities = SqliteCatalog(conn, "communities", CalendarCommunity)
        self.grants = SqliteCatalog(conn, "grants", Grant)
        self.staff_accounts = SqliteCatalog(conn, "staff_accounts", StaffAccount)
        self.client_logins = SqliteCatalog(conn, "client_logins", ClientLogin)
        self.online_releases = SqliteCatalog(conn, "online_releases", OnlineRelease)
        self.slot_holds = SqliteCatalog(conn, "slot_holds", SlotHold)
        self.import_runs = SqliteCatalog(conn, "import_runs", ImportRun)
        self.practitioner_hours = SqliteCatalog(conn, "practitioner_hours", PractitionerHours)
        self.waiting_list = SqliteCatalog(conn, "waiting_list", WaitingEntry)
        self.waiting_list_offers = SqliteCatalog(conn, "waiting_list_offers", WaitingListOffer)
        self.appointments = SqliteAppointments(conn)
        self.clients = SqliteClients(conn)
        self.audit = SqliteAuditLog(conn)
        self.notification_policies = SqliteCatalog(
            conn, "notification_policies", NotificationPolicy
        )
        self.notification_log = SqliteNotificationLog(conn)
        self.message_history = SqliteMessageHistory(conn)

    def __enter__(self) -> Self:
        self._begin()
        return self

    def _begin(self) -> None:
        # A read transaction still gets a consistent snapshot of the WAL.
        if self.connection.in_transaction:
            # This thread's connection is busy with an open unit of work: a second one
            # would share (and then roll back) its transaction.
            raise StoreError(f"a unit of work is already open in this thread on {self._store.url}")
        if self._write and self._store.read_only:
            raise StoreReadOnlyError(str(self._store.path), "it was opened read-only")
        begin = "BEGIN IMMEDIATE" if self._write else "BEGIN DEFERRED"
        delay = 0.005
        deadline = _time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.connection.execute(begin)
                self._changes_at_begin = self.connection.total_changes
                return
            except StoreLockedError:
                # busy_timeout covers most waits; this loop covers the rare SQLITE_BUSY that
                # WAL returns without waiting (e.g. while another process checkpoints).
                if _time.monotonic() > deadline:
                    raise
                _time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")

    def commit(self) -> None:
        if not self._write and self.connection.total_changes != self._changes_at_begin:
            raise StoreError("a read-only unit of work cannot commit changes")
        if self.connection.in_transaction:
            self.connection.execute("COMMIT")
        self._begin()

    def rollback(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")
        self._begin()


class SqliteStore:
    """F1: a practice in one SQLite file.

    Opening reads the schema version without taking the write lock and migrates forward
    only when needed (F3). A file of another program or of a newer lemnicore is refused and
    left unchanged. With ``read_only`` nothing is ever written — no migration, no journal
    change; every writing unit of work is refused (for commands that only read). Every
    failure is a :class:`~lemnicore.errors.StoreError` subclass naming the file (F4).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(_checked_path(path))
        if not self.path.parent.exists():
            raise StoreError(
                f"folder {str(self.path.parent)!r} does not exist (for {self.path})",
                path=str(self.path),
            )
        if self.path.is_dir():
            raise StoreURLError(str(self.path), "a folder, not a store file")
        self.read_only = read_only
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            conn = self.connection()
            pending = check_schema(conn, str(self.path), read_only=read_only)
            self.applied_migrations = migrate(conn) if pending else []
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (created on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(str(self.path), read_only=self.read_only)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def unit_of_work(self, *, write: bool = True) -> SqliteUnitOfWork:
        return SqliteUnitOfWork(self, write=write)

    def checkpoint(self) -> bool:
        """Copy the WAL into the database file and truncate it (B5: after an erasure no
        old page image with the erased values stays behind in the ``-wal`` file).

        Returns False, at once, when another connection's read transaction keeps the WAL
        from being reset (the erasure then reports the wipe as pending); it does not wait
        the 30 s busy timeout for the reader to finish."""
        conn = self.connection()
        conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError:
            busy = 1
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return not busy

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
