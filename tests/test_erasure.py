"""B5: erasure on request — no personal value left in the store, busy time and audit
metadata kept, audited itself, final."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time
from pathlib import Path

import attrs
import pytest

from lemnicore import (
    REDACTED,
    AccessDeniedError,
    AuditAction,
    ClientErasure,
    ClientLogins,
    ConflictError,
    OnlineBooking,
    SqliteStore,
)
from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.ports import ERASED_TEXT, STOPPED_BY_ERASURE
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService
from lemnicore.online.requests import NewClient
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice
from lemnicore.testing.transports import CapturingTransport

NAME = "Zwetschgenbaum"
FIRST = "Philippa"
EMAIL = "philippa.zwetschgenbaum@example.org"
MOBILE = "+491709876543"


def _a_client_with_history(practice: Practice) -> tuple[str, str]:
    """A client with appointments (one from an online request), a login, contact changes."""
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    client = practice.add_client(NAME, FIRST, email=EMAIL, mobile=MOBILE, birthday=date(1980, 2, 3))
    with practice.store.unit_of_work() as uow:
        record = uow.clients.get(client)
        uow.clients.update(attrs.evolve(record, notes=f"{NAME} mag keine Montage", tags={"knie"}))
        uow.commit()
    desk = practice.front_desk()
    practice.clients.change_contact(desk, client, email=f"alt.{EMAIL}")
    practice.clients.change_contact(desk, client, email=EMAIL)
    practice.appointment(
        anna, room, practice.at(2026, 5, 5, 9), client_id=client, comment=f"{FIRST} Knie"
    )
    online = OnlineBooking(practice.store, practice.clock)
    release = online.release(practice.owner(anna), room, practice.calendars[anna])
    receipt = online.request(
        release.token, practice.at(2026, 5, 6, 10), last_name=NAME, first_name=FIRST, email=EMAIL
    )
    online.confirm(desk, receipt.appointment_id, client_id=client)
    practice.book.cancel(desk, receipt.appointment_id, reason=f"{FIRST} ist krank")
    ClientLogins(practice.store, practice.clock).create(
        practice.owner(anna), client, EMAIL, "geheim-123"
    )
    return client, anna


def test_b5_erasure_keeps_busy_time_and_audit_metadata_only(practice: Practice) -> None:
    client, anna = _a_client_with_history(practice)
    before_count = len(_audit(practice.store, client))
    report = ClientErasure(practice.store, practice.clock).erase(practice.owner(anna), client)
    assert report.appointments_anonymised == 2
    assert report.logins_removed == 1
    erased = practice.client(client)
    assert erased.erased
    assert erased.last_name == "[erased]"
    assert (erased.first_name, erased.email, erased.mobile, erased.birthday, erased.notes) == (
        "",
        None,
        None,
        None,
        "",
    )
    assert erased.tags == frozenset()
    assert not erased.notification_consent
    with practice.store.unit_of_work(write=False) as uow:
        kept = uow.appointments.of_client(client)
        assert uow.client_logins.all() == []
    assert [a.comment for a in kept] == ["", ""]
    # Still busy time: the room is not free at 09:00 on 5 May.
    free = practice.book.free_slots(
        practice.front_desk(), kept[0].room_id, practice.at(2026, 5, 5), practice.at(2026, 5, 6)
    )
    assert practice.at(2026, 5, 5, 9) not in {s.start for s in free}
    entries = _audit(practice.store, client)
    assert len(entries) == before_count + 1
    (erasure,) = [e for e in entries if e.action == AuditAction.CLIENT_ERASED]
    assert erasure.actor_id == practice.owner(anna).id
    assert erasure.after == {"erased": True}
    changed = [e for e in entries if e.action == AuditAction.CLIENT_CONTACT_CHANGED]
    assert changed
    assert all(e.before == {"email": REDACTED} for e in changed)
    assert all(e.actor_id == practice.front_desk().id for e in changed)
    assert NAME not in repr(entries)
    assert EMAIL not in repr(entries)
    assert FIRST not in repr(entries)


def test_b5_erasure_cannot_be_undone_or_repeated_and_needs_administration(
    practice: Practice,
) -> None:
    client, anna = _a_client_with_history(practice)
    erasure = ClientErasure(practice.store, practice.clock)
    with pytest.raises(AccessDeniedError, match="administration"):
        erasure.erase(practice.front_desk(), client)
    erasure.erase(practice.owner(anna), client)
    with pytest.raises(ConflictError, match="erased already"):
        erasure.erase(practice.owner(anna), client)
    assert not hasattr(erasure, "restore")
    assert not hasattr(erasure, "undo")


def test_b5_erased_client_cannot_be_attached_to_a_request(practice: Practice) -> None:
    client, anna = _a_client_with_history(practice)
    ClientErasure(practice.store, practice.clock).erase(practice.owner(anna), client)
    online = OnlineBooking(practice.store, practice.clock)
    with practice.store.unit_of_work(write=False) as uow:
        token = uow.online_releases.all()[0].token
    receipt = online.request(
        token, practice.at(2026, 5, 7, 10), last_name="Neu", email="n@example.org"
    )
    with pytest.raises(Exception, match="erased"):
        online.confirm(practice.front_desk(), receipt.appointment_id, client_id=client)
    online.confirm(practice.front_desk(), receipt.appointment_id, new_client=NewClient("Neu"))


def test_b5_no_personal_value_left_in_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    client, anna = _a_client_with_history(practice)
    raw = _file_bytes(path, store)
    # The values are really there before (so the search below can find them).
    assert NAME.encode() in raw
    assert EMAIL.encode() in raw
    ClientErasure(store, practice.clock).erase(practice.owner(anna), client)
    raw = _file_bytes(path, store)
    for value in (NAME, FIRST, EMAIL, MOBILE, "1980-02-03", "mag keine Montage"):
        assert value.encode() not in raw, value
        assert value.encode("utf-16-le") not in raw, value
    # And the store still works and knows the erased shell.
    assert practice.client(client).erased
    store.close()


SECRET = "Bitte den Befund zum Knie mitbringen"
"""A manual message's text: it must not survive the erasure either."""


