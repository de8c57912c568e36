"""F3: the SQLite schema is migrated forward automatically, once per migration."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from lemnicore.errors import StoreError
from lemnicore.scheduling.practice import AppointmentType, Room
from lemnicore.storage.sqlite.rows import DOCUMENTS
from lemnicore.storage.sqlite.schema import MIGRATIONS, Migration
from lemnicore.storage.sqlite.store import SqliteStore, connect, migrate


def recorded(path: Path) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT area, version, description FROM schema_migrations ORDER BY area, version"
        ).fetchall()
    finally:
        conn.close()


def test_f3_a_new_file_gets_every_migration_recorded(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    store.close()
    assert store.applied_migrations == list(MIGRATIONS)
    assert recorded(tmp_path / "p.db") == sorted(
        (m.area, m.version, m.description) for m in MIGRATIONS
    )


def test_f3_reopening_a_file_applies_nothing_and_keeps_the_data(tmp_path: Path) -> None:
    first = SqliteStore(tmp_path / "p.db")
    with first.unit_of_work() as uow:
        uow.rooms.put(Room("room-1", "branch-1", "Room 1"))
        uow.commit()
    first.close()
    again = SqliteStore(tmp_path / "p.db")
    try:
        assert again.applied_migrations == []
        with again.unit_of_work(write=False) as uow:
            assert [r.id for r in uow.rooms.all()] == ["room-1"]
    finally:
        again.close()
    assert len(recorded(tmp_path / "p.db")) == len(MIGRATIONS)


def test_f3_a_newer_migration_list_applies_only_the_new_one(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "p.db").close()
    newer = Migration(
        "reminders",
        1,
        "sent log",
        ("CREATE TABLE sent_log (id TEXT PRIMARY KEY, at_us INTEGER NOT NULL)",),
    )
    conn = connect(str(tmp_path / "p.db"))
    try:
        assert migrate(conn, (*MIGRATIONS, newer)) == [newer]
        assert migrate(conn, (*MIGRATIONS, newer)) == []
        conn.execute("INSERT INTO sent_log VALUES ('m-1', 0)")
    finally:
        conn.close()
    assert ("reminders", 1, "sent log") in recorded(tmp_path / "p.db")


def test_f3_a_failing_migration_leaves_the_schema_as_it_was(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "p.db").close()
    good = Migration("x", 1, "table", ("CREATE TABLE x_things (id TEXT)",))
    broken = Migration("x", 2, "typo", ("CREATE TABLEE nope (id TEXT)",))
    conn = connect(str(tmp_path / "p.db"))
    try:
        with pytest.raises(StoreError, match="syntax error"):
            migrate(conn, (*MIGRATIONS, good, broken))
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert "x_things" not in tables
    assert len(recorded(tmp_path / "p.db")) == len(MIGRATIONS)


def test_f3_the_store_is_durable_wal_with_full_sync(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    try:
        conn = store.connection()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        store.close()


def test_f3_migrations_are_numbered_upwards_within_each_area() -> None:
    seen: dict[str, int] = {}
    for m in MIGRATIONS:
        assert m.version == seen.get(m.area, 0) + 1, m
        seen[m.area] = m.version


def old_type_body() -> str:
    """An appointment type document as written before types had an organisation (B1)."""
    body = DOCUMENTS.unstructure(AppointmentType("massage", "Massage"))
    del body["organisation_id"]
    return json.dumps(body)


def test_b1_f3_a_type_stored_before_types_had_a_practice_reads_as_shared(tmp_path: Path) -> None:
    path = tmp_path / "practice.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO documents (kind, id, body) VALUES ('appointment_types', 'massage', ?)",
            (old_type_body(),),
        )
    conn.close()
    store = SqliteStore(path)
    try:
        with store.unit_of_work(write=False) as uow:
            kind = uow.appointment_types.get("massage")
        assert (kind.name, kind.organisation_id) == ("Massage", None)
    finally:
        store.close()
