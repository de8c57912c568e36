"""F1–F4: a practice in a PostgreSQL database (``postgresql://user:pw@host/db``).

Many processes on many hosts open the same database. A unit of work is one transaction on
one pooled connection:

- a *writing* unit of work runs at READ COMMITTED and locks what it decides on: looking at a
  room's time (:meth:`Appointments.in_room`) holds the room, counting a plan's month holds
  those calendars' month, reading an outbox row holds the row — each until commit. A
  check-then-insert therefore never interleaves with another one on the same room, month or
  message, while bookings of different rooms run side by side. Underneath, an exclusion
  constraint makes two active appointments of one room overlapping impossible whatever
  writes them (F2);
- a *read-only* unit of work reads one consistent snapshot (REPEATABLE READ) and takes no
  lock.

The schema is migrated forward when the store is opened, under an advisory lock (F3).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import psycopg.errors
from psycopg_pool import ConnectionPool

from lemnicore.access.logins import ClientLogin
from lemnicore.access.policy import Grant
from lemnicore.access.staff import StaffAccount
from lemnicore.errors import OverlapError, StoreError
from lemnicore.importing.runs import ImportRun
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.online.releases import OnlineRelease, SlotHold
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.availability import Availability
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
from lemnicore_postgres.notifications import PostgresMessageHistory, PostgresNotificationLog
from lemnicore_postgres.repositories import (
    APPOINTMENT_COLUMNS,
    PostgresAppointments,
    PostgresAuditLog,
    PostgresCatalog,
    PostgresClients,
    appointment_from_row,
)
from lemnicore_postgres.schema import ACTIVE, MIGRATIONS, Migration

MIGRATION_LOCK = 0x6C656D6E  # "lemn": one advisory lock key for every lemnicore database
POOL_OPTIONS = {"pool_min": "min_size", "pool_max": "max_size"}
"""Query parameters of the store URL that size the connection pool (not sent to libpq)."""

ERASURE_TABLES = (
    "clients",
    "appointments",
    "documents",
    "audit_log",
    "notification_outbox",
    "client_message_history",
    "appointment_message_history",
)
"""B5: the tables an erasure rewrites; :meth:`PostgresStore.checkpoint` vacuums them."""


def masked_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and ``Store.url``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def split_pool_options(url: str) -> tuple[str, dict[str, int]]:
    """The libpq URL without lemnicore's pool parameters, and those parameters."""
    parts = urlsplit(url)
    keep: list[tuple[str, str]] = []
    pool: dict[str, int] = {}
    for key, value in parse_qsl(parts.query):
        if key in POOL_OPTIONS:
            try:
                pool[POOL_OPTIONS[key]] = int(value)
            except ValueError:
                raise StoreError(f"{key} must be a whole number in {masked_url(url)}") from None
        else:
            keep.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(keep))), pool


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET TIME ZONE 'UTC'")


