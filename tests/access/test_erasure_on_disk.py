"""B5: erased values are gone from the SQLite file, its ``-wal`` and ``-shm`` — also the
requests of the same person that never became a client — or the erasure says the wipe is
pending, and a later call finishes it. Never a false success."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time
from pathlib import Path

import attrs
import pytest

from lemnicore import (
    SYSTEM_ACTOR,
    Channel,
    ClientErasure,
    OnlineBooking,
    SqliteStore,
    WipeState,
)
from lemnicore.testing import MON_FRI, CapturingTransport, Practice

NAME = "Zyxwerdaloh"
FIRST = "Quilminta"
EMAIL = "zyx.werda@example.org"
MOBILE = "+49 170 5550199"
STREET = "Geheimweg 17, 20999 Hamburg"
NOTES = "Notiz-Geheim-4711"
COMMENT = "Kommentar-Geheim-0815"
MESSAGE = "Nachricht-Geheim-2222"
ASKED = "Anfrage-Geheim-3333"
STRANGER = "Stranger-Requester-Vexil"
STRANGER_EMAIL = "vexil.stranger@example.org"
STRANGER_ASKED = "Anfrage-Fremd-9191"

ERASED_VALUES = (
    NAME,
    FIRST,
    EMAIL,
    MOBILE,
    STREET,
    NOTES,
    COMMENT,
    MESSAGE,
    ASKED,
    STRANGER,
    STRANGER_EMAIL,
    STRANGER_ASKED,
)


@attrs.frozen
class Scene:
    practice: Practice
    path: Path
    client: str
    owner: str


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    room = practice.add_room("Room 1")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    anna = practice.add_practitioner("Anna")
    client = practice.add_client(
        NAME, FIRST, email=EMAIL, mobile=MOBILE, postal_address=STREET, consent=True
    )
    with store.unit_of_work() as uow:
        uow.clients.update(attrs.evolve(uow.clients.get(client), notes=NOTES))
        uow.commit()
    practice.appointment(anna, room, practice.at(2026, 5, 5, 9), client_id=client, comment=COMMENT)
    from lemnicore import NotificationService

    NotificationService(store, practice.clock).record_manual_message(
        SYSTEM_ACTOR, client, channel=Channel.SMS, address=MOBILE, text=MESSAGE
    )
    online = OnlineBooking(store, practice.clock, transport=CapturingTransport())
    release = online.release(SYSTEM_ACTOR, room, practice.calendars[anna])
    # The same person asks online once more, and a stranger asks and is turned down:
    # neither request carries a client id (C4).
    online.request(
        release.token, practice.at(2026, 5, 6, 10), last_name=NAME, email=EMAIL, message=ASKED
    )
    declined = online.request(
        release.token,
        practice.at(2026, 5, 6, 11),
        last_name=STRANGER,
        email=STRANGER_EMAIL,
        message=STRANGER_ASKED,
    )
    online.decline(SYSTEM_ACTOR, declined.appointment_id)
    yield Scene(practice, path, client, anna)
    store.close()


def found_on_disk(path: Path) -> dict[str, list[str]]:
    """Every erased value still present in the database file, its WAL or shared memory."""
    found: dict[str, list[str]] = {}
    for suffix in ("", "-wal", "-shm"):
        file = path.with_name(path.name + suffix)
        if not file.exists():
            continue
        data = file.read_bytes()
        hits = [v for v in ERASED_VALUES if v.encode() in data]
        if hits:
            found[file.name] = hits
    return found


def _erase_all(scene: Scene) -> tuple[WipeState, WipeState]:
    practice = scene.practice
    erasure = ClientErasure(practice.store, practice.clock)
    owner = practice.owner(scene.owner)
    report = erasure.erase(owner, scene.client)
    assert report.requests_erased == 1
    stranger = erasure.erase_requester(
        owner, practice.organisation.id, email=STRANGER_EMAIL.upper()
    )
    assert stranger.requests_erased == 1
    return report.wipe, stranger.wipe


def test_b5_the_values_are_on_disk_before_the_erasure(scene: Scene) -> None:
    # Otherwise the test below could not fail.
    scene.practice.store.checkpoint()  # type: ignore[attr-defined]
    found = found_on_disk(scene.path)
    assert set(ERASED_VALUES) <= {v for hits in found.values() for v in hits}


def test_b5_erased_values_are_gone_from_the_file_the_wal_and_the_shm(scene: Scene) -> None:
    assert _erase_all(scene) == (WipeState.WIPED, WipeState.WIPED)
    assert found_on_disk(scene.path) == {}
    # Still busy time, still the audit metadata.
    with scene.practice.store.unit_of_work(write=False) as uow:
        assert len(uow.appointments.of_client(scene.client)) == 1
        assert uow.clients.get(scene.client).erased


READER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN")
conn.execute("SELECT count(*) FROM clients").fetchone()
print("reading", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
conn.close()
"""


def test_b5_with_a_long_reader_the_wipe_is_pending_and_a_later_call_completes_it(
    scene: Scene,
) -> None:
    erasure = ClientErasure(scene.practice.store, scene.practice.clock)
    owner = scene.practice.owner(scene.owner)
    with subprocess.Popen(
        [sys.executable, "-c", READER, str(scene.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as reader:
        try:
            assert reader.stdout is not None
            assert reader.stdin is not None
            assert reader.stdout.readline().strip() == "reading"
            # Not a false success: the reader's snapshot keeps old pages in the WAL.
            assert _erase_all(scene) == (WipeState.PENDING, WipeState.PENDING)
            assert found_on_disk(scene.path), "pending means something is still there"
            assert erasure.complete_pending_wipes(owner) is WipeState.PENDING
            reader.stdin.write("done\n")
            reader.stdin.flush()
            assert reader.wait(timeout=60) == 0
        finally:
            if reader.poll() is None:
                reader.kill()
    assert erasure.complete_pending_wipes(owner) is WipeState.WIPED
    assert found_on_disk(scene.path) == {}
