"""End to end (D15): retries, permanent refusals, empty accounts and crashes, against
loopback fakes that answer the way the providers do — through the hourly service."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore_notify.testing import FakeSevenGateway

from .praxis import BERLIN, Praxis, local, open_praxis, run_hourly

# Which client a provider reaches: Jonas prefers SMS, Lina Threema (D12).
RECIPIENT = {"seven": "jonas", "twilio": "jonas", "threema": "lina"}


def _reminder_due_now(praxis: Praxis, client: str) -> None:
    """An appointment Wednesday 10:00; it is Tuesday 10:00, so its reminder is due (D5)."""
    praxis.book(client, getattr(praxis, client), praxis.at(5, 6, 10))
    praxis.clock.set(praxis.at(5, 5, 10))


@pytest.mark.parametrize("provider", ["seven", "twilio", "threema"])
def test_d15_a_gateway_answering_500_twice_then_200_delivers_exactly_one_message(
    praxis: Praxis, request: pytest.FixtureRequest, provider: str
) -> None:
    fake: Any = request.getfixturevalue(provider)
    _reminder_due_now(praxis, RECIPIENT[provider])
    service = praxis.service([fake.transport_url()])
    fake.fail_next(500, times=2)

    service.run()
    for attempt in (1, 2):
        (row,) = praxis.outbox()
        assert (row.state, row.attempts) == (DeliveryState.PENDING, attempt)
        assert row.failure.startswith("temporary:")
        assert "500" in row.failure
        assert row.next_attempt_at is not None
        assert row.next_attempt_at > praxis.clock.now()
        # Before the backoff has passed, a dispatch leaves the gateway alone …
        assert service.dispatch() == []
        assert len(fake.requests) == attempt
        # … after it, the next dispatch tries again.
        praxis.clock.set(row.next_attempt_at)
        service.dispatch()

    (row,) = praxis.outbox()
    (arrived,) = fake.received
    assert (row.state, row.attempts, row.failure) == (DeliveryState.SENT, 3, "")
    assert row.provider_message_id == arrived.message_id
    assert len(fake.requests) == 3
    assert len(service.client_history(SYSTEM_ACTOR, getattr(praxis, RECIPIENT[provider]))) == 1
    # Later runs find nothing left to do.
    run_hourly(service, praxis, until=praxis.at(5, 5, 19))
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("provider", "refusal", "reason"),
    [
        ("seven", "202", "seven.io: invalid recipient number (code 202)"),
        (
            "threema",
            404,
            "threema: the phone number or e-mail address has no Threema ID (code 404)",
        ),
        ("twilio", 21211, "twilio: The 'To' number is not a valid phone number. (code 21211)"),
    ],
)
def test_d15_a_permanent_refusal_is_recorded_with_the_providers_reason_and_never_retried(
    praxis: Praxis, request: pytest.FixtureRequest, provider: str, refusal: Any, reason: str
) -> None:
    fake: Any = request.getfixturevalue(provider)
    _reminder_due_now(praxis, RECIPIENT[provider])
    service = praxis.service([fake.transport_url()])
    fake.reject_next(refusal)

    run_hourly(service, praxis, until=praxis.at(5, 6, 10))

    (row,) = praxis.outbox()
    assert row.state is DeliveryState.FAILED
    assert row.failure == reason
    assert len(fake.requests) == 1
    assert fake.received == []
    assert service.client_history(SYSTEM_ACTOR, getattr(praxis, RECIPIENT[provider])) == []
    why = "\n".join(service.why(SYSTEM_ACTOR, praxis.booked[RECIPIENT[provider]].id).lines())
    assert f"reminder via {row.channel.value} to {row.address}: failed" in why
    assert reason in why


@pytest.mark.parametrize(
    ("provider", "paused"),
    [
        ("seven", "channel paused: seven.io: not enough credit (code 500)"),
        ("threema", "channel paused: threema: no credits left (code 402)"),
    ],
)
def test_d15_an_empty_account_pauses_the_channel_and_says_so(
    praxis: Praxis, request: pytest.FixtureRequest, provider: str, paused: str
) -> None:
    fake: Any = request.getfixturevalue(provider)
    fake.credits = 0
    client = RECIPIENT[provider]
    channel = praxis.practice.client(getattr(praxis, client)).preferred_channel
    paul = praxis.practice.add_client(
        "Krause", "Paul", mobile="0160 9876543", threema_id="PAULKRA1", preferred_channel=channel
    )
    praxis.book("paul", paul, praxis.at(5, 6, 10, 45))
    _reminder_due_now(praxis, client)
    service = praxis.service([fake.transport_url()])

    report = service.run()

    # Both reminders were due; the first found the account empty, the second was not tried.
    assert [(o.state, o.detail) for o in report.dispatched] == [
        (DeliveryState.PENDING, paused),
        (DeliveryState.PENDING, paused),
    ]
    assert len(fake.requests) == 1
    assert fake.received == []
    assert all(m.state is DeliveryState.PENDING for m in praxis.outbox())

    # Staff top up the account; the next hourly run delivers both.
    fake.credits = None
    praxis.clock.advance(hours=1)
    report = service.run()
    assert sorted(o.state for o in report.dispatched) == [DeliveryState.SENT] * 2
    assert len(fake.received) == 2
    assert len(fake.requests) == 3


@pytest.mark.parametrize(
    ("switch_sunday", "expected_send", "wall_clock_hours"),
    [
        ((3, 29), "Sat 28.03.2026 09:00", 25),  # clocks go forward: 24 h span 25 wall hours
        ((10, 25), "Sat 24.10.2026 11:00", 23),  # clocks go back: 24 h span 23 wall hours
    ],
)
def test_d5_on_a_dst_switch_day_the_reminder_goes_out_24_elapsed_hours_before(
    tmp_path: Path,
    seven: FakeSevenGateway,
    switch_sunday: tuple[int, int],
    expected_send: str,
    wall_clock_hours: int,
) -> None:
    month, day = switch_sunday
    praxis = open_praxis(tmp_path / "dst.db", now=datetime(2026, month, day - 3, 9, tzinfo=BERLIN))
    try:
        appointment = praxis.book("jonas", praxis.jonas, praxis.at(month, day, 10))
        praxis.clock.set(praxis.at(month, day - 1, 5))
        service = praxis.service([seven.transport_url()])

        reports = run_hourly(service, praxis, until=praxis.at(month, day, 10))

        sending_runs = [
            local(at)
            for at, report in reports.items()
            if any(o.state is DeliveryState.SENT for o in report.dispatched)
        ]
        assert sending_runs == [expected_send]
        (sms,) = seven.received
        assert "So " + f"{day:02d}.{month:02d}.2026 um 10:00 Uhr" in sms.text
        (row,) = praxis.outbox()
        assert row.sent_at is not None
        assert appointment.start - row.sent_at == timedelta(hours=24)
        wall = appointment.start.astimezone(BERLIN).replace(tzinfo=None) - row.sent_at.astimezone(
            BERLIN
        ).replace(tzinfo=None)
        assert wall == timedelta(hours=wall_clock_hours)
    finally:
        praxis.close()
