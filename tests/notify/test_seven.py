"""D12/D13/D15: SMS through seven.io, against the loopback fake gateway."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest
from notify_helpers import MessageFactory, send_with_retries

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    ChannelPausedError,
    PermanentTransportError,
    TransientTransportError,
)
from lemnicore_notify import SevenSmsTransport, seven_foreign_id
from lemnicore_notify.testing import FakeSevenGateway


@pytest.fixture
def transport(seven: FakeSevenGateway) -> Iterator[SevenSmsTransport]:
    sms = SevenSmsTransport(seven.transport_url())
    yield sms
    sms.close()


def test_d12_a_reminder_arrives_normalised_in_e164_with_the_key_as_foreign_id(
    seven: FakeSevenGateway, transport: SevenSmsTransport, reminder: MessageFactory
) -> None:
    delivery = transport.send(reminder(text="„Erinnerung“ – Termin morgen 10:00\u202fUhr…"))

    (received,) = seven.received
    assert received.to == "491701234567"
    assert received.text == '"Erinnerung" - Termin morgen 10:00 Uhr...'
    assert received.encoding == "gsm"
    assert received.sender == "Praxis"
    assert received.foreign_id == seven_foreign_id("reminder:appt-1:2026-05-04T10:00")
    assert delivery.provider == "seven.io"
    assert delivery.provider_message_id == received.message_id
    (request,) = seven.requests
    assert request.form["to"] == "+491701234567"
    assert request.headers["x-api-key"] == seven.api_key


def test_d15_foreign_id_is_stable_and_within_sevens_alphabet() -> None:
    key = "reminder:appt-1:2026-05-04T10:00"
    assert seven_foreign_id(key) == seven_foreign_id(key)
    assert len(seven_foreign_id(key)) == 64
    assert seven_foreign_id("reminder.appt-1_2026") == "reminder.appt-1_2026"


def test_d15_seven_refuses_only_an_identical_sms_within_180_s_not_a_known_foreign_id(
    reminder: MessageFactory,
) -> None:
    """seven documents ``foreign_id`` as an id for callbacks, not as a de-duplication
    key: only the reload lock (identical recipient + text within 180 s, code 402) stops
    a second SMS. The fake does exactly that — so a blind resend after the lock has
    expired *is* a second SMS, and only the journal lookup prevents it (D15)."""
    now = [datetime(2026, 5, 4, 8, 0, tzinfo=UTC)]
    with (
        FakeSevenGateway(clock=lambda: now[0]) as seven,
        closing(SevenSmsTransport(seven.transport_url())) as transport,
    ):
        first = transport.send(reminder())
        now[0] += timedelta(seconds=179)
        locked = transport.send(reminder())  # the same key, text and number
        assert len(seven.received) == 1
        assert locked.provider_message_id is None
        assert "reload lock" in locked.detail
        now[0] += timedelta(seconds=2)  # 181 s after the first: the lock is gone
        second = transport.send(reminder())
        assert len(seven.received) == 2
        assert second.provider_message_id != first.provider_message_id
        assert seven.received[0].foreign_id == seven.received[1].foreign_id


def test_d15_500_twice_then_200_is_delivered_once_by_retrying(
    seven: FakeSevenGateway, transport: SevenSmsTransport, reminder: MessageFactory
) -> None:
    seven.fail_next(500, times=2)
    delivery, failures = send_with_retries(transport, reminder())
    assert [f.code for f in failures] == ["500", "500"]
    assert all(isinstance(f, TransientTransportError) for f in failures)
    assert delivery.provider_message_id == seven.received[0].message_id
    assert len(seven.received) == 1


def test_d15_429_carries_retry_after(
    seven: FakeSevenGateway, transport: SevenSmsTransport, reminder: MessageFactory
) -> None:
    seven.fail_next(429, retry_after=7)
    with pytest.raises(TransientTransportError) as caught:
        transport.send(reminder())
    assert caught.value.retry_after == 7.0


def test_d15_no_credit_pauses_the_channel(
    transport: SevenSmsTransport, seven: FakeSevenGateway, reminder: MessageFactory
) -> None:
    seven.credits = 1
    transport.send(reminder())
    with pytest.raises(ChannelPausedError) as caught:
        transport.send(reminder(idempotency_key="second", text="Ein anderer Termin"))
    assert caught.value.code == "500"
    assert caught.value.provider == "seven.io"


def test_d15_carrier_failure_is_transient(
    seven: FakeSevenGateway, transport: SevenSmsTransport, reminder: MessageFactory
) -> None:
    seven.reject_next("600")
    with pytest.raises(TransientTransportError):
        transport.send(reminder())


def test_d15_the_reload_lock_counts_as_delivered(
    seven: FakeSevenGateway, transport: SevenSmsTransport, reminder: MessageFactory
) -> None:
    seven.reject_next("402")
    delivery = transport.send(reminder())
    assert "reload lock" in delivery.detail


def test_d15_a_wrong_key_is_refused_by_the_fake_and_pauses_the_channel(
    seven: FakeSevenGateway, reminder: MessageFactory
) -> None:
    url = seven.transport_url().replace(seven.api_key, "wrong-key")
    with closing(SevenSmsTransport(url)) as sms, pytest.raises(ChannelPausedError) as caught:
        sms.send(reminder())
    assert caught.value.code == "900"
    assert seven.received == []


@pytest.mark.parametrize(
    ("address", "text", "code"),
    [
        ("0170", "Hallo", "recipient"),
        ("0170 1234567", "   ", "text"),
        ("0170 1234567", "x" * 1521, "too-long"),
    ],
)
def test_d15_bad_messages_are_permanent_before_calling_seven(
    seven: FakeSevenGateway,
    transport: SevenSmsTransport,
    reminder: MessageFactory,
    address: str,
    text: str,
    code: str,
) -> None:
    with pytest.raises(PermanentTransportError) as caught:
        transport.send(reminder(address=address, text=text))
    assert caught.value.code == code
    assert seven.requests == []


def test_d13_max_segments_guards_the_practices_sms_budget(
    seven: FakeSevenGateway, reminder: MessageFactory
) -> None:
    with closing(SevenSmsTransport(seven.transport_url(max_segments="1"))) as sms:
        sms.send(reminder(text="a" * 160))
        with pytest.raises(PermanentTransportError, match="2 SMS parts"):
            sms.send(reminder(idempotency_key="long", text="a" * 161))
    assert [m.segments for m in seven.received] == [1]


def test_d15_connections_are_reused(
    seven: FakeSevenGateway, transport: SevenSmsTransport, reminder: MessageFactory
) -> None:
    for n in range(5):
        transport.send(reminder(idempotency_key=f"k{n}", text=f"Termin Nummer {n}"))
    assert len(seven.received) == 5
    assert seven.connections == 1


def test_d15_an_unreachable_gateway_is_transient(reminder: MessageFactory) -> None:
    with FakeSevenGateway() as gone:
        url = gone.transport_url()
    with closing(SevenSmsTransport(url)) as sms, pytest.raises(TransientTransportError):
        sms.send(reminder())


def test_d12_plain_http_is_refused_except_on_loopback() -> None:
    with pytest.raises(ValidationError, match="https"):
        SevenSmsTransport("sms+seven://KEY@gateway.seven.io?base_url=http://example.org")
