"""Shared situations for the eTermin tests: a practice with rooms, a small messy account."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from lemnicore import SqliteStore
from lemnicore.testing import Practice
from lemnicore_etermin.plan import CalendarMapping, TakeoverOptions
from lemnicore_etermin.testing import EterminAccount, FakeEterminServer
from lemnicore_etermin.testing.samples import small_account

TODAY = date(2026, 5, 4)
NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


@pytest.fixture
def account() -> EterminAccount:
    return small_account()


@pytest.fixture
def fake(account: EterminAccount) -> Iterator[FakeEterminServer]:
    with FakeEterminServer(account) as server:
        yield server


@pytest.fixture
def practice_db(tmp_path: Path) -> Iterator[tuple[SqliteStore, Practice]]:
    """A practice in a real SQLite file with two rooms and one practitioner's calendar."""
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=NOW, default_consent=False)
    practice.add_room("Raum 1")
    practice.add_room("Raum 2")
    practice.add_practitioner("Frau Koch")
    yield store, practice
    store.close()


def options(practice: Practice, **kw: Any) -> TakeoverOptions:
    calendar = next(iter(practice.calendars.values()))
    mappings = kw.pop(
        "calendars",
        [CalendarMapping("1001", "room-1", calendar), CalendarMapping("1002", "room-2", calendar)],
    )
    return TakeoverOptions(organisation_id="org-1", calendars=mappings, **kw)
