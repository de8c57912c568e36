"""D15, F4: how the service settles a message left ``sending`` by a crash, whatever the
transport's ``check_handover`` answers — including a provider that cannot be reached and
a lookup that fails in an unexpected way."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService, RetryPolicy
from lemnicore.notifications.transport import (
    Delivery,
    HandOver,
    HandOverCheck,
    OutgoingMessage,
    TransientTransportError,
)
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport, SimulatedCrash

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


class AskableTransport(CapturingTransport):
    """A capturing transport whose provider answers ``check_handover`` as scripted."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: deque[HandOverCheck | BaseException] = deque()
        self.asked: list[tuple[str, datetime]] = []

    def check_handover(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        self.asked.append((message.idempotency_key, since))
        answer = self.answers.popleft()
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture
def crashed(tmp_path: Path) -> Iterator[tuple[Practice, AskableTransport, NotificationService]]:
    """A reminder handed over, then the dispatcher died before recording it."""
    practice = Practice(SqliteStore(tmp_path / "praxis.db"), now=START)
    room, anna = practice.add_room("Raum 1"), practice.add_practitioner("Anna Berg")
    client = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    practice.appointment(anna, room, practice.at(2026, 5, 20, 9), client_id=client)
    practice.clock.advance(hours=2)
    transport = AskableTransport()
    transport.crash_after = lambda m: True
    service = NotificationService(
        practice.store,
        practice.clock,
        [transport],
        NotificationPolicy(quiet_hours=None),
        retry=RetryPolicy(keep_asking=timedelta(hours=2)),
    )
    with pytest.raises(SimulatedCrash):
        service.run()
    transport.crash_after = None
    practice.clock.advance(minutes=15)
    yield practice, transport, service
    practice.store.close()


def _rows(practice: Practice) -> list[tuple[DeliveryState, str]]:
    with practice.store.unit_of_work(write=False) as uow:
        return [
            (m.state, m.failure) for s in DeliveryState for m in uow.notification_log.in_state(s)
        ]


def test_d15_a_provider_that_has_it_settles_the_row_as_sent_without_a_second_attempt(
    crashed: tuple[Practice, AskableTransport, NotificationService],
) -> None:
    practice, transport, service = crashed
    transport.answers.append(
        HandOverCheck(HandOver.DONE, Delivery("capture", "capture-1"), detail="listed")
    )
    (outcome,) = service.dispatch()
    assert outcome.state is DeliveryState.SENT
    assert len(transport.attempts) == 1
    assert transport.asked[0][1] == START + timedelta(hours=2)  # when the attempt began
    assert _rows(practice) == [(DeliveryState.SENT, "")]


def test_d15_an_unreachable_provider_is_asked_again_until_keep_asking_then_staff_decide(
    crashed: tuple[Practice, AskableTransport, NotificationService],
) -> None:
    practice, transport, service = crashed
    transport.answers.extend([TransientTransportError("HTTP 503")] * 3)
    assert service.dispatch()[0].detail.startswith("waits: could not ask the provider")
    practice.clock.advance(hours=1)
    assert service.dispatch()[0].detail.startswith("waits:")
    assert _rows(practice)[0][0] is DeliveryState.SENDING
    practice.clock.advance(hours=1, minutes=1)  # past stale_after + keep_asking
    (outcome,) = service.dispatch()
    assert outcome.state is DeliveryState.WORK_LIST
    assert outcome.detail.startswith("delivery unknown: interrupted after handing over;")
    assert "HTTP 503" in outcome.detail
    assert len(transport.attempts) == 1, "never sent blindly again"
    assert [m.state for m in service.work_list(SYSTEM_ACTOR, practice.organisation.id)] == [
        DeliveryState.WORK_LIST
    ]


def test_f4_a_lookup_failing_unexpectedly_puts_the_message_on_the_work_list(
    crashed: tuple[Practice, AskableTransport, NotificationService],
) -> None:
    practice, transport, service = crashed
    transport.answers.append(RuntimeError("plugin bug"))
    (outcome,) = service.dispatch()
    assert outcome.state is DeliveryState.WORK_LIST
    assert "the lookup failed: plugin bug" in outcome.detail
    assert len(transport.attempts) == 1
    assert _rows(practice) == [(DeliveryState.WORK_LIST, outcome.detail)]
