"""A9 + D10: the confirmation of a series lists every treatment of it, in one message."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time

from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.service import NotificationService
from lemnicore.scheduling.series import SeriesRequest
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice
from lemnicore.testing.transports import CapturingTransport


def test_a9_d10_one_confirmation_lists_the_whole_series(store: Store) -> None:
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Raum 1")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    client = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    booked = practice.series.book(
        practice.owner(anna),
        SeriesRequest(
            client, "treatment", practice.calendars[anna], 6, {1, 3}, time(9),
            date(2026, 5, 11), date(2026, 6, 30), (room,),
        ),
    )  # fmt: skip
    practice.clock.advance(hours=2)  # D4: consent given at registration, an hour has passed
    transport = CapturingTransport()
    NotificationService(
        practice.store,
        practice.clock,
        [transport],
        NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False),
        rng=random.Random(1),
    ).run()
    [confirmation] = transport.delivered
    assert confirmation.address == "eva@example.org"
    for line in ("Di 12.05.2026 09:00 Uhr", "Do 14.05.2026 09:00 Uhr", "Do 28.05.2026 09:00 Uhr"):
        assert line in confirmation.text
    assert confirmation.text.count("09:00 Uhr") == len(booked) == 6
