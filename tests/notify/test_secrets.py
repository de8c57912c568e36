"""D12: secrets from transport URLs never show — not in exceptions, reprs, logs or the CLI.

Each case builds a transport with a recognisable secret, makes it fail in the ways a
provider can fail, and searches everything a developer or an operator would see.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest
from notify_helpers import MessageFactory

from lemnicore.notifications.transport import OutgoingMessage, Transport, TransportError
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import (
    SevenSmsTransport,
    SmtpTransport,
    ThreemaTransport,
    TwilioSmsTransport,
)
from lemnicore_notify.testing import (
    FakeSevenGateway,
    FakeThreemaGateway,
    FakeTwilioApi,
    SmtpSink,
)

SECRET = "Zz9SECRETzZ9"


@pytest.fixture(autouse=True)
def _everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.DEBUG):
        yield


def _exposed(error: BaseException, transport: Transport, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        [
            str(error),
            repr(error),
            "".join(traceback.format_exception(error)),
            repr(transport),
            str(transport),
            caplog.text,
        ]
    )


def _fail_http(fake: Any) -> None:
    fake.fail_next(503)


def _fail_auth_seven(fake: FakeSevenGateway) -> None:
    fake.reject_next("900")


def _fail_credit_threema(fake: FakeThreemaGateway) -> None:
    fake.credits = 0


def _fail_auth_twilio(fake: FakeTwilioApi) -> None:
    fake.reject_next(20003)


@pytest.mark.parametrize(
    ("fake_type", "transport_type", "secret_attribute", "channel", "address", "break_it"),
    [
        (FakeSevenGateway, SevenSmsTransport, "api_key", Channel.SMS, "0170 1234567", _fail_http),
        (
            FakeSevenGateway,
            SevenSmsTransport,
            "api_key",
            Channel.SMS,
            "0170 1234567",
            _fail_auth_seven,
        ),
        (FakeTwilioApi, TwilioSmsTransport, "auth_token", Channel.SMS, "0170 1234567", _fail_http),
        (
            FakeTwilioApi,
            TwilioSmsTransport,
            "auth_token",
            Channel.SMS,
            "0170 1234567",
            _fail_auth_twilio,
        ),
        (FakeThreemaGateway, ThreemaTransport, "secret", Channel.THREEMA, "ECHOECHO", _fail_http),
        (
            FakeThreemaGateway,
            ThreemaTransport,
            "secret",
            Channel.THREEMA,
            "ECHOECHO",
            _fail_credit_threema,
        ),
    ],
)
def test_d12_http_transport_failures_never_show_the_secret(
    caplog: pytest.LogCaptureFixture,
    reminder: MessageFactory,
    fake_type: type[Any],
    transport_type: type[Any],
    secret_attribute: str,
    channel: Channel,
    address: str,
    break_it: Callable[[Any], None],
) -> None:
    with fake_type(**{secret_attribute: SECRET}) as fake:
        break_it(fake)
        with closing(transport_type(fake.transport_url())) as transport:
            with pytest.raises(TransportError) as caught:
                transport.send(reminder(channel, address))
            exposed = _exposed(caught.value, transport, caplog)
    assert SECRET not in exposed
    assert "***" in repr(transport)
    assert "failed" in caplog.text


def test_d12_an_unreachable_gateway_never_shows_the_secret(
    caplog: pytest.LogCaptureFixture, reminder: MessageFactory
) -> None:
    with FakeThreemaGateway(secret=SECRET) as gone:
        url = gone.transport_url()
    with closing(ThreemaTransport(url)) as transport:
        with pytest.raises(TransportError) as caught:
            transport.send(reminder(Channel.THREEMA, "ECHOECHO"))
        assert SECRET not in _exposed(caught.value, transport, caplog)


def test_d12_smtp_login_failure_never_shows_the_password(
    caplog: pytest.LogCaptureFixture, reminder: MessageFactory
) -> None:
    with SmtpSink(username="praxis", password="richtig") as sink:
        url = sink.transport_url().replace(":richtig@", f":{SECRET}@")
        with closing(SmtpTransport(url)) as transport:
            with pytest.raises(TransportError) as caught:
                transport.send(reminder(Channel.EMAIL, "anna@example.org"))
            exposed = _exposed(caught.value, transport, caplog)
    assert SECRET not in exposed
    assert "login refused" in exposed


def test_d12_successful_sends_log_no_secret_and_no_message_content(
    caplog: pytest.LogCaptureFixture, reminder: MessageFactory
) -> None:
    message: OutgoingMessage = reminder()
    with (
        FakeSevenGateway(api_key=SECRET) as seven,
        closing(SevenSmsTransport(seven.transport_url())) as transport,
    ):
        transport.send(message)
    assert "sent via sms+seven://***@gateway.seven.io" in caplog.text
    assert SECRET not in caplog.text
    assert message.text not in caplog.text
    assert "1234567" not in caplog.text, "the recipient's number stays out of the log"
