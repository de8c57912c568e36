"""D5 × G2: ``NotificationService.run(now=X)`` runs — and sends — at X; D14: the
appointment shows its last notification time."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR, Actor, Role
from lemnicore.errors import AccessDeniedError
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService
from lemnicore.scheduling.clients import Channel
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def setting() -> tuple[Practice, NotificationService, CapturingTransport, str, str]:
    practice = Practice(now=START)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna Berg")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org")
    appointment = practice.appointment(anna, room, practice.at(2026, 5, 20, 10), client_id=eva)
    transport = CapturingTransport()
    counter = itertools.count(1)
    service = NotificationService(
        practice.store,
        practice.clock,
        [transport],
        NotificationPolicy(quiet_hours=None),
        rng=random.Random(1),
        new_id=lambda: f"n-{next(counter):04d}",
    )
    return practice, service, transport, anna, appointment.id


def test_run_at_a_later_now_sends_at_that_now_and_reports_it() -> None:
    """The issue: run(now=X) with X ahead of the clock planned and queued at X but sent
    nothing (sending used the clock, 09:00, before Eva's D4 hour had passed)."""
    practice, service, transport, _, appointment_id = setting()
    later = practice.at(2026, 5, 4, 16)
    report = service.run(now=later)
    assert [m.kind for m in report.enqueued] == [MessageKind.CONFIRMATION]
    assert [(o.kind, o.state) for o in report.dispatched] == [
        (MessageKind.CONFIRMATION, DeliveryState.SENT)
    ]
    assert [m.address for m in transport.delivered] == ["eva@example.org"]
    [entry] = service.appointment_history(SYSTEM_ACTOR, appointment_id)
    assert entry.at == later  # recorded as sent at X, not at the clock's 09:00
    assert practice.clock.now() == START  # the clock itself is not moved


def test_d14_the_appointment_shows_its_last_notification_time() -> None:
    practice, service, _, anna, appointment_id = setting()
    owner = practice.owner(anna)
    assert service.last_notification_at(owner, appointment_id) is None
    first = practice.at(2026, 5, 4, 16)
    service.run(now=first)
    assert service.last_notification_at(owner, appointment_id) == first
    # A manual message later (D8, D14) is a notification too.
    practice.clock.set(first + timedelta(days=2))
    service.record_manual_message(
        SYSTEM_ACTOR,
        "client-1",
        channel=Channel.PHONE,
        address="040 555 1234",
        text="Termin telefonisch bestätigt",
        appointment_ids=[appointment_id],
    )
    assert service.last_notification_at(owner, appointment_id) == first + timedelta(days=2)


def test_d14_b1_the_last_notification_time_is_read_under_access_rules() -> None:
    practice, service, _, _, appointment_id = setting()
    ben = practice.add_practitioner("Ben")
    with pytest.raises(AccessDeniedError):
        service.last_notification_at(practice.owner(ben), appointment_id)
    stranger = Actor(id="x", role=Role.OWNER, organisation_id="org-9", practitioner_id="p-9")
    with pytest.raises(AccessDeniedError):
        service.last_notification_at(stranger, appointment_id)
    assert service.last_notification_at(practice.front_desk(), appointment_id) is None
