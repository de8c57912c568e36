"""Fixtures for the transport tests: the public loopback fakes of lemnicore_notify.testing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from notify_helpers import MessageFactory

from lemnicore.notifications.transport import OutgoingMessage
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.testing import (
    FakeSevenGateway,
    FakeThreemaGateway,
    FakeTwilioApi,
    SmtpSink,
)


@pytest.fixture
def seven() -> Iterator[FakeSevenGateway]:
    with FakeSevenGateway() as gateway:
        yield gateway


@pytest.fixture
def twilio() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi() as api:
        yield api


@pytest.fixture
def threema() -> Iterator[FakeThreemaGateway]:
    with FakeThreemaGateway(
        phones={"4917012345678": "ECHOECHO"},
        emails={"anna@example.org": "ANNA1234"},
        identities={"LINA2026"},
    ) as gateway:
        yield gateway


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink(
        refuse_domains=frozenset({"nowhere.example"}), defer_domains=frozenset({"busy.example"})
    ) as sink:
        yield sink


@pytest.fixture
def reminder() -> MessageFactory:
    """A reminder as the dispatcher would hand it over (D12, D13)."""

    def make(
        channel: Channel = Channel.SMS, address: str = "0170 1234567", **changes: object
    ) -> OutgoingMessage:
        values: dict[str, object] = {
            "idempotency_key": "reminder:appt-1:2026-05-04T10:00",
            "channel": channel,
            "address": address,
            "text": "Erinnerung: Ihr Termin am 05.05. um 10:00 Uhr in der Praxis am Markt.",
            "subject": "Erinnerung an Ihren Termin",
            "client_id": "client-1",
            "appointment_ids": ("appt-1",),
            "kind": "reminder",
        }
        values.update(changes)
        return OutgoingMessage(**values)  # type: ignore[arg-type]

    return make