class Transaction:
    """One unit of work's connection and transaction, as the repositories see it."""

    def __init__(self, store: PostgresStore, *, write: bool) -> None:
        self.store = store
        self.write = write
        self.conn: psycopg.Connection[Any] | None = None
        self.broken: str | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self.conn is None:
            raise StoreError("the unit of work is not open (use it in a with block)")
        return self.conn

    def begin(self) -> None:
        self.broken = None
        isolation = "READ COMMITTED" if self.write else "REPEATABLE READ"
        self._connection().execute(f"BEGIN ISOLATION LEVEL {isolation}")

    @contextmanager
    def _errors(self, what: str, appointment: Appointment | None = None) -> Iterator[None]:
        try:
            yield
        except psycopg.errors.ExclusionViolation as exc:
            self._abort(exc)
            if appointment is None:
                raise StoreError(f"{what} cannot be stored: {exc.diag.message_primary}") from exc
            raise self._overlap(appointment) from exc
        except psycopg.errors.IntegrityError as exc:
            self._abort(exc)
            raise StoreError(f"{what} cannot be stored: {exc.diag.message_primary}") from exc
        except psycopg.Error as exc:
            self._abort(exc)
            raise StoreError(f"{self.store.url}: {exc}") from exc

    def _abort(self, exc: Exception) -> None:
        """PostgreSQL aborts the whole transaction on an error: start a clean one, and
        refuse a later commit (nothing of this unit of work may be half-written)."""
        conn = self._connection()
        try:
            conn.execute("ROLLBACK")
            self.begin()
        except psycopg.Error:
            pass  # the connection is gone; the pool replaces it when it comes back
        self.broken = str(exc).splitlines()[0] if str(exc) else type(exc).__name__

    def _overlap(self, appointment: Appointment) -> OverlapError:
        """F2: the constraint refused ``appointment``: name who is in the way."""
        rows = (
            self._connection()
            .execute(
                f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE room_id = %s"
                f" AND tstzrange(start_at, end_at, '[)') && tstzrange(%s, %s, '[)') AND {ACTIVE}"
                " AND NOT double_booked AND id <> %s ORDER BY start_at, id",
                (appointment.room_id, appointment.start, appointment.end, appointment.id),
            )
            .fetchall()
        )
        return OverlapError(appointment.room_id, [appointment_from_row(r).id for r in rows])

    def execute(
        self,
        sql: str,
        params: Sequence[Any] | dict[str, Any],
        *,
        what: str = "record",
        appointment: Appointment | None = None,
    ) -> int:
        """Run one statement; returns how many rows it changed."""
        with self._errors(what, appointment):
            return self._connection().execute(sql, params).rowcount
        raise AssertionError("unreachable")  # pragma: no cover

    def execute_many(self, sql: str, rows: Sequence[Sequence[Any]], *, what: str) -> None:
        with self._errors(what), self._connection().cursor() as cur:
            cur.executemany(sql, rows)

    def all(self, sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
        with self._errors("query"):
            return self._connection().execute(sql, params).fetchall()
        raise AssertionError("unreachable")  # pragma: no cover

    def one(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        with self._errors("query"):
            return self._connection().execute(sql, params).fetchone()
        raise AssertionError("unreachable")  # pragma: no cover

    def lock(self, scope: str, name: str) -> None:
        """Hold ``scope:name`` until this transaction ends (writing units of work only)."""
        if self.write:
            self.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"{scope}:{name}",)
            )


