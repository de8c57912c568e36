"""D12/D15: Threema Gateway basic mode, against the loopback fake gateway."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import pytest
from notify_helpers import MessageFactory, send_with_retries

from lemnicore.notifications.transport import (
    ChannelPausedError,
    PermanentTransportError,
    TransientTransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import ThreemaTransport
from lemnicore_notify.testing import FakeThreemaGateway


@pytest.fixture
def transport(threema: FakeThreemaGateway) -> Iterator[ThreemaTransport]:
    channel = ThreemaTransport(threema.transport_url())
    yield channel
    channel.close()


def test_d12_a_message_to_a_threema_id_arrives_with_the_secret_only_in_the_body(
    threema: FakeThreemaGateway, transport: ThreemaTransport, reminder: MessageFactory
) -> None:
    text = "„Erinnerung“: Ihr Termin morgen 10:00 🙂"
    delivery = transport.send(reminder(Channel.THREEMA, "echoecho", text=text))
    (received,) = threema.received
    assert received.to == "ECHOECHO"
    assert received.text == text, "Threema carries Unicode: the text is sent as written"
    assert delivery.provider_message_id == received.message_id
    (request,) = threema.requests
    assert request.path == "/send_simple"
    assert request.query == ""
    assert request.form["secret"] == threema.secret
    assert request.form["to"] == "ECHOECHO"


def test_d12_a_phone_number_goes_as_e164_without_plus(
    threema: FakeThreemaGateway, transport: ThreemaTransport, reminder: MessageFactory
) -> None:
    transport.send(reminder(Channel.THREEMA, "0170 12345678"))
    assert threema.requests[0].form["phone"] == "4917012345678"
    assert threema.received[0].to == "ECHOECHO"


def test_d15_a_phone_without_threema_is_permanent_404(
    threema: FakeThreemaGateway, transport: ThreemaTransport, reminder: MessageFactory
) -> None:
    with pytest.raises(PermanentTransportError, match="no Threema ID") as caught:
        send_with_retries(transport, reminder(Channel.THREEMA, "0170 1234567"))
    assert caught.value.code == "404"
    assert len(threema.requests) == 1


@pytest.mark.parametrize(("status", "words"), [(400, "invalid recipient"), (413, "too long")])
def test_d15_documented_refusals_are_permanent(
    threema: FakeThreemaGateway,
    transport: ThreemaTransport,
    reminder: MessageFactory,
    status: int,
    words: str,
) -> None:
    threema.reject_next(status)
    with pytest.raises(PermanentTransportError, match=words) as caught:
        transport.send(reminder(Channel.THREEMA, "ECHOECHO"))
    assert caught.value.code == str(status)


def test_d15_no_credits_pauses_the_channel(
    threema: FakeThreemaGateway, transport: ThreemaTransport, reminder: MessageFactory
) -> None:
    threema.credits = 0
    with pytest.raises(ChannelPausedError) as caught:
        transport.send(reminder(Channel.THREEMA, "ECHOECHO"))
    assert caught.value.code == "402"
    assert threema.received == []


def test_d15_500_twice_then_200_is_delivered_once(
    threema: FakeThreemaGateway, transport: ThreemaTransport, reminder: MessageFactory
) -> None:
    threema.reject_next(500, times=2)
    delivery, failures = send_with_retries(transport, reminder(Channel.THREEMA, "ECHOECHO"))
    assert [type(f) for f in failures] == [TransientTransportError] * 2
    assert len(threema.received) == 1
    assert delivery.provider_message_id == threema.received[0].message_id


def test_d15_too_long_is_permanent_before_sending(
    threema: FakeThreemaGateway, transport: ThreemaTransport, reminder: MessageFactory
) -> None:
    with pytest.raises(PermanentTransportError, match="too long") as caught:
        transport.send(reminder(Channel.THREEMA, "ECHOECHO", text="ä" * 1751))
    assert caught.value.code == "413"
    assert threema.requests == []


def test_d15_the_fake_enforces_3500_bytes_too(threema: FakeThreemaGateway) -> None:
    import httpx

    with httpx.Client(base_url=threema.base_url) as client:
        form = {"from": threema.identity, "to": "ECHOECHO", "text": "ä" * 1751}
        answer = client.post("/send_simple", data={**form, "secret": threema.secret})
    assert answer.status_code == 413


def test_d15_a_wrong_secret_is_refused_by_the_fake(
    threema: FakeThreemaGateway, reminder: MessageFactory
) -> None:
    url = threema.transport_url().replace(threema.secret, "wrong-secret")
    with closing(ThreemaTransport(url)) as channel, pytest.raises(ChannelPausedError) as caught:
        channel.send(reminder(Channel.THREEMA, "ECHOECHO"))
    assert caught.value.code == "401"