def _messages_to(practice: Practice, client: str, anna: str) -> NotificationService:
    """B5 × D14: the client got a confirmation (e-mail), a manual SMS, and has one more
    confirmation waiting in the outbox."""
    practice.clock.advance(hours=2)  # D4: an hour after the contact change
    transport = CapturingTransport()
    notifier = NotificationService(
        practice.store, practice.clock, [transport], NotificationPolicy(quiet_hours=None)
    )
    notifier.run()
    (confirmation,) = transport.delivered
    assert confirmation.address == EMAIL
    assert NAME in confirmation.text
    with practice.store.unit_of_work(write=False) as uow:
        first = uow.appointments.of_client(client)[0].id
    notifier.record_manual_message(
        SYSTEM_ACTOR,
        client,
        channel=Channel.SMS,
        address=MOBILE,
        text=SECRET,
        appointment_ids=[first],
    )
    room = practice.add_room("Room 2")
    practice.appointment(anna, room, practice.at(2026, 5, 20, 9), client_id=client)
    practice.clock.advance(hours=1)
    _, (pending,) = notifier.enqueue()
    assert pending.state is DeliveryState.PENDING
    return notifier


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_b5_d14_sent_messages_keep_who_when_what_kind_but_no_personal_value(
    backend: str, tmp_path: Path
) -> None:
    store: Store = MemoryStore() if backend == "memory" else SqliteStore(tmp_path / "p.db")
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    client, anna = _a_client_with_history(practice)
    notifier = _messages_to(practice, client, anna)
    history_before = notifier.client_history(SYSTEM_ACTOR, client)
    ClientErasure(store, practice.clock).erase(practice.owner(anna), client)
    history = notifier.client_history(SYSTEM_ACTOR, client)
    assert [(e.at, e.kind, e.channel, e.key) for e in history] == [
        (e.at, e.kind, e.channel, e.key) for e in history_before
    ]
    assert {(e.address, e.text) for e in history} == {(ERASED_TEXT, ERASED_TEXT)}
    with store.unit_of_work(write=False) as uow:
        appointment_ids = [a.id for a in uow.appointments.of_client(client)]
        outbox = uow.notification_log.for_appointments(appointment_ids)
    entries = [e for i in appointment_ids for e in notifier.appointment_history(SYSTEM_ACTOR, i)]
    assert entries
    assert {e.address for e in entries} == {ERASED_TEXT}
    assert sorted((m.kind, m.channel, m.state) for m in outbox) == [
        (MessageKind.CONFIRMATION, Channel.EMAIL, DeliveryState.FAILED),
        (MessageKind.CONFIRMATION, Channel.EMAIL, DeliveryState.SENT),
        (MessageKind.MANUAL, Channel.SMS, DeliveryState.SENT),
    ]
    assert {(m.address, m.text, m.attachments) for m in outbox} == {(ERASED_TEXT, ERASED_TEXT, ())}
    # The waiting message is stopped, not sent to "[erased]".
    (stopped,) = [m for m in outbox if m.state is DeliveryState.FAILED]
    assert stopped.failure == STOPPED_BY_ERASURE
    assert notifier.dispatch() == []


def test_b5_d14_no_message_value_left_in_the_sqlite_file(tmp_path: Path) -> None:
    """The client's name, e-mail, mobile number and a message text are in the outbox and
    the histories before; after erasure and checkpoint, not in the file nor the WAL."""
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    client, anna = _a_client_with_history(practice)
    _messages_to(practice, client, anna)
    raw = _file_bytes(path, store)
    assert SECRET.encode() in raw
    assert MOBILE.encode() in raw
    ClientErasure(store, practice.clock).erase(practice.owner(anna), client)
    raw = _file_bytes(path, store)
    for value in (NAME, FIRST, EMAIL, MOBILE, SECRET):
        assert value.encode() not in raw, value
        assert value.encode("utf-16-le") not in raw, value
    store.close()


def _file_bytes(path: Path, store: SqliteStore) -> bytes:
    store.checkpoint()
    wal = Path(f"{path}-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_b5_sqlite_redaction_trigger_allows_nothing_but_redaction(tmp_path: Path) -> None:
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    client = practice.add_client(NAME, email=EMAIL)
    practice.clients.change_contact(practice.front_desk(), client, email="x@example.org")
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(
                "UPDATE audit_log SET before = '{\"email\": \"[erased]\"}', actor_id = 'x'"
                " WHERE action = 'client.contact_changed'"
            )
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute(
                'UPDATE audit_log SET before = \'{"email": "other@example.org"}\''
                " WHERE action = 'client.contact_changed'"
            )
    finally:
        conn.close()
    with store.unit_of_work() as uow:
        # B5: only an erasure blanks audit values: the record is erased in the same step.
        uow.clients.update(attrs.evolve(uow.clients.get(client), erased=True))
        assert uow.audit.redact_for_client(client) == 2
        uow.commit()
    store.close()


def _audit(store: Store, client_id: str):  # type: ignore[no-untyped-def]
    with store.unit_of_work(write=False) as uow:
        appointment_ids = [a.id for a in uow.appointments.of_client(client_id)]
        entries = {e.id: e for e in uow.audit.query(client_id=client_id)}
        for appointment_id in appointment_ids:
            entries.update({e.id: e for e in uow.audit.query(appointment_id=appointment_id)})
        return sorted(entries.values(), key=lambda e: e.at)