class PostgresUnitOfWork:
    """One PostgreSQL transaction; commit or it rolls back when the ``with`` block ends."""

    def __init__(self, store: PostgresStore, *, write: bool) -> None:
        self._store = store
        self._write = write
        tx = self._tx = Transaction(store, write=write)
        self.organisations = PostgresCatalog(tx, "organisations", Organisation)
        self.branches = PostgresCatalog(tx, "branches", Branch)
        self.rooms = PostgresCatalog(tx, "rooms", Room)
        self.practitioners = PostgresCatalog(tx, "practitioners", Practitioner)
        self.calendars = PostgresCatalog(tx, "calendars", Calendar)
        self.appointment_types = PostgresCatalog(tx, "appointment_types", AppointmentType)
        self.availabilities = PostgresCatalog(tx, "availabilities", Availability)
        self.communities = PostgresCatalog(tx, "communities", CalendarCommunity)
        self.grants = PostgresCatalog(tx, "grants", Grant)
        self.staff_accounts = PostgresCatalog(tx, "staff_accounts", StaffAccount)
        self.client_logins = PostgresCatalog(tx, "client_logins", ClientLogin)
        self.online_releases = PostgresCatalog(tx, "online_releases", OnlineRelease)
        self.slot_holds = PostgresCatalog(tx, "slot_holds", SlotHold)
        self.import_runs = PostgresCatalog(tx, "import_runs", ImportRun)
        self.practitioner_hours = PostgresCatalog(tx, "practitioner_hours", PractitionerHours)
        self.waiting_list = PostgresCatalog(tx, "waiting_list", WaitingEntry)
        self.waiting_list_offers = PostgresCatalog(tx, "waiting_list_offers", WaitingListOffer)
        self.notification_policies = PostgresCatalog(
            tx, "notification_policies", NotificationPolicy
        )
        self.appointments = PostgresAppointments(tx)
        self.clients = PostgresClients(tx)
        self.audit = PostgresAuditLog(tx)
        self.notification_log = PostgresNotificationLog(tx)
        self.message_history = PostgresMessageHistory(tx)

    def __enter__(self) -> Self:
        local = self._store._local
        if getattr(local, "open", False):
            # A second connection would wait on the first one's locks: a self-deadlock.
            raise StoreError(f"a unit of work is already open in this thread on {self._store.url}")
        try:
            conn = self._store.pool.getconn()
        except Exception as exc:
            raise StoreError(f"cannot connect to {self._store.url}: {exc}") from exc
        self._tx.conn = conn
        local.open = True
        try:
            self._tx.begin()
        except BaseException:
            self._release()
            raise
        return self

    def _release(self) -> None:
        conn = self._tx.conn
        self._tx.conn = None
        self._store._local.open = False
        if conn is not None:
            self._store.pool.putconn(conn)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._tx.conn
        try:
            if conn is not None and not conn.closed:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # the pool discards a broken connection
        finally:
            self._release()

    def commit(self) -> None:
        tx = self._tx
        if tx.broken is not None:
            raise StoreError(
                f"this unit of work was rolled back after an error ({tx.broken}); nothing was stored"
            )
        row = tx.one("SELECT pg_current_xact_id_if_assigned()::text", ())
        xid = int(row[0]) if row and row[0] is not None else None
        if not self._write and xid is not None:
            raise StoreError("a read-only unit of work cannot commit changes")
        tx.execute("COMMIT", ())
        if xid is not None:
            self._store._committed(xid)
        tx.begin()

    def rollback(self) -> None:
        self._tx.execute("ROLLBACK", ())
        self._tx.begin()


