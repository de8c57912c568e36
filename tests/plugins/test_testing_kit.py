"""G2: ``lemnicore.testing`` — an in-memory practice, a fake clock, a capturing transport and
the pytest plugin (entry point ``pytest11``) with its fixtures, as a user's tests see them."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from lemnicore import Channel, OutgoingMessage, PermanentTransportError
from lemnicore.errors import NaiveDatetimeError
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import CapturingTransport, FakeClock, Practice

MONDAY_9_BERLIN = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


def test_g2_the_fake_clock_stands_still_until_moved_and_never_runs_backwards() -> None:
    clock = FakeClock(MONDAY_9_BERLIN)
    assert clock.now() == clock.now() == MONDAY_9_BERLIN
    assert clock.advance(hours=1, minutes=30) == MONDAY_9_BERLIN + timedelta(hours=1, minutes=30)
    assert clock.now() == MONDAY_9_BERLIN + timedelta(hours=1, minutes=30)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(minutes=-1)
    with pytest.raises(NaiveDatetimeError):
        clock.set(datetime(2026, 5, 4, 9, 0))
    assert clock.now() == MONDAY_9_BERLIN + timedelta(hours=1, minutes=30)


def test_g2_the_practice_fixture_is_an_empty_memory_practice_at_lemnicore_now(
    practice: Practice, lemnicore_now: datetime
) -> None:
    """Monday 4 May 2026, 09:00 in Berlin; nothing booked yet; booking uses its clock."""
    assert lemnicore_now == MONDAY_9_BERLIN
    assert isinstance(practice.store, MemoryStore)
    assert practice.clock.now() == lemnicore_now
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 0
        assert uow.organisations.get(practice.organisation.id) == practice.organisation
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    booked = practice.appointment(anna, room, practice.at(2026, 5, 4, 10))
    assert booked.created_at == lemnicore_now
    assert booked.start == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def test_g2_store_fixtures_are_fresh_and_of_their_kind(
    memory_store: MemoryStore, sqlite_store: SqliteStore, tmp_path: Path
) -> None:
    assert isinstance(memory_store, MemoryStore)
    assert isinstance(sqlite_store, SqliteStore)
    assert sqlite_store.url == f"sqlite:///{tmp_path / 'lemnicore.db'}"
    for store in (memory_store, sqlite_store):
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.count() == 0
            assert uow.rooms.all() == []


def test_g2_the_capturing_transport_keeps_each_message_once_per_idempotency_key() -> None:
    """What a test asserts on instead of a mailbox (D15: one key, one delivery)."""
    outbox = CapturingTransport([Channel.EMAIL])
    first = OutgoingMessage("key-1", Channel.EMAIL, "jana@example.org", "Erinnerung")
    assert outbox.send(first) == outbox.send(first)
    outbox.send(OutgoingMessage("key-2", Channel.EMAIL, "ben@example.org", "Bestätigung"))
    assert [m.idempotency_key for m in outbox.delivered] == ["key-1", "key-2"]
    assert len(outbox.attempts) == 3
    assert [m.text for m in outbox.to("jana@example.org")] == ["Erinnerung"]
    outbox.fail_next(PermanentTransportError("invalid address", provider="test"))
    with pytest.raises(PermanentTransportError):
        outbox.send(OutgoingMessage("key-3", Channel.EMAIL, "x@example.org", "x"))
    assert len(outbox.delivered) == 2
    assert outbox.channels == {Channel.EMAIL}


def test_g2_the_pytest_plugin_is_an_entry_point_and_its_now_can_be_overridden(
    tmp_path: Path,
) -> None:
    """A user's project gets the fixtures from the ``pytest11`` entry point alone, and a
    ``lemnicore_now`` of its own moves the practice fixture's clock."""
    declared = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert declared.get("lemnicore") == "lemnicore.testing.pytest_plugin"
    (tmp_path / "conftest.py").write_text(
        "from datetime import UTC, datetime\n"
        "import pytest\n\n"
        "@pytest.fixture\n"
        "def lemnicore_now():\n"
        "    return datetime(2026, 10, 25, 0, 30, tzinfo=UTC)\n",
        encoding="utf-8",
    )
    (tmp_path / "test_user.py").write_text(
        "from datetime import UTC, datetime\n\n"
        "def test_now(practice):\n"
        "    assert practice.clock.now() == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)\n\n"
        "def test_now_is_wrong(practice):\n"
        "    assert practice.clock.now() == datetime(2026, 5, 4, 7, 0, tzinfo=UTC)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    # The second test fails on purpose: the override took effect, so the default is gone.
    assert "1 failed, 1 passed" in done.stdout, done.stdout + done.stderr
    assert "test_user.py::test_now_is_wrong" in done.stdout


def test_g2_dst_the_fake_clock_advances_in_elapsed_time_across_the_october_switch() -> None:
    """G2: ten minutes after 02:55 CEST on 25 October is 02:05 CET — real minutes, not
    wall-clock ones (which would give 03:05, 70 real minutes later)."""
    from datetime import UTC, datetime, timedelta

    from lemnicore.testing import FakeClock
    from lemnicore.timekeeping import zone

    berlin = zone("Europe/Berlin")
    start = datetime(2026, 10, 25, 2, 55, tzinfo=berlin)  # fold=0: the first, summer 02:55
    clock = FakeClock(start)
    later = clock.advance(minutes=10)
    # Compared in UTC: two datetimes sharing a zone subtract by wall clock in Python.
    assert later.astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=10)
    assert later.astimezone(berlin).strftime("%H:%M %Z") == "02:05 CET"
