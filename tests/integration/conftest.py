"""End-to-end fixtures: the practice in SQLite and every provider as a loopback fake.

The fakes carry credentials that must never be printed; tests assert that they are not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lemnicore_notify.testing import (
    FakeSevenGateway,
    FakeThreemaGateway,
    FakeTwilioApi,
    SmtpSink,
)

from .praxis import Praxis, open_praxis

SMTP_PASSWORD = "smtp-Geheim-4711"
SEVEN_KEY = "seven-Geheim-0815"
TWILIO_TOKEN = "twilio-Geheim-1234"
THREEMA_SECRET = "threema-Geheim-9999"
SECRETS = (SMTP_PASSWORD, SEVEN_KEY, TWILIO_TOKEN, THREEMA_SECRET)


@pytest.fixture
def praxis(tmp_path: Path) -> Iterator[Praxis]:
    opened = open_praxis(tmp_path / "praxis.db")
    yield opened
    opened.close()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink(username="praxis", password=SMTP_PASSWORD) as server:
        yield server


@pytest.fixture
def seven() -> Iterator[FakeSevenGateway]:
    with FakeSevenGateway(api_key=SEVEN_KEY) as gateway:
        yield gateway


@pytest.fixture
def twilio() -> Iterator[FakeTwilioApi]:
    with FakeTwilioApi(auth_token=TWILIO_TOKEN) as api:
        yield api


@pytest.fixture
def threema() -> Iterator[FakeThreemaGateway]:
    with FakeThreemaGateway(secret=THREEMA_SECRET, identities={"LINA2026", "PAULKRA1"}) as gateway:
        yield gateway


@pytest.fixture
def smtp_url(sink: SmtpSink) -> str:
    return sink.transport_url("praxis@praxis-am-park.de", from_name="Praxis%20am%20Park")
