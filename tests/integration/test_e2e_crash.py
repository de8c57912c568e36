"""End to end (D15, F4): a dispatcher killed between hand-over and record, then restarted.

The dispatcher process is a real child process that dies with ``os._exit`` (no commit,
no ``finally``) right after the provider's fake accepted the message — or, with
``--before``, after the outbox row was committed as ``sending`` but before the provider
was called. The restarted service must never send twice silently: the recipient gets the
message once, or the staff work list says "delivery unknown".
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import RetryPolicy
from lemnicore.notifications.transport import OutgoingMessage
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import seven_foreign_id

from . import dispatch_then_die
from .praxis import Praxis

RECIPIENT = {"seven": "jonas", "twilio": "jonas", "threema": "lina"}


def _reminder_due_now(praxis: Praxis, client: str) -> None:
    """An appointment Wednesday 10:00; it is Tuesday 10:00, so its reminder is due (D5)."""
    praxis.book(client, getattr(praxis, client), praxis.at(5, 6, 10))
    praxis.clock.set(praxis.at(5, 5, 10))


def _dispatch_and_die(praxis: Praxis, url: str, *, before: bool = False) -> None:
    flags = ["--before"] if before else []
    child = subprocess.run(
        [
            sys.executable,
            str(Path(dispatch_then_die.__file__)),
            str(praxis.path),
            praxis.clock.now().isoformat(),
            *flags,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode == dispatch_then_die.DIED, child.stderr
    (row,) = praxis.outbox()
    assert row.state is DeliveryState.SENDING  # the outbox only knows sending had begun


@pytest.fixture
def provider_fake(praxis: Praxis, request: pytest.FixtureRequest) -> Any:
    fake = request.getfixturevalue(request.param)
    fake.clock = praxis.clock.now  # the gateway's journal and list share the practice's time
    return fake


@pytest.mark.parametrize(
    ("provider_fake", "lookup"),
    [("seven", "/api/journal/outbound"), ("twilio", "/Messages.json")],
    indirect=["provider_fake"],
)
def test_d15_killed_after_the_provider_accepted_the_sms_is_found_in_its_record_not_resent(
    praxis: Praxis, provider_fake: Any, lookup: str
) -> None:
    _reminder_due_now(praxis, "jonas")
    _dispatch_and_die(praxis, provider_fake.transport_url())
    (first,) = provider_fake.received

    praxis.clock.advance(minutes=15)  # past RetryPolicy.stale_after
    service = praxis.service([provider_fake.transport_url()])
    report = service.run()

    assert provider_fake.received == [first], "the client gets the SMS once"
    (row,) = praxis.outbox()
    assert (row.state, row.provider_message_id) == (DeliveryState.SENT, first.message_id)
    assert row.sent_at == praxis.at(5, 5, 10)  # when the interrupted attempt began
    (outcome,) = report.dispatched
    assert outcome.state is DeliveryState.SENT
    assert "interrupted after handing over" in outcome.detail
    assert [r.method for r in provider_fake.requests] == ["POST", "GET"]
    assert provider_fake.requests[1].path.endswith(lookup)
    history = service.client_history(SYSTEM_ACTOR, praxis.jonas)
    assert [h.key for h in history] == [row.key]  # D14: recorded once, under its key
    # Later runs leave it alone.
    praxis.clock.advance(hours=1)
    service.run()
    assert len(provider_fake.requests) == 2


@pytest.mark.parametrize("provider_fake", ["seven", "twilio"], indirect=True)
def test_d15_killed_before_the_provider_had_it_the_restart_sends_it_once(
    praxis: Praxis, provider_fake: Any
) -> None:
    _reminder_due_now(praxis, "jonas")
    _dispatch_and_die(praxis, provider_fake.transport_url(), before=True)
    assert provider_fake.received == []

    praxis.clock.advance(minutes=15)
    service = praxis.service([provider_fake.transport_url()])
    report = service.run()

    (arrived,) = provider_fake.received
    (row,) = praxis.outbox()
    assert (row.state, row.provider_message_id) == (DeliveryState.SENT, arrived.message_id)
    assert [o.state for o in report.dispatched] == [DeliveryState.PENDING, DeliveryState.SENT]
    assert "sending again" in report.dispatched[0].detail


def test_d15_seven_matches_the_foreign_id_not_just_the_number(praxis: Praxis, seven: Any) -> None:
    """Another SMS to the same number that day must not count as this reminder."""
    seven.clock = praxis.clock.now
    _reminder_due_now(praxis, "jonas")
    other = praxis.service([seven.transport_url()])
    _dispatch_and_die(praxis, seven.transport_url(), before=True)
    # Staff sent something else to Jonas through seven meanwhile (another program).
    seven_transport = other.transports[0]
    seven_transport.send(
        OutgoingMessage("manual-1", Channel.SMS, "0151 23456789", "Bitte rufen Sie uns an.")
    )
    praxis.clock.advance(minutes=15)
    other.run()

    manual, reminder = seven.received
    (row,) = praxis.outbox()
    assert reminder.foreign_id == seven_foreign_id(row.key) != manual.foreign_id
    assert (row.state, row.provider_message_id) == (DeliveryState.SENT, reminder.message_id)


def test_d15_threema_cannot_be_asked_so_the_delivery_goes_on_the_staff_work_list(
    praxis: Praxis, threema: Any
) -> None:
    _reminder_due_now(praxis, "lina")
    _dispatch_and_die(praxis, threema.transport_url())
    (first,) = threema.received

    praxis.clock.advance(minutes=15)
    service = praxis.service([threema.transport_url()])
    report = service.run()
    praxis.clock.advance(hours=3)
    service.run()

    assert threema.received == [first], "never a second message"
    (row,) = praxis.outbox()
    assert row.state is DeliveryState.WORK_LIST
    assert row.failure.startswith("delivery unknown: interrupted after handing over;")
    assert "threema offers no way to ask" in row.failure
    assert [
        (m.id, m.failure) for m in service.work_list(SYSTEM_ACTOR, praxis.practice.organisation.id)
    ] == [(row.id, row.failure)]
    assert report.dispatched[0].detail == row.failure
    # Staff called Lina: she had it. Done, and now in her history (D14).
    service.complete_work_item(SYSTEM_ACTOR, row.id)
    assert [h.key for h in service.client_history(SYSTEM_ACTOR, praxis.lina)] == [row.key]


def test_d15_resend_unknown_sends_threema_again_and_says_so(praxis: Praxis, threema: Any) -> None:
    _reminder_due_now(praxis, "lina")
    _dispatch_and_die(praxis, threema.transport_url())

    praxis.clock.advance(minutes=15)
    service = praxis.service([threema.transport_url()], retry=RetryPolicy(resend_unknown=True))
    report = service.run()

    first, second = threema.received
    assert (first.to, first.text) == (second.to, second.text)
    (row,) = praxis.outbox()
    assert (row.state, row.provider_message_id) == (DeliveryState.SENT, second.message_id)
    assert "delivery unknown" in report.dispatched[0].detail
    assert "sending again as configured" in report.dispatched[0].detail


def test_d15_an_unreachable_provider_is_asked_again_later_before_staff_are_told(
    praxis: Praxis, seven: Any
) -> None:
    seven.clock = praxis.clock.now
    _reminder_due_now(praxis, "jonas")
    _dispatch_and_die(praxis, seven.transport_url())
    praxis.clock.advance(minutes=15)
    service = praxis.service([seven.transport_url()])

    seven.fail_next(503)  # the journal lookup fails once
    report = service.run()
    assert report.dispatched[0].detail.startswith("waits: could not ask the provider")
    (row,) = praxis.outbox()
    assert row.state is DeliveryState.SENDING

    praxis.clock.advance(hours=1)
    service.run()
    (row,) = praxis.outbox()
    assert row.state is DeliveryState.SENT
    assert len(seven.received) == 1
