"""D11–D15 through the service: outbox, dispatch, retries, crashes, history, why."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.errors import ValidationError
from lemnicore.notifications.planner import SkipReason
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService, RetryPolicy
from lemnicore.notifications.transport import PermanentTransportError, TransientTransportError
from lemnicore.plugins.manager import open_store
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport, SimulatedCrash

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "postgres":
        s = open_store(request.getfixturevalue("postgres_url"))
        yield s
        s.close()
    else:
        s = SqliteStore(tmp_path / "notify.db")
        yield s
        s.close()


@pytest.fixture
def practice(store: Store) -> Practice:
    p = Practice(store, now=START)
    p.room = p.add_room("Raum 1")  # type: ignore[attr-defined]
    p.anna = p.add_practitioner("Anna Berg")  # type: ignore[attr-defined]
    return p


def service(
    practice: Practice, transport: CapturingTransport, **kwargs: object
) -> NotificationService:
    counter = itertools.count(1)
    return NotificationService(
        practice.store,
        practice.clock,
        [transport],
        kwargs.pop("policy", NotificationPolicy(quiet_hours=None)),  # type: ignore[arg-type]
        rng=random.Random(1),
        new_id=lambda: f"n-{next(counter):04d}",
        **kwargs,  # type: ignore[arg-type]
    )


def book(practice: Practice, client: str, *, day: int = 5, hour: int = 9) -> str:
    return practice.appointment(
        practice.anna,
        practice.room,
        practice.at(2026, 5, day, hour),
        client_id=client,  # type: ignore[attr-defined]
    ).id


def test_d14_sent_reminder_is_in_client_and_appointment_history(practice: Practice) -> None:
    client = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    a = book(practice, client)
    practice.clock.advance(hours=2)  # consent given at registration; D4's hour has passed
    transport = CapturingTransport()
    notifier = service(practice, transport)

    report = notifier.run()

    assert [m.kind for m in transport.delivered] == ["confirmation"]
    confirmation = transport.delivered[0]
    assert confirmation.address == "eva@example.org"
    assert "Di 05.05.2026 09:00 Uhr, Raum 1" in confirmation.text
    assert report.dispatched[0].state is DeliveryState.SENT
    [entry] = notifier.client_history(SYSTEM_ACTOR, client)
    assert (entry.channel, entry.address, entry.text) == (
        Channel.EMAIL,
        "eva@example.org",
        confirmation.text,
    )
    explanation = notifier.why(SYSTEM_ACTOR, a)
    assert explanation.last_notified_at == practice.clock.now()


def test_d11_confirmation_carries_an_ics_with_stable_uid_sequence_and_timezone(
    practice: Practice,
) -> None:
    client = practice.add_client("Meier", email="eva@example.org", consent=True)
    a = practice.appointment(
        practice.anna,
        practice.room,
        practice.at(2026, 5, 20, 9),
        client_id=client,  # type: ignore[attr-defined]
        comment="Diagnose: Bandscheibe",
    )
    practice.clock.advance(hours=2)
    transport = CapturingTransport()
    notifier = service(practice, transport)
    notifier.run()
    [attachment] = transport.delivered[0].attachments
    assert attachment.content_type.startswith("text/calendar; method=PUBLISH")
    calendar = icalendar.Calendar.from_ical(attachment.data)
    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.events
    assert str(event["UID"]) == f"{a.id}@lemnicore"
    assert event["SEQUENCE"] == 0
    assert event.start == practice.at(2026, 5, 20, 9)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]
    assert b"Bandscheibe" not in attachment.data
    assert b"Treatment" not in attachment.data

    # Moved (A6): confirmed again with the same UID and a higher SEQUENCE (D9, D11).
    practice.book.move(practice.owner(practice.anna), a.id, start=practice.at(2026, 5, 21, 9))  # type: ignore[attr-defined]
    practice.clock.advance(hours=1)
    notifier.run()
    moved = icalendar.Calendar.from_ical(transport.delivered[1].attachments[0].data).events[0]
    assert (str(moved["UID"]), moved["SEQUENCE"]) == (f"{a.id}@lemnicore", 1)

    # Cancelled: METHOD:CANCEL, same UID, higher SEQUENCE, STATUS:CANCELLED.
    practice.book.cancel(practice.owner(practice.anna), a.id)  # type: ignore[attr-defined]
    practice.clock.advance(hours=1)
    notifier.run()
    cancel = transport.delivered[2]
    assert cancel.kind == "cancellation"
    calendar = icalendar.Calendar.from_ical(cancel.attachments[0].data)
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.events[0]
    assert (str(event["UID"]), event["SEQUENCE"], event["STATUS"]) == (
        f"{a.id}@lemnicore",
        2,
        "CANCELLED",
    )


def test_d15_crash_between_send_and_record_never_duplicates(practice: Practice) -> None:
    client = practice.add_client("Meier", email="eva@example.org", consent=True)
    book(practice, client, day=20)
    practice.clock.advance(hours=2)
    transport = CapturingTransport()
    transport.crash_after = lambda m: True
    notifier = service(practice, transport)

    with pytest.raises(SimulatedCrash):
        notifier.run()
    assert len(transport.delivered) == 1
    assert notifier.client_history(SYSTEM_ACTOR, client) == []  # the crash came before recording

    transport.crash_after = None
    practice.clock.advance(minutes=30)
    report = notifier.run()  # reconciles the SENDING row and sends under the same key
    assert len(transport.attempts) == 2
    assert transport.attempts[0].idempotency_key == transport.attempts[1].idempotency_key
    assert len(transport.delivered) == 1
    assert [o.state for o in report.dispatched][-1] is DeliveryState.SENT
    assert len(notifier.client_history(SYSTEM_ACTOR, client)) == 1


def test_d15_crash_can_be_reported_instead_of_resent(practice: Practice) -> None:
    client = practice.add_client("Meier", email="eva@example.org", consent=True)
    a = book(practice, client, day=20)
    practice.clock.advance(hours=2)
    transport = CapturingTransport()
    transport.crash_after = lambda m: True
    notifier = service(practice, transport, retry=RetryPolicy(resend_interrupted=False))
    with pytest.raises(SimulatedCrash):
        notifier.run()
    practice.clock.advance(hours=1)
    report = notifier.run()
    assert report.dispatched[0].state is DeliveryState.FAILED
    assert "delivery unknown" in report.dispatched[0].detail
    assert len(transport.attempts) == 1
    why = notifier.why(SYSTEM_ACTOR, a)
    assert why.messages[0].state is DeliveryState.FAILED


def test_d15_transient_errors_are_retried_with_backoff_permanent_ones_recorded(
    practice: Practice,
) -> None:
    eva = practice.add_client("Meier", email="eva@example.org", consent=True)
    bob = practice.add_client("Kurz", email="bob@example.org", consent=True)
    book(practice, eva, day=20)
    bad = book(practice, bob, day=21)
    practice.clock.advance(hours=2)
    transport = CapturingTransport()
    transport.fail_next(
        TransientTransportError("503 from gateway", retry_after=120),
        PermanentTransportError("invalid recipient", code="202"),
    )
    notifier = service(practice, transport)

    first = notifier.run()
    states = {o.address: o for o in first.dispatched}
    assert states["eva@example.org"].state is DeliveryState.PENDING
    assert states["bob@example.org"].state is DeliveryState.FAILED
    assert "invalid recipient" in states["bob@example.org"].detail

    practice.clock.advance(seconds=60)  # Retry-After said 120 s: not yet
    assert notifier.dispatch() == []
    practice.clock.advance(seconds=61)
    [retried] = notifier.dispatch()
    assert retried.state is DeliveryState.SENT
    assert [m.address for m in transport.delivered] == ["eva@example.org"]

    practice.clock.advance(hours=1)
    assert notifier.run().dispatched == []  # the permanent failure is not retried
    why = notifier.why(SYSTEM_ACTOR, bad)
    assert why.skips[0].reason is SkipReason.PREVIOUS_ATTEMPT_FAILED


def test_d15_backoff_is_capped_exponential_with_full_jitter() -> None:
    retry = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(seconds=100))
    rng = random.Random(7)
    delays = [retry.delay(n, rng, None) for n in range(1, 12) for _ in range(50)]
    assert all(timedelta(0) <= d <= timedelta(seconds=100) for d in delays)
    assert max(retry.delay(1, rng, None) for _ in range(200)) <= timedelta(seconds=10)
    assert retry.delay(1, rng, 300) >= timedelta(seconds=300)


def test_d12_letters_go_to_the_staff_work_list(practice: Practice) -> None:
    client = practice.add_client("Alt", consent=True)
    a = book(practice, client, hour=12)
    practice.clients.change_contact(
        SYSTEM_ACTOR, client, postal_address="Am Park 1, 20095 Hamburg", preferred_channel="letter"
    )
    practice.clock.advance(hours=4)
    transport = CapturingTransport()
    policy = NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False)
    notifier = service(practice, transport, policy=policy)
    notifier.run()
    assert transport.delivered == []
    [item] = notifier.work_list(SYSTEM_ACTOR, "org-1")
    assert item.channel is Channel.LETTER
    assert "Alt" in item.text
    notifier.complete_work_item(SYSTEM_ACTOR, item.id)
    assert notifier.work_list(SYSTEM_ACTOR, "org-1") == []
    assert notifier.appointment_history(SYSTEM_ACTOR, a)[0].address.startswith("Am Park 1")


def test_d8_manual_message_through_the_service_holds_back_the_reminder(practice: Practice) -> None:
    client = practice.add_client("Meier", email="eva@example.org", consent=True)
    a = book(practice, client, day=5, hour=10)  # reminder due today 10:00
    practice.clock.advance(hours=2)  # 11:00
    transport = CapturingTransport()
    policy = NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False)
    notifier = service(practice, transport, policy=policy)
    notifier.record_manual_message(
        SYSTEM_ACTOR, client, channel=Channel.SMS, address="+4915112345678", text="Bis später!"
    )
    report = notifier.run()
    assert transport.delivered == []
    assert report.plan.skips_for(a)[0].reason is SkipReason.DOUBLE_MESSAGE_GUARD
    assert notifier.client_history(SYSTEM_ACTOR, client)[0].text == "Bis später!"


def test_dry_run_sends_and_writes_nothing(practice: Practice) -> None:
    client = practice.add_client("Meier", email="eva@example.org", consent=True)
    book(practice, client, day=20)
    practice.clock.advance(hours=2)
    transport = CapturingTransport()
    notifier = service(practice, transport)
    report = notifier.run(dry_run=True)
    assert len(report.plan.due) == 1
    assert transport.attempts == []
    assert notifier.run().enqueued  # still due afterwards


def test_policy_is_stored_in_the_store_with_a_default(store: Store) -> None:
    Practice(store, now=START)
    notifier = NotificationService(store, Practice(MemoryStore(), now=START).clock)
    assert notifier.policy() == NotificationPolicy()
    changed = NotificationPolicy().with_changes(reminder__hours_before=10, branch_codes="HH1")
    notifier.save_policy(changed)
    assert NotificationService(store, notifier.clock).policy() == changed


def test_policy_changes_are_validated_with_the_setting_named() -> None:
    with pytest.raises(ValidationError, match=r"reminder\.min_hours_between.*1 to 99"):
        NotificationPolicy().with_changes(reminder__min_hours_between=120)
    with pytest.raises(ValidationError, match=r"reminder\.min_hours_between"):
        NotificationPolicy().with_changes(reminder__min_hours_between=0)
    with pytest.raises(ValidationError, match=r"reminder\.nope"):
        NotificationPolicy().with_changes(reminder__nope=1)
    with pytest.raises(ValidationError, match="quiet_hours"):
        NotificationPolicy(quiet_hours="20:00 bis 6")


def test_d13_sms_reminder_is_normalised_and_kept_to_its_segments(practice: Practice) -> None:
    client = practice.add_client(
        "Meier", mobile="+4915112345678", consent=True, preferred_channel="sms"
    )
    book(practice, client, day=5, hour=10)
    practice.clock.advance(hours=2)
    policy = NotificationPolicy(quiet_hours=None).with_changes(
        confirmation__enabled=False,
    )
    texts = [t for t in policy.template.texts if t.channel is not Channel.SMS]
    from lemnicore.notifications.policy import ContactTemplate, MessageTemplate

    long = MessageTemplate(
        Channel.SMS, MessageKind.REMINDER, "„Termin“ – {date} {time}, " + "{practice} " * 40
    )
    policy = policy.with_changes(
        template=ContactTemplate(policy.template.channel_order, (*texts, long), sms_max_segments=1)
    )
    transport = CapturingTransport()
    service(practice, transport, policy=policy).run()
    [sms] = transport.delivered
    # D13: cut at a word after the essentials (date, time, practice).
    assert sms.text.startswith('"Termin" - 05.05.2026 10:00, Praxis am Park')
    assert len(sms.text) <= 160
    assert sms.text.endswith("...")