class PostgresStore:
    """F1: a practice in a PostgreSQL database, shared by many processes and hosts.

    ``url`` is a libpq URL (``postgresql://user:password@host:5432/dbname``); the query
    parameters ``pool_min`` and ``pool_max`` size this process's connection pool
    (defaults 1 and 10).
    """

    def __init__(self, url: str, *, migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self._url = masked_url(url)
        conninfo, pool = split_pool_options(url)
        self._local = threading.local()
        self._last_xid: int | None = None
        self._xid_lock = threading.Lock()
        try:
            # One direct attempt first: a wrong host or password fails at once, clearly.
            psycopg.connect(conninfo, connect_timeout=10).close()
            self.pool = ConnectionPool(
                conninfo,
                min_size=pool.get("min_size", 1),
                max_size=pool.get("max_size", 10),
                kwargs={"autocommit": True},
                configure=_configure,
                open=False,
                name="lemnicore",
            )
            self.pool.open(wait=True, timeout=30)
        except Exception as exc:
            raise StoreError(f"cannot connect to {self._url}: {_first_line(exc)}") from exc
        try:
            self.applied_migrations = self.migrate(migrations)
        except BaseException:
            self.pool.close()
            raise

    @property
    def url(self) -> str:
        return self._url

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
        """F3: apply every migration not yet applied, each in its own transaction, under
        a session advisory lock — a second host starting at once waits, then finds the
        work done. A database migrated by a newer lemnicore is refused."""
        known = {(m.area, m.version) for m in migrations}
        applied: list[Migration] = []
        with self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (area text NOT NULL,"
                    " version integer NOT NULL, description text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (area, version))"
                )
                done = {
                    (r[0], r[1])
                    for r in conn.execute("SELECT area, version FROM schema_migrations")
                }
                newer = sorted(done - known)
                if newer:
                    names = ", ".join(f"{a} {v}" for a, v in newer)
                    raise StoreError(
                        f"{self._url} has schema migrations this lemnicore does not know"
                        f" ({names}): it was written by a newer version; upgrade lemnicore (F3)"
                    )
                for m in migrations:
                    if (m.area, m.version) in done:
                        continue
                    with conn.transaction():
                        for statement in m.statements:
                            conn.execute(statement)
                        conn.execute(
                            "INSERT INTO schema_migrations (area, version, description)"
                            " VALUES (%s, %s, %s)",
                            (m.area, m.version, m.description),
                        )
                    applied.append(m)
            except psycopg.Error as exc:
                raise StoreError(f"cannot migrate {self._url}: {_first_line(exc)}") from exc
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        return applied

    def unit_of_work(self, *, write: bool = True) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self, write=write)

    def _committed(self, xid: int) -> None:
        """Remember the newest transaction this store committed (B5: :meth:`checkpoint`)."""
        with self._xid_lock:
            self._last_xid = xid if self._last_xid is None else max(self._last_xid, xid)

    def checkpoint(self) -> bool:
        """B5: after an erasure, VACUUM the tables it rewrote so the old row versions
        holding the erased values are removed (see docs/postgresql.md for what VACUUM does
        not reach: WAL segments, backups, replicas).

        Returns False — the wipe is pending — when VACUUM may have had to keep some of
        those old versions. The signal is exact and needs no extension: VACUUM removes a
        row version deleted by transaction X only if no transaction still running and no
        snapshot still open is as old as X (the "xmin horizon"). So *before* vacuuming
        this looks at everything that holds the horizon back — other backends' running
        transaction id and snapshot xmin (``pg_stat_activity``: this database's sessions
        and those of none, every database before PostgreSQL 14; readable without extra
        privileges), prepared transactions,
        replication slots and ``vacuum_defer_cleanup_age`` — and compares it
        with X, the newest transaction this store committed (the erasure; a store that
        committed nothing yet, e.g. a new process finishing a pending wipe, uses the newest
        transaction id handed out, stricter still). Nothing older than X can appear afterwards, so a
        clear horizon before VACUUM means VACUUM removes every such version. Statistics
        (``n_dead_tup``, ``pg_stat_get_live_tuples``) are counters updated after the fact,
        can be reset or switched off, and count unrelated rows; ``pageinspect`` reads
        pages exactly but is an extension a production database may not have — the
        tests use it to check this answer.
        """
        with self._xid_lock:
            since = self._last_xid
        with self.pool.connection() as conn:
            if since is None:
                # The newest transaction id handed out so far (an erasure committed
                # before this call is at most that).
                row = conn.execute(
                    "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint - 1"
                ).fetchone()
                since = int(row[0]) if row else 0
            # age() counts back from the next transaction id: older means greater age. A
            # holder at or before ``since`` (age >= age(since)) keeps its versions.
            # Since PostgreSQL 14 only sessions of this database (and those of none, such
            # as a standby's walsender) hold back a user table's horizon; before, all did.
            row = conn.execute(
                "WITH others AS (SELECT backend_xid, backend_xmin FROM pg_stat_activity"
                "  WHERE pid <> pg_backend_pid() AND (datname IS NULL"
                "   OR datname = current_database()"
                "   OR current_setting('server_version_num')::int < 140000)),"
                " horizon(xid) AS ("
                "  SELECT backend_xid FROM others UNION ALL SELECT backend_xmin FROM others"
                "  UNION ALL SELECT transaction FROM pg_prepared_xacts"
                "  UNION ALL SELECT xmin FROM pg_replication_slots)"
                " SELECT (SELECT count(*) FROM horizon"
                "   WHERE xid IS NOT NULL AND age(xid) >= age(%(x)s::text::xid8::xid))"
                # PostgreSQL <= 15 can hold the horizon back by a set number of xids.
                " , age(%(x)s::text::xid8::xid)"
                "   > coalesce(current_setting('vacuum_defer_cleanup_age', true)::int, 0)",
                {"x": str(since)},
            ).fetchone()
            clear = row is not None and row[0] == 0 and bool(row[1])
            for table in ERASURE_TABLES:
                conn.execute(f"VACUUM (FREEZE) {table}")
        return clear

    def close(self) -> None:
        self.pool.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
