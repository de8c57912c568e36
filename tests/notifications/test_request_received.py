"""C5 × D14: the online booking page's "request received" e-mail is in the appointment's
message history (the requester has no client record); it does not count as the
confirmation (D1, D10), which follows once staff book the request."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.ports import last_notified_at
from lemnicore.notifications.service import NotificationService
from lemnicore.notifications.transport import PermanentTransportError
from lemnicore.online.service import OnlineBooking
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import MON_FRI, Practice
from lemnicore.testing.transports import CapturingTransport

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


@pytest.fixture(params=["memory", "sqlite"])
def practice(request: pytest.FixtureRequest, tmp_path: Path) -> Practice:
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "p.db")
    return Practice(store, now=START)


def test_c5_d14_request_received_is_in_the_appointment_history_and_confirmation_follows(
    practice: Practice,
) -> None:
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    mail = CapturingTransport()
    online = OnlineBooking(practice.store, practice.clock, transport=mail)
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    receipt = online.request(
        token, practice.at(2026, 5, 12, 10), last_name="Meier", email="petra@example.org"
    )
    assert receipt.receipt_sent
    notifier = NotificationService(
        practice.store, practice.clock, [mail], NotificationPolicy(quiet_hours=None)
    )
    (entry,) = notifier.appointment_history(SYSTEM_ACTOR, receipt.appointment_id)
    assert (entry.kind, entry.channel, entry.address, entry.at) == (
        MessageKind.REQUEST_RECEIVED,
        Channel.EMAIL,
        "petra@example.org",
        START,
    )
    assert last_notified_at([entry]) == START
    # D1: a proposed appointment gets nothing else ...
    practice.clock.advance(hours=2)
    assert notifier.run().enqueued == []
    # ... and once staff booked it, the confirmation follows (D10): the receipt was not one.
    petra = practice.add_client("Meier", "Petra", email="petra@example.org", consent=True)
    online.confirm(practice.front_desk(), receipt.appointment_id, client_id=petra)
    practice.clock.advance(hours=2)  # D4: an hour after the record was made
    (confirmation,) = notifier.run().enqueued
    assert confirmation.kind is MessageKind.CONFIRMATION
    kinds = [e.kind for e in notifier.appointment_history(SYSTEM_ACTOR, receipt.appointment_id)]
    assert kinds == [MessageKind.REQUEST_RECEIVED, MessageKind.CONFIRMATION]


def test_c5_d14_a_receipt_that_failed_is_not_in_the_history(practice: Practice) -> None:
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    mail = CapturingTransport()
    mail.fail_next(PermanentTransportError("mailbox unavailable", provider="test"))
    online = OnlineBooking(practice.store, practice.clock, transport=mail)
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    receipt = online.request(
        token, practice.at(2026, 5, 12, 10), last_name="Meier", email="petra@example.org"
    )
    assert not receipt.receipt_sent
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.message_history.of_appointment(receipt.appointment_id) == []
