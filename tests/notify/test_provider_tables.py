"""D15: every provider answer in the documentation, one row each — transient (retry with
backoff), permanent (record as failed) or pause (the account cannot send: pause the
channel, keep the message). The expectations are written out here from the providers'
documentation, not read from the transports' own tables, so a wrong row fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest
from notify_helpers import MessageFactory

from lemnicore.notifications.transport import (
    ChannelPausedError,
    Delivery,
    PermanentTransportError,
    TransientTransportError,
    TransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import SevenSmsTransport, ThreemaTransport, TwilioSmsTransport
from lemnicore_notify.testing import (
    FakeAnswer,
    FakeSevenGateway,
    FakeThreemaGateway,
    FakeTwilioApi,
)

SENT = "sent"
TRANSIENT = TransientTransportError
PERMANENT = PermanentTransportError
PAUSE = ChannelPausedError

# seven.io: the ``success`` code in an HTTP 200 answer (docs.seven.io, SMS return codes).
SEVEN_ROWS: list[tuple[str, object]] = [
    ("11", TRANSIENT),  # SMS carrier temporarily not available
    ("101", PERMANENT),  # sending to at least one recipient failed
    ("201", PERMANENT),  # invalid sender / country code
    ("202", PERMANENT),  # invalid recipient
    ("300", PAUSE),  # no authentication given
    ("301", PERMANENT),  # "to" missing
    ("304", PERMANENT),  # message type missing
    ("305", PERMANENT),  # text missing
    ("306", PAUSE),  # invalid sender: every message would fail alike
    ("401", PERMANENT),  # text too long
    ("402", SENT),  # reload lock: the identical SMS went out within 180 s
    ("403", TRANSIENT),  # daily limit for this number: try again later
    ("500", PAUSE),  # not enough credit
    ("600", TRANSIENT),  # carrier delivery failed
    ("700", TRANSIENT),  # unknown error at seven
    ("900", PAUSE),  # authentication failed
    ("901", PAUSE),  # signature verification failed
    ("902", PAUSE),  # API key has no access to this endpoint
    ("903", PAUSE),  # server IP not allowed
]

TWILIO_ROWS: list[tuple[int, int, object]] = [
    (20003, 401, PAUSE),  # Authenticate
    (20005, 401, PAUSE),  # account not active
    (20429, 429, TRANSIENT),  # too many requests
    (21611, 400, TRANSIENT),  # From number's queue is full: retry later
    (21211, 400, PERMANENT),  # invalid To
    (21408, 400, PERMANENT),  # region not enabled
    (21610, 400, PERMANENT),  # unsubscribed recipient
    (21614, 400, PERMANENT),  # not a mobile number
    (21617, 400, PERMANENT),  # body over 1600 characters
    (20500, 500, TRANSIENT),  # internal server error
    (20503, 503, TRANSIENT),  # service unavailable
]

THREEMA_ROWS: list[tuple[int, object]] = [
    (400, PERMANENT),  # invalid recipient / identity not set up for basic mode
    (401, PAUSE),  # wrong identity or secret
    (402, PAUSE),  # no credits
    (404, PERMANENT),  # phone / e-mail without Threema ID
    (413, PERMANENT),  # message too long
    (429, TRANSIENT),  # too many requests
    (500, TRANSIENT),  # temporary error
    (503, TRANSIENT),  # a proxy in front of it
]


@pytest.fixture
def seven_sms(seven: FakeSevenGateway) -> Iterator[SevenSmsTransport]:
    with closing(SevenSmsTransport(seven.transport_url())) as sms:
        yield sms


@pytest.fixture
def twilio_sms(twilio: FakeTwilioApi) -> Iterator[TwilioSmsTransport]:
    with closing(TwilioSmsTransport(twilio.transport_url())) as sms:
        yield sms


def _outcome(send: object) -> object:
    assert callable(send)
    try:
        result = send()
    except TransportError as exc:
        return type(exc)
    assert isinstance(result, Delivery)
    return SENT


@pytest.mark.parametrize(("code", "expected"), SEVEN_ROWS)
def test_d15_seven_codes(
    seven: FakeSevenGateway,
    seven_sms: SevenSmsTransport,
    reminder: MessageFactory,
    code: str,
    expected: object,
) -> None:
    seven.reject_next(code)
    assert _outcome(lambda: seven_sms.send(reminder())) is expected
    assert seven.received == []
    assert len(seven.requests) == 1


@pytest.mark.parametrize(("code", "expected"), SEVEN_ROWS)
def test_d15_seven_codes_of_the_legacy_plain_text_answer(
    seven: FakeSevenGateway,
    seven_sms: SevenSmsTransport,
    reminder: MessageFactory,
    code: str,
    expected: object,
) -> None:
    seven.script(FakeAnswer.text(200, code))
    assert _outcome(lambda: seven_sms.send(reminder())) is expected


def test_d15_seven_http_200_with_an_html_page_is_transient_with_a_short_reason(
    seven: FakeSevenGateway, seven_sms: SevenSmsTransport, reminder: MessageFactory
) -> None:
    page = "<!DOCTYPE html><html><body><h1>Wartungsarbeiten</h1>" + "x" * 5000 + "</body></html>"
    seven.script(FakeAnswer(200, page.encode(), "text/html; charset=utf-8"))
    with pytest.raises(TransientTransportError) as caught:
        seven_sms.send(reminder())
    assert "HTML page" in caught.value.reason
    assert "Wartungsarbeiten" not in str(caught.value)
    assert len(str(caught.value)) < 200
    assert caught.value.code == "unreadable"


@pytest.mark.parametrize(
    ("status", "expected"), [(401, PAUSE), (403, PAUSE), (429, TRANSIENT), (502, TRANSIENT)]
)
def test_d15_seven_http_statuses(
    seven: FakeSevenGateway,
    seven_sms: SevenSmsTransport,
    reminder: MessageFactory,
    status: int,
    expected: object,
) -> None:
    seven.fail_next(status)
    assert _outcome(lambda: seven_sms.send(reminder())) is expected


@pytest.mark.parametrize(("code", "status", "expected"), TWILIO_ROWS)
def test_d15_twilio_codes(
    twilio: FakeTwilioApi,
    twilio_sms: TwilioSmsTransport,
    reminder: MessageFactory,
    code: int,
    status: int,
    expected: object,
) -> None:
    twilio.script(
        FakeAnswer.json(status, {"code": code, "message": f"error {code}", "status": status})
    )
    with pytest.raises(TransportError) as caught:
        twilio_sms.send(reminder())
    assert type(caught.value) is expected
    assert caught.value.code == str(code)
    assert twilio.received == []


def test_d15_twilio_an_html_page_instead_of_json_is_transient_with_a_short_reason(
    twilio: FakeTwilioApi, twilio_sms: TwilioSmsTransport, reminder: MessageFactory
) -> None:
    twilio.script(
        FakeAnswer(502, b"<html><body>Bad Gateway" + b" " * 4000 + b"</body></html>", "text/html")
    )
    with pytest.raises(TransientTransportError, match="HTML page") as caught:
        twilio_sms.send(reminder())
    assert "Bad Gateway" not in str(caught.value)


@pytest.mark.parametrize(("status", "expected"), THREEMA_ROWS)
def test_d15_threema_statuses(
    threema: FakeThreemaGateway, reminder: MessageFactory, status: int, expected: object
) -> None:
    threema.reject_next(status)
    with (
        closing(ThreemaTransport(threema.transport_url())) as channel,
        pytest.raises(TransportError) as caught,
    ):
        channel.send(reminder(Channel.THREEMA, "ECHOECHO"))
    assert type(caught.value) is expected
    assert caught.value.code == str(status)
