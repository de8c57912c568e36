"""F1: copy a whole practice from one store to another — the path from the embedded SQLite
default to PostgreSQL (and back, or between two databases).

Every table is copied row by row and losslessly: master data and policies (documents),
appointments, clients, the audit log (with its sequence), the outbox and its items, both
message histories, import runs, logins, grants. Derived tables (the open-notice index) are
rebuilt by the target. The source is read in one snapshot; the target is written in one
transaction that is committed only after verification: for every table the row count and a
SHA-256 digest over its rows in a store-independent form must equal the source's. A
non-empty target is refused unless ``replace=True``.

B3: the copy is audited in the target — one ``store.copied`` entry naming the source
(its URL with the password masked) and the rows per table, appended in the same
transaction *after* the digests were compared. So the digests in the report are the
source's (equal on both sides at that moment); the target's audit log then holds one row
more than the source's, the entry recording the copy itself.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, Protocol

import attrs
from psycopg.types.json import Jsonb

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.access.audit import AuditAction
from lemnicore.clock import SystemClock
from lemnicore.errors import StoreError
from lemnicore.ids import new_id
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.rows import from_us, to_us
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore_postgres.schema import NEEDS_NOTICE
from lemnicore_postgres.store import PostgresStore, masked_url

Progress = Callable[[int, int], None]
_BATCH = 2000


@attrs.frozen
class Column:
    """A column as the PostgreSQL schema names it, and what kind of value it holds."""

    name: str
    kind: str = "text"  # text, int, bool, time, date, json

    @property
    def sqlite_name(self) -> str:
        """SQLite keeps times as microseconds: ``start_at`` is ``start_us``, ``at`` ``at_us``."""
        if self.kind != "time":
            return self.name
        return "at_us" if self.name == "at" else f"{self.name.removesuffix('_at')}_us"


@attrs.frozen
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]


def _cols(spec: str) -> tuple[Column, ...]:
    """``"id, start_at:time, n:int"`` → columns (kind after the colon, text if none)."""
    found = []
    for part in spec.split(","):
        name, _, kind = part.strip().partition(":")
        found.append(Column(name, kind or "text"))
    return tuple(found)


TABLES: tuple[Table, ...] = (
    Table("documents", ("kind", "id"), _cols("kind, id, body")),
    Table("store_meta", ("key",), _cols("key, value:int")),
    Table(
        "clients",
        ("id",),
        _cols(
            "id, organisation_id, last_name, first_name, salutation, email, email_key, mobile,"
            " phone, threema_id, postal_address, birthday:date, notes, tags, preferred_channel,"
            " notification_consent:bool, consent_changed_at:time, contact_changed_at:time,"
            " external_id, import_id, erased:bool"
        ),
    ),
    Table(
        "appointments",
        ("id",),
        _cols(
            "id, calendar_id, room_id, start_at:time, end_at:time, type_id, status, client_id,"
            " comment, is_group:bool, sequence:int, double_booked:bool, created_at:time,"
            " external_id, import_id, series_id"
        ),
    ),
    Table(
        "audit_log",
        ("seq",),
        _cols(
            "seq:int, id, at:time, actor_id, action, appointment_id, client_id, subject_id,"
            " before:json, after:json, note"
        ),
    ),
    Table(
        "notification_outbox",
        ("id",),
        _cols(
            "id, key, kind, client_id, channel, address, subject, text, attachments,"
            " created_at:time, due_at:time, state, attempts:int, next_attempt_at:time,"
            " attempt_started_at:time, sent_at:time, failure, provider, provider_message_id"
        ),
    ),
    Table(
        "notification_items",
        ("appointment_id", "sequence", "message_id"),
        _cols("appointment_id, sequence:int, message_id, kind"),
    ),
    Table(
        "client_message_history",
        ("id",),
        _cols("id, client_id, at:time, kind, channel, address, text, key"),
    ),
    Table(
        "appointment_message_history",
        ("id",),
        _cols("id, appointment_id, at:time, kind, channel, address, key"),
    ),
)
"""Every table of a practice, in an order that satisfies the foreign keys."""


@attrs.frozen
class TableCopy:
    """One table's verification: rows and the digest, equal on both sides."""

    table: str
    rows: int
    digest: str


