"""Throughput of the transports (D15) over loopback, with connection reuse.

Each round sends a batch of messages through one transport instance (one SMTP session /
one pooled HTTP connection) to the loopback SMTP sink or fake gateway; ``extra_info``
carries messages per second. Run:

    .venv/bin/pytest benchmarks/test_bench_transports.py --benchmark-enable --benchmark-only
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from contextlib import closing
from typing import Any

import pytest

from lemnicore.notifications.transport import Attachment, OutgoingMessage, Transport
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

BATCH = 100
ICS = (
    b"BEGIN:VCALENDAR\r\nPRODID:-//lemnicore//bench//DE\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\n"
    b"BEGIN:VEVENT\r\nUID:appt-1@lemnicore\r\nDTSTAMP:20260504T070000Z\r\n"
    b"DTSTART:20260505T080000Z\r\nDTEND:20260505T084500Z\r\nSUMMARY:Termin\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)
counter = itertools.count()


def _message(channel: Channel, address: str, *, ics: bool = False) -> OutgoingMessage:
    n = next(counter)
    return OutgoingMessage(
        idempotency_key=f"bench-{n}",
        channel=channel,
        address=address,
        subject="Ihre Termine",
        # A different text each time: seven refuses an identical one within 180 s (402).
        text=f"Erinnerung {n}: Ihr Termin am 05.05. um 10:00 Uhr in der Praxis am Markt.",
        attachments=(Attachment("termine.ics", "text/calendar", ICS),) if ics else (),
    )


def _run(benchmark: Any, transport: Transport, make: Callable[[], OutgoingMessage]) -> None:
    def batch() -> None:
        for _ in range(BATCH):
            transport.send(make())

    batch()  # warm up: open the connection once, outside the measurement
    benchmark.pedantic(batch, rounds=5, iterations=1)
    benchmark.extra_info["messages_per_batch"] = BATCH
    benchmark.extra_info["messages_per_second"] = round(BATCH / benchmark.stats.stats.mean)


@pytest.mark.parametrize("with_ics", [False, True], ids=["text", "text+ics"])
def test_bench_smtp_to_loopback_aiosmtpd(benchmark: Any, with_ics: bool) -> None:
    with SmtpSink() as sink, closing(SmtpTransport(sink.transport_url())) as smtp:
        _run(benchmark, smtp, lambda: _message(Channel.EMAIL, "anna@example.org", ics=with_ics))
        assert sink.connections == 1


def test_bench_seven_to_fake_gateway(benchmark: Any) -> None:
    with FakeSevenGateway() as seven, closing(SevenSmsTransport(seven.transport_url())) as sms:
        _run(benchmark, sms, lambda: _message(Channel.SMS, "0170 1234567"))
        assert seven.connections == 1
        assert len(seven.received) == 6 * BATCH  # every one sent, none refused as a duplicate


def test_bench_twilio_to_fake_api(benchmark: Any) -> None:
    with FakeTwilioApi() as twilio, closing(TwilioSmsTransport(twilio.transport_url())) as sms:
        _run(benchmark, sms, lambda: _message(Channel.SMS, "0170 1234567"))
        assert twilio.connections == 1


def test_bench_threema_to_fake_gateway(benchmark: Any) -> None:
    with (
        FakeThreemaGateway(identities={"ECHOECHO"}) as threema,
        closing(ThreemaTransport(threema.transport_url())) as channel,
    ):
        _run(benchmark, channel, lambda: _message(Channel.THREEMA, "ECHOECHO"))
        assert threema.connections == 1
        assert len(threema.received) == 6 * BATCH
