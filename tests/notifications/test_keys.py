"""D15: the idempotency key of a message is stable — across runs and across versions.

A run repeated after a crash (possibly by a newer lemnicore) must find the message it
planned before by its key, so the key's recipe must never change by accident.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lemnicore.notifications.planner import notification_key
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.sentlog import AppointmentRef
from lemnicore.scheduling.clients import Channel
from lemnicore.timekeeping import zone


def test_d15_keys_are_pinned_for_the_appointment_set_kind_and_due_time() -> None:
    refs = [AppointmentRef("a10", 2), AppointmentRef("a1", 0), AppointmentRef("b", 11)]
    assert (
        notification_key(MessageKind.CONFIRMATION, "c1", refs, Channel.EMAIL, None)
        == "confirmation-e5933899fe7728e694227a7651da4da0"
    )
    # The order of the appointments does not matter; the due time's zone does not either.
    due = datetime(2026, 10, 25, 2, 30, tzinfo=zone("Europe/Berlin"))
    assert notification_key(
        MessageKind.REMINDER, "c1", refs[::-1], Channel.SMS, due
    ) == notification_key(MessageKind.REMINDER, "c1", refs, Channel.SMS, due.astimezone(UTC))