@attrs.frozen
class CopyReport:
    source: str
    target: str
    tables: tuple[TableCopy, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Digest:
    """SHA-256 over a table's rows in key order, in a form independent of the store."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.rows = 0

    def add(self, row: Sequence[Any]) -> None:
        self._hash.update(_canonical_json([_digest_value(v) for v in row]).encode())
        self._hash.update(b"\n")
        self.rows += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class Side(Protocol):
    """One store as the copier sees it: tables of canonical rows."""

    url: str

    def count(self, table: Table) -> int: ...

    def rows(self, table: Table) -> Iterator[tuple[Any, ...]]: ...

    def write(self, table: Table, rows: Iterator[tuple[Any, ...]], progress: Progress) -> None: ...

    def begin_read(self) -> None: ...

    def begin_write(self, *, replace: bool) -> None: ...

    def finish(self, *, commit: bool) -> None: ...


# -- SQLite ------------------------------------------------------------------------------------


def _from_sqlite(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time":
        return from_us(value)
    if kind == "bool":
        return bool(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "json":
        return json.loads(value)
    return value


def _to_sqlite(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "time":
        return to_us(value)
    if kind == "bool":
        return int(value)
    if kind == "date":
        return value.isoformat()
    if kind == "json":
        return json.dumps(value, sort_keys=True)
    return value


class SqliteSide:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.url = store.url
        self.conn: sqlite3.Connection = store.connection()

    def count(self, table: Table) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0])

    def rows(self, table: Table) -> Iterator[tuple[Any, ...]]:
        names = ", ".join(c.sqlite_name for c in table.columns)
        cur = self.conn.execute(f"SELECT {names} FROM {table.name} ORDER BY {', '.join(table.key)}")
        kinds = [c.kind for c in table.columns]
        while batch := cur.fetchmany(_BATCH):
            for row in batch:
                yield tuple(_from_sqlite(k, v) for k, v in zip(kinds, row, strict=True))

    def write(self, table: Table, rows: Iterator[tuple[Any, ...]], progress: Progress) -> None:
        names = ", ".join(c.sqlite_name for c in table.columns)
        marks = ", ".join("?" * len(table.columns))
        kinds = [c.kind for c in table.columns]
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(tuple(_to_sqlite(k, v) for k, v in zip(kinds, row, strict=True)))
            if len(batch) == _BATCH:
                self._insert(table, names, marks, batch)
                progress(len(batch), 0)
                batch = []
        if batch:
            self._insert(table, names, marks, batch)
            progress(len(batch), 0)

    def _insert(self, table: Table, names: str, marks: str, batch: list[tuple[Any, ...]]) -> None:
        try:
            self.conn.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", batch)
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"{table.name} cannot be copied into {self.url}: {exc}") from exc

    def begin_read(self) -> None:
        self.conn.execute("BEGIN DEFERRED")
        self.conn.execute("SELECT count(*) FROM documents")  # take the snapshot now

    def begin_write(self, *, replace: bool) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        if replace:
            # The append-only triggers refuse DELETE; replacing the whole practice is the
            # one exception: drop them, empty the tables and restore them, all inside this
            # transaction (SQLite's schema changes are transactional too).
            guards = self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'audit_log'"
            ).fetchall()
            for name, _ in guards:
                self.conn.execute(f'DROP TRIGGER "{name}"')
            for table in reversed(TABLES):
                self.conn.execute(f"DELETE FROM {table.name}")
            self.conn.execute("DELETE FROM notification_open")
            for _, sql in guards:
                self.conn.execute(sql)

    def finish(self, *, commit: bool) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT" if commit else "ROLLBACK")


# -- PostgreSQL --------------------------------------------------------------------------------


def _to_postgres(kind: str, value: Any) -> Any:
    if kind == "json" and value is not None:
        return Jsonb(value)
    return value


class PostgresSide:
    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self.url = store.url
        self.conn = store.pool.getconn()
        self._no_overlap: str | None = None

    def count(self, table: Table) -> int:
        row = self.conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()
        return int(row[0]) if row else 0

    def rows(self, table: Table) -> Iterator[tuple[Any, ...]]:
        names = ", ".join(c.name for c in table.columns)
        order = ", ".join(
            f'{k} COLLATE "C"' if k != "seq" and k != "sequence" else k for k in table.key
        )
        with self.conn.cursor(name=f"copy_{table.name}") as cur:
            cur.itersize = _BATCH
            cur.execute(f"SELECT {names} FROM {table.name} ORDER BY {order}")
            yield from (tuple(r) for r in cur)

    def write(self, table: Table, rows: Iterator[tuple[Any, ...]], progress: Progress) -> None:
        names = ", ".join(c.name for c in table.columns)
        kinds = [c.kind for c in table.columns]
        written = 0
        try:
            with (
                self.conn.cursor() as cur,
                cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row([_to_postgres(k, v) for k, v in zip(kinds, row, strict=True)])
                    written += 1
                    if written == _BATCH:
                        progress(written, 0)
                        written = 0
        except Exception as exc:
            raise StoreError(
                f"{table.name} cannot be copied into {self.url}: {_postgres_message(exc)}"
            ) from exc
        progress(written, 0)

    def begin_read(self) -> None:
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def begin_write(self, *, replace: bool) -> None:
        self.conn.execute("BEGIN")
        # Nobody else writes this practice while it is being filled.
        self.conn.execute(f"LOCK TABLE {', '.join(t.name for t in TABLES)} IN EXCLUSIVE MODE")
        if replace:
            # The append-only guard refuses TRUNCATE; replacing the whole practice is the
            # one exception, inside this transaction only.
            self.conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
            names = ", ".join([*(t.name for t in TABLES), "notification_open"])
            self.conn.execute(f"TRUNCATE {names}")
            self.conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        # The open-notice index is rebuilt in one statement at the end (see finish_tables).
        self.conn.execute(
            "ALTER TABLE appointments DISABLE TRIGGER notification_open_on_appointment"
        )
        self.conn.execute(
            "ALTER TABLE notification_items DISABLE TRIGGER notification_open_on_item"
        )
        # The no-overlap constraint is checked once over all rows at the end: building its
        # index in one go is faster than growing it row by row (same transaction: nobody
        # ever sees the table without it).
        row = self.conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'appointments_no_overlap'"
        ).fetchone()
        self._no_overlap = row[0] if row else None
        if self._no_overlap is not None:
            self.conn.execute("ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap")

    def finish_tables(self) -> None:
        if self._no_overlap is not None:
            try:
                self.conn.execute(
                    "ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap"
                    f" {self._no_overlap}"
                )
            except Exception as exc:
                raise StoreError(
                    f"appointments cannot be copied into {self.url}: {_postgres_message(exc)}"
                ) from exc
        self.conn.execute(
            "ALTER TABLE appointments ENABLE TRIGGER notification_open_on_appointment"
        )
        self.conn.execute("ALTER TABLE notification_items ENABLE TRIGGER notification_open_on_item")
        self.conn.execute(
            "INSERT INTO notification_open (appointment_id, start_at)"
            f" SELECT a.id, a.start_at FROM appointments AS a WHERE {NEEDS_NOTICE}"
            " ON CONFLICT DO NOTHING"
        )
        self.conn.execute(
            "SELECT setval(pg_get_serial_sequence('audit_log', 'seq'),"
            " greatest((SELECT max(seq) FROM audit_log), 1))"
        )

    def finish(self, *, commit: bool) -> None:
        try:
            self.conn.execute("COMMIT" if commit else "ROLLBACK")
        finally:
            self.store.pool.putconn(self.conn)


def _postgres_message(exc: BaseException) -> str:
    diag = getattr(exc, "diag", None)
    detail = getattr(diag, "message_detail", None) if diag is not None else None
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{first} ({detail})" if detail else first


def side_of(store: Store) -> SqliteSide | PostgresSide:
    if isinstance(store, SqliteStore):
        return SqliteSide(store)
    if isinstance(store, PostgresStore):
        return PostgresSide(store)
    raise StoreError(f"{store.url}: store copy works between sqlite:/// and postgresql:// stores")


AUDIT_ENTRY = Table(
    "audit_log",
    ("seq",),
    _cols("id, at:time, actor_id, action, subject_id, after:json, note"),
)
"""B3: the columns of the copy's own audit entry (``seq`` comes from the target)."""


def _audit_the_copy(
    dst: SqliteSide | PostgresSide,
    source_url: str,
    checked: Sequence[TableCopy],
    *,
    actor_id: str,
    now: datetime,
) -> None:
    """B3: append the ``store.copied`` entry inside the copy's transaction."""
    rows = {t.table: t.rows for t in checked}
    after = {"source": masked_url(source_url), "rows": sum(rows.values()), "tables": rows}
    entry = (
        new_id(),
        now,
        actor_id,
        AuditAction.STORE_COPIED.value,
        None,
        after,
        "whole practice copied and verified (row counts and SHA-256 per table)",
    )
    dst.write(AUDIT_ENTRY, iter([entry]), lambda _done, _total: None)


def copy_practice(
    source: Store,
    target: Store,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    actor_id: str = SYSTEM_ACTOR.id,
    now: datetime | None = None,
) -> CopyReport:
    """F1: copy every table of ``source`` into ``target`` and verify it (see module doc).

    B3: the target's audit log gets one ``store.copied`` entry by ``actor_id`` at ``now``
    (default: the system clock) in the same transaction, after the verification.

    ``progress(done, total)`` is called as rows are written. Raises
    :class:`~lemnicore.errors.StoreError` — and leaves the target as it was — if the target
    is not empty (without ``replace``), if a row cannot be stored (e.g. two overlapping
    active appointments that SQLite held but PostgreSQL's constraint refuses), or if the
    verification differs.
    """
    if source.url == target.url:
        raise StoreError(f"source and target are the same store: {source.url}")
    src, dst = side_of(source), side_of(target)
    src.begin_read()
    try:
        if not replace:
            filled = [t.name for t in TABLES if dst.count(t)]
            if filled:
                raise StoreError(
                    f"{dst.url} is not empty ({', '.join(filled)}): copy into an empty store,"
                    " or pass --replace to overwrite the practice there"
                )
        totals = {t.name: src.count(t) for t in TABLES}
        total = sum(totals.values())
        done = 0

        def step(n: int, _: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress(done, total)

        dst.begin_write(replace=replace)
        committed = False
        try:
            for table in TABLES:
                dst.write(table, src.rows(table), step)
            if isinstance(dst, PostgresSide):
                dst.finish_tables()
            checked = []
            for table in TABLES:
                before, after = Digest(), Digest()
                for row in src.rows(table):
                    before.add(row)
                for row in dst.rows(table):
                    after.add(row)
                if (before.rows, before.hexdigest()) != (after.rows, after.hexdigest()):
                    raise StoreError(
                        f"verification failed for {table.name}: {before.rows} rows in"
                        f" {src.url}, {after.rows} in {dst.url}, digests differ; nothing copied"
                    )
                checked.append(TableCopy(table.name, before.rows, before.hexdigest()))
            _audit_the_copy(
                dst, src.url, checked, actor_id=actor_id, now=now or SystemClock().now()
            )
            dst.finish(commit=True)
            committed = True
        finally:
            if not committed:
                dst.finish(commit=False)
    finally:
        src.finish(commit=False)
    return CopyReport(source.url, target.url, tuple(checked))
