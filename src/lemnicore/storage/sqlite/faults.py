"""F4: every sqlite3 error becomes one of lemnicore's :class:`~lemnicore.errors.StoreError`
subclasses naming the file and the cause.

The store's connections are :class:`MappedConnection` objects whose cursors translate errors
where SQLite reports them — on ``execute`` and while rows are fetched (a damaged page is
often found only then) — so no repository method has to remember it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lemnicore.errors import (
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
)

# Primary result codes (https://sqlite.org/rescode.html); extended codes keep them in the
# low byte.
SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_CONSTRAINT = 19
SQLITE_NOTADB = 26
SQLITE_IOERR_WRITE = SQLITE_IOERR | (3 << 8)


class ConstraintViolationError(StoreError):
    """A change broke a constraint of the schema (a duplicate id, an append-only table).

    Repositories catch it to say which record could not be stored.
    """

    def __init__(self, path: str, detail: str) -> None:
        self.detail = detail
        super().__init__(f"the store {path!r} refused a change: {detail}", path=path)


def store_error(exc: BaseException, path: str) -> StoreError:
    """The :class:`StoreError` for a driver error ``exc`` on the store file ``path``."""
    if isinstance(exc, StoreError):
        return exc
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, UnicodeDecodeError) or "Could not decode to UTF-8" in detail:
        # Text in the file that is not UTF-8 was not written by lemnicore: damaged content
        # (sqlite3 says so as a UnicodeDecodeError or as an OperationalError, by where).
        return StoreCorruptError(path, f"text that is not valid UTF-8: {detail}")
    if isinstance(exc, UnicodeError):
        return StoreError(
            f"the store {path!r} cannot hold text that is not valid Unicode "
            f"(a lone surrogate): {detail}",
            path=path,
        )
    if isinstance(exc, OverflowError):
        return StoreError(f"the store {path!r} cannot hold a number this large", path=path)
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else _primary_from_text(detail)
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return StoreCorruptError(path, detail)
    if primary in (SQLITE_READONLY, SQLITE_PERM):
        return StoreReadOnlyError(path, detail)
    if primary == SQLITE_FULL:
        return StoreFullError(path, detail)
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreLockedError(path, detail)
    if primary == SQLITE_CONSTRAINT or isinstance(exc, sqlite3.IntegrityError):
        return ConstraintViolationError(path, detail)
    if primary == SQLITE_CANTOPEN:
        return StoreError(f"cannot open the store {path!r}: {detail}", path=path)
    if code == SQLITE_IOERR_WRITE:
        # What a write past the end of the disk or a file-size limit (EFBIG) comes back as
        # when the OS does not say ENOSPC.
        return StoreFullError(path, f"{detail} while writing: no space left or a size limit")
    if primary == SQLITE_IOERR:
        return StoreError(f"the store {path!r} cannot be read or written: {detail}", path=path)
    return StoreError(f"the store {path!r} failed: {detail}", path=path)


def _primary_from_text(detail: str) -> int | None:
    """For errors raised without a result code (older drivers, wrapped errors)."""
    for words, primary in (
        (("malformed", "not a database"), SQLITE_CORRUPT),
        (("readonly", "read-only"), SQLITE_READONLY),
        (("disk is full", "database is full"), SQLITE_FULL),
        (("locked", "busy"), SQLITE_BUSY),
    ):
        if any(w in detail for w in words):
            return primary
    return None


_DRIVER_ERRORS = (sqlite3.Error, UnicodeError, OverflowError)

Parameters = Sequence[Any] | Mapping[str, Any]


class MappedCursor(sqlite3.Cursor):
    """A cursor whose every failure is a :class:`StoreError` naming the file."""

    store_path = ""

    def execute(self, sql: str, parameters: Parameters = (), /) -> MappedCursor:  # type: ignore[override]
        try:
            super().execute(sql, parameters)
        except _DRIVER_ERRORS as exc:
            raise store_error(exc, self.store_path) from exc
        return self

    def executemany(self, sql: str, seq_of_parameters: Iterable[Parameters], /) -> MappedCursor:  # type: ignore[override]
        try:
            super().executemany(sql, seq_of_parameters)
        except _DRIVER_ERRORS as exc:
            raise store_error(exc, self.store_path) from exc
        return self

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except _DRIVER_ERRORS as exc:
            raise store_error(exc, self.store_path) from exc

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except _DRIVER_ERRORS as exc:
            raise store_error(exc, self.store_path) from exc

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        try:
            return super().fetchmany(size if size is not None else self.arraysize)
        except _DRIVER_ERRORS as exc:
            raise store_error(exc, self.store_path) from exc

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except _DRIVER_ERRORS as exc:
            raise store_error(exc, self.store_path) from exc


class MappedConnection(sqlite3.Connection):
    """A connection whose statements fail only with :class:`StoreError` (F4)."""

    store_path = ""

    def cursor(self, factory: Any = None) -> MappedCursor:  # type: ignore[override]
        cur = super().cursor(MappedCursor)
        cur.store_path = self.store_path
        return cur

    def execute(self, sql: str, parameters: Parameters = (), /) -> MappedCursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(  # type: ignore[override]
        self, sql: str, seq_of_parameters: Iterable[Parameters], /
    ) -> MappedCursor:
        return self.cursor().executemany(sql, seq_of_parameters)

    def commit(self) -> None:
        try:
            super().commit()
        except _DRIVER_ERRORS as exc:
            raise store_error(exc, self.store_path) from exc


def open_connection(path: str, *, timeout: float) -> MappedConnection:
    """A :class:`MappedConnection` to ``path`` (created if missing, as sqlite3 does)."""
    try:
        conn = sqlite3.connect(
            path,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
            factory=MappedConnection,
        )
    except _DRIVER_ERRORS as exc:
        raise store_error(exc, path) from exc
    assert isinstance(conn, MappedConnection)
    conn.store_path = path
    return conn
