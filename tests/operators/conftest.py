"""A small practice on a real SQLite file for the operator-facing command tests (G6)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from lemnicore.plugins import manager
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A practice with one room open Monday to Friday 8-18, one practitioner and two booked clients (one consented)."""
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    room = practice.add_room("Raum 1")
    practice.add_working_time(room, range(5), time(8), time(18))
    anna = practice.add_practitioner("Anna")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    bob = practice.add_client("Kurz", "Bob", email="bob@example.org", consent=False)
    practice.appointment(anna, room, practice.at(2026, 5, 5, 15), client_id=eva)
    practice.appointment(anna, room, practice.at(2026, 5, 5, 16), client_id=bob)
    store.close()
    return f"sqlite:///{path}"


@pytest.fixture
def capture_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``capture://NAME`` a transport scheme (lemnicore.testing's capturing fake)."""
    monkeypatch.setattr(
        manager, "BUILTIN_PLUGINS", (*manager.BUILTIN_PLUGINS, "lemnicore.testing.transports")
    )
