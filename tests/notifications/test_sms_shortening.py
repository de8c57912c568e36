"""D13: an SMS that does not fit ``sms_max_segments`` is shortened to its essentials —
the first appointment, the practice and the count of the rest — and says so."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

from lemnicore.notifications.policy import (
    ContactTemplate,
    MessageKind,
    MessageTemplate,
    NotificationPolicy,
    ReminderSettings,
)
from lemnicore.notifications.service import NotificationService
from lemnicore.notifications.sms import sms_size
from lemnicore.scheduling.clients import Channel
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport

START = datetime(2026, 5, 3, 6, 0, tzinfo=UTC)  # Sunday 08:00 in Berlin

LISTING = "Guten Tag {client_name}, wir erinnern an Ihre Termine:\n{appointments}\nIhre {practice}"


def sms_policy(body: str, segments: int = 1) -> NotificationPolicy:
    return NotificationPolicy(
        quiet_hours=None,
        reminder=ReminderSettings(hours_before=24),
        template=ContactTemplate(
            channel_order=(Channel.SMS,),
            texts=(MessageTemplate(Channel.SMS, MessageKind.REMINDER, body),),
            sms_max_segments=segments,
        ),
    ).with_changes(confirmation__enabled=False)


def eight_appointments(
    policy: NotificationPolicy,
) -> tuple[Practice, NotificationService, CapturingTransport]:
    practice = Practice(now=START)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna")
    eva = practice.add_client("Meier", "Eva", mobile="+49 170 1234567")
    for hour in range(9, 17):  # Tuesday 5 May 2026, 09:00 … 16:00
        practice.appointment(anna, room, practice.at(2026, 5, 5, hour), client_id=eva)
    transport = CapturingTransport()
    counter = itertools.count(1)
    service = NotificationService(
        practice.store,
        practice.clock,
        [transport],
        policy,
        rng=random.Random(1),
        new_id=lambda: f"n-{next(counter):04d}",
    )
    return practice, service, transport


def test_d13_eight_appointments_in_one_segment_keep_first_practice_and_count() -> None:
    """The issue: the text was cut to "…Di 05.05.2026..." and lost the practice's name."""
    practice, service, transport = eight_appointments(sms_policy(LISTING))
    report = service.run(now=practice.at(2026, 5, 4, 9))
    [sms] = transport.delivered
    assert sms_size(sms.text).segments == 1
    assert "Di 05.05.2026 09:00 Uhr" in sms.text  # the first appointment
    assert "Praxis am Park" in sms.text  # the practice
    assert "+7 weitere" in sms.text  # the count of the rest
    assert "10:00" not in sms.text
    [(message_id, note)] = report.shortened
    assert message_id == report.enqueued[0].id
    assert note.startswith("shortened to 1 SMS segment")
    assert "first of 8 appointments" in note


def test_d13_a_text_that_fits_is_not_shortened_and_says_nothing() -> None:
    practice, service, transport = eight_appointments(sms_policy(LISTING, segments=3))
    report = service.run(now=practice.at(2026, 5, 4, 9))
    [sms] = transport.delivered
    assert sms.text.count("Uhr") == 8
    assert report.shortened == ()


def test_d13_when_even_the_template_is_too_long_the_essentials_are_sent() -> None:
    """A template whose fixed text alone overflows one segment: the essentials remain."""
    body = "Sehr geehrte Kundin, sehr geehrter Kunde, " * 4 + "{appointments} {practice}"
    practice, service, transport = eight_appointments(sms_policy(body))
    report = service.run(now=practice.at(2026, 5, 4, 9))
    [sms] = transport.delivered
    assert sms_size(sms.text).segments == 1
    assert "Praxis am Park" in sms.text
    assert "Di 05.05.2026 09:00 Uhr" in sms.text
    assert "+7 weitere" in sms.text
    assert len(report.shortened) == 1
