"""D12/D15: SMS through Twilio, against the loopback fake API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest
from notify_helpers import MessageFactory, send_with_retries

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    ChannelPausedError,
    PermanentTransportError,
    TransientTransportError,
)
from lemnicore_notify import TwilioSmsTransport
from lemnicore_notify.testing import FakeTwilioApi


@pytest.fixture
def transport(twilio: FakeTwilioApi) -> Iterator[TwilioSmsTransport]:
    sms = TwilioSmsTransport(twilio.transport_url())
    yield sms
    sms.close()


def test_d12_a_reminder_arrives_in_e164_with_basic_auth(
    twilio: FakeTwilioApi, transport: TwilioSmsTransport, reminder: MessageFactory
) -> None:
    delivery = transport.send(reminder(address="+49 (0)170 123 4567", text="Termin – morgen"))
    (received,) = twilio.received
    assert received.to == "+491701234567"
    assert received.sender == "+4930123456"
    assert received.text == "Termin - morgen"
    assert delivery.provider_message_id == received.message_id
    assert delivery.provider_message_id.startswith("SM")
    assert "queued" in delivery.detail
    assert twilio.requests[0].headers["authorization"].startswith("Basic ")


def test_d12_a_messaging_service_sid_is_sent_as_such(
    twilio: FakeTwilioApi, reminder: MessageFactory
) -> None:
    service = "MG" + "f" * 32
    with closing(TwilioSmsTransport(twilio.transport_url(sender=service))) as sms:
        sms.send(reminder())
    assert twilio.requests[0].form["MessagingServiceSid"] == service
    assert "From" not in twilio.requests[0].form


def test_d15_500_twice_then_201_is_delivered_once(
    twilio: FakeTwilioApi, transport: TwilioSmsTransport, reminder: MessageFactory
) -> None:
    twilio.fail_next(500, times=2)
    delivery, failures = send_with_retries(transport, reminder())
    assert len(failures) == 2
    assert len(twilio.received) == 1
    assert delivery.provider_message_id == twilio.received[0].message_id


def test_d15_too_many_requests_is_transient_with_retry_after(
    twilio: FakeTwilioApi, transport: TwilioSmsTransport, reminder: MessageFactory
) -> None:
    twilio.fail_next(429, retry_after=3)
    with pytest.raises(TransientTransportError) as caught:
        transport.send(reminder())
    assert caught.value.code == "20429"
    assert caught.value.retry_after == 3.0


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (21211, "not a valid phone number"),
        (21610, "unsubscribed"),
        (21408, "Permission to send"),
    ],
)
def test_d15_documented_errors_are_permanent_with_code_and_message(
    twilio: FakeTwilioApi,
    transport: TwilioSmsTransport,
    reminder: MessageFactory,
    code: int,
    words: str,
) -> None:
    twilio.reject_next(code)
    with pytest.raises(PermanentTransportError, match=words) as caught:
        send_with_retries(transport, reminder())
    assert caught.value.code == str(code)
    assert len(twilio.requests) == 1


def test_d15_a_wrong_token_is_refused_by_the_fake(
    twilio: FakeTwilioApi, reminder: MessageFactory
) -> None:
    url = twilio.transport_url().replace(twilio.auth_token, "wrong-token")
    with closing(TwilioSmsTransport(url)) as sms, pytest.raises(ChannelPausedError) as caught:
        sms.send(reminder())
    assert caught.value.code == "20003"
    assert "wrong-token" not in str(caught.value)


def test_d15_text_over_1600_characters_is_refused_before_sending(
    twilio: FakeTwilioApi, transport: TwilioSmsTransport, reminder: MessageFactory
) -> None:
    with pytest.raises(PermanentTransportError, match="too long"):
        transport.send(reminder(text="x" * 1601))
    assert twilio.requests == []


def test_d12_the_url_must_name_an_account_sid_and_token() -> None:
    with pytest.raises(ValidationError, match="ACCOUNT_SID:AUTH_TOKEN") as caught:
        TwilioSmsTransport("sms+twilio://nosid:geheim@api.twilio.com?from=%2B4930123456")
    assert "geheim" not in str(caught.value)
