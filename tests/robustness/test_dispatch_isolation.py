"""F4: a transport that fails in an unexpected way fails that message, never the whole run
or the messages behind it (no poison message)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs
import pytest

from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService
from lemnicore.notifications.transport import Delivery, OutgoingMessage
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice
from lemnicore.testing.transports import AUTOMATIC, CapturingTransport

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
POISON = "poison@example.org"


class BrokenForOneAddress(CapturingTransport):
    """A transport with a bug: it raises RuntimeError (not a TransportError) for one address."""

    def send(self, message: OutgoingMessage) -> Delivery:
        if message.address == POISON:
            self.attempts.append(message)
            raise RuntimeError("provider SDK: 'NoneType' object is not subscriptable")
        return super().send(message)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
    else:
        s = SqliteStore(tmp_path / "notify.db")
        yield s
        s.close()


def practice_with_three_clients(store: Store) -> tuple[Practice, list[str]]:
    p = Practice(store, now=START)
    room = p.add_room("Raum 1")
    anna = p.add_practitioner("Anna Berg")
    addresses = ["eva@example.org", POISON, "bob@example.org"]
    for n, address in enumerate(addresses):
        client = p.add_client(f"Name{n}", email=address, consent=True)
        p.appointment(anna, room, p.at(2026, 5, 12 + n, 9), client_id=client)
    p.clock.advance(hours=2)  # D4's hour after registration has passed
    return p, addresses


def notifier(p: Practice, transport: CapturingTransport) -> NotificationService:
    return NotificationService(
        p.store, p.clock, [transport], NotificationPolicy(quiet_hours=None), rng=random.Random(1)
    )


def test_f4_a_transport_raising_runtime_error_fails_that_message_and_the_others_go_out(
    store: Store,
) -> None:
    p, _ = practice_with_three_clients(store)
    transport = BrokenForOneAddress(AUTOMATIC)

    report = notifier(p, transport).run()

    by_address = {o.address: o for o in report.dispatched}
    assert by_address[POISON].state is DeliveryState.FAILED
    assert "RuntimeError" in by_address[POISON].detail
    assert "not subscriptable" in by_address[POISON].detail
    assert sorted(m.address for m in transport.delivered) == ["bob@example.org", "eva@example.org"]
    with store.unit_of_work(write=False) as uow:
        assert uow.notification_log.in_state(DeliveryState.SENDING) == []

    # The next hourly run does not stumble over it again.
    p.clock.advance(hours=1)
    assert notifier(p, transport).run().dispatched == []
    assert len([m for m in transport.attempts if m.address == POISON]) == 1


def test_f4_a_row_left_in_sending_by_an_earlier_crash_is_recovered_and_the_rest_is_sent(
    store: Store,
) -> None:
    p, _ = practice_with_three_clients(store)
    service = notifier(p, CapturingTransport(AUTOMATIC))
    _, enqueued = service.enqueue()
    stuck = next(m for m in enqueued if m.address == POISON)
    with store.unit_of_work() as uow:  # what the old dispatcher left after the RuntimeError
        uow.notification_log.update(
            attrs.evolve(stuck, state=DeliveryState.SENDING, attempts=1, attempt_started_at=START)
        )
        uow.commit()
    p.clock.advance(hours=1)
    transport = BrokenForOneAddress(AUTOMATIC)

    outcomes = notifier(p, transport).dispatch()

    final = {o.address: o.state for o in outcomes if o.state is not DeliveryState.PENDING}
    assert final == {
        POISON: DeliveryState.FAILED,
        "eva@example.org": DeliveryState.SENT,
        "bob@example.org": DeliveryState.SENT,
    }
    with store.unit_of_work(write=False) as uow:
        assert uow.notification_log.in_state(DeliveryState.SENDING) == []
