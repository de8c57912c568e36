"""D11: .ics that calendar servers and mail clients accept — checked by ``ical``, a strict
parser independent of the icalendar library that writes them."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime

import pytest
from ical.calendar_stream import IcsCalendarStream

from lemnicore.errors import ValidationError
from lemnicore.notifications.policy import ConfirmationSettings, NotificationPolicy
from lemnicore.notifications.service import NotificationService
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def strictly_parsed(data: bytes) -> IcsCalendarStream:
    return IcsCalendarStream.from_ics(data.decode("utf-8"))


def notifier(
    practice: Practice, policy: NotificationPolicy
) -> tuple[NotificationService, CapturingTransport]:
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
    return service, transport


@pytest.fixture
def practice() -> Practice:
    return Practice(now=START)


def test_d11_a_confirmation_of_two_appointments_carries_two_files_of_one_event_each(
    practice: Practice,
) -> None:
    room, anna = practice.add_room("Raum 1"), practice.add_practitioner("Anna Berg")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    first = practice.appointment(anna, room, practice.at(2026, 5, 20, 9), client_id=eva)
    second = practice.appointment(anna, room, practice.at(2026, 6, 3, 9), client_id=eva)
    practice.clock.advance(hours=2)
    settings = ConfirmationSettings(
        ics_organizer="termine@praxis-am-park.de", ics_uid_domain="praxis-am-park.de"
    )
    policy = NotificationPolicy(quiet_hours=None, confirmation=settings)

    service, transport = notifier(practice, policy)
    service.run()
    (message,) = transport.delivered
    assert [a.filename for a in message.attachments] == ["termin-1.ics", "termin-2.ics"]
    for attachment, appointment in zip(message.attachments, (first, second), strict=True):
        assert attachment.content_type == "text/calendar; method=PUBLISH; charset=UTF-8"
        stream = strictly_parsed(attachment.data)
        (calendar,) = stream.calendars
        assert calendar.method == "PUBLISH"
        (event,) = calendar.events
        assert event.uid == f"{appointment.id}@praxis-am-park.de"
        assert event.dtstart == appointment.start
        # RFC 5546 PUBLISH: the organizer, and no attendee.
        assert event.organizer is not None
        assert event.organizer.uri == "mailto:termine@praxis-am-park.de"
        assert event.organizer.common_name == practice.organisation.name
        assert event.attendees == []


def test_d11_a_cancellation_names_organizer_and_the_client_as_attendee(
    practice: Practice,
) -> None:
    room, anna = practice.add_room("Raum 1"), practice.add_practitioner("Anna Berg")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    booked = practice.appointment(anna, room, practice.at(2026, 5, 20, 9), client_id=eva)
    service, transport = notifier(practice, NotificationPolicy(quiet_hours=None))
    practice.clock.advance(hours=2)
    service.run()
    practice.book.cancel(practice.owner(anna), booked.id)
    practice.clock.advance(hours=1)
    service.run()

    cancellation = transport.delivered[-1]
    (attachment,) = cancellation.attachments
    assert attachment.filename == "absage.ics"
    (calendar,) = strictly_parsed(attachment.data).calendars
    assert calendar.method == "CANCEL"
    (event,) = calendar.events
    assert event.uid == f"{booked.id}@lemnicore"  # the default domain keeps old UIDs
    assert event.sequence == booked.sequence + 1
    assert event.status == "CANCELLED"
    assert event.organizer is not None
    assert [(a.uri, a.common_name) for a in event.attendees] == [
        ("mailto:eva@example.org", "Eva Meier")
    ]


def test_d11_the_practice_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match=r"confirmation\.ics_uid_domain"):
        ConfirmationSettings(ics_uid_domain="praxis am park")
    with pytest.raises(ValidationError, match=r"confirmation\.ics_organizer"):
        ConfirmationSettings(ics_organizer="termine@praxis;")
