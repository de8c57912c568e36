"""F1: opening the built-in stores, and the public storage contract run against them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lemnicore.access.audit import AuditEntry
from lemnicore.errors import StoreError, UnknownStoreURLError
from lemnicore.plugins.manager import open_store
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing.contract import StoreContract

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


def entry(ident: str, at: datetime) -> AuditEntry:
    return AuditEntry(ident, at, "user-desk", "appointment.created")


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> Iterator[Store]:
        opened = open_store("memory://")
        yield opened
        opened.close()


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        opened = open_store(f"sqlite:///{tmp_path / 'practice.db'}")
        yield opened
        opened.close()


def test_f1_stores_open_by_url(tmp_path: Path) -> None:
    memory = open_store("memory://")
    sqlite = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        assert isinstance(memory, MemoryStore)
        assert isinstance(sqlite, SqliteStore)
        assert sqlite.url == f"sqlite:///{tmp_path / 'p.db'}"
        assert (tmp_path / "p.db").exists()
    finally:
        memory.close()
        sqlite.close()


def test_f1_an_unknown_url_is_refused_naming_it() -> None:
    with pytest.raises(UnknownStoreURLError, match="mysql://x"):
        open_store("mysql://x")


def test_f1_a_sqlite_file_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(f"sqlite:///{tmp_path / 'nowhere' / 'p.db'}")


def test_b3_sqlite_refuses_to_rewrite_the_audit_log_even_in_sql(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    try:
        with store.unit_of_work() as uow:
            uow.audit.append(entry("e-1", NOW))
            uow.commit()
        conn = store.connection()
        for statement in ("UPDATE audit_log SET actor_id = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match=r"append-only.*B3"):
                conn.execute(statement)
    finally:
        store.close()
