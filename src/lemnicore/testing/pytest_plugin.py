"""The lemnicore pytest plugin (entry point ``pytest11``), G2.

Fixtures:

- ``lemnicore_now`` — the instant tests start at (override it in your conftest).
- ``memory_store`` — a fresh ``memory://`` store.
- ``sqlite_store`` — a fresh SQLite file in ``tmp_path``.
- ``practice`` — a :class:`~lemnicore.testing.Practice` on a memory store at ``lemnicore_now``.
- ``plugin_manager`` — a fresh plugin manager with built-ins and installed plugins.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pluggy
import pytest

from lemnicore.plugins.manager import make_plugin_manager
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing.practice import Practice


@pytest.fixture
def lemnicore_now() -> datetime:
    """Monday 4 May 2026, 09:00 in Berlin (07:00 UTC): an ordinary working week."""
    return datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


@pytest.fixture
def memory_store() -> MemoryStore:
    """A fresh, empty ``memory://`` store for one test (nothing survives the test)."""
    return MemoryStore()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A fresh SQLite store in ``tmp_path/lemnicore.db`` (a real file, WAL mode), closed
    after the test."""
    store = SqliteStore(tmp_path / "lemnicore.db")
    yield store
    store.close()


@pytest.fixture
def practice(memory_store: MemoryStore, lemnicore_now: datetime) -> Practice:
    """A :class:`~lemnicore.testing.Practice` builder on ``memory_store`` whose fake clock
    starts at ``lemnicore_now``: one organisation and branch, add rooms and clients."""
    return Practice(memory_store, now=lemnicore_now)


@pytest.fixture
def plugin_manager() -> pluggy.PluginManager:
    """A fresh plugin manager with the built-in plugins and every installed one (plugins
    whose extra is missing are left out, G5); register your own with ``.register()``."""
    return make_plugin_manager()
