"""Edges of the planner's rules (D4, D8, D10, D15), each stated as a practice situation."""

from __future__ import annotations

from lemnicore.notifications.planner import SkipReason
from lemnicore.notifications.policy import MessageKind, NotificationPolicy, ReminderSettings
from lemnicore.notifications.sentlog import AppointmentRef, DeliveryState, SentRecord

from .scene import Scene, at

REMINDER = MessageKind.REMINDER
CONFIRMATION = MessageKind.CONFIRMATION


def guarded_scene() -> tuple[Scene, str]:
    """Guard 6 h, H = 24; the client got a manual message at 12:00 (guard ends 18:00)."""
    scene = Scene(
        NotificationPolicy(
            quiet_hours=None, reminder=ReminderSettings(hours_before=24, min_hours_between=6)
        ).with_changes(confirmation__enabled=False)
    )
    client = scene.client()
    scene.records.append(SentRecord("manual-1", MessageKind.MANUAL, client, (), at(2026, 5, 4, 12)))
    return scene, client


def test_d8_an_appointment_starting_exactly_when_the_guard_ends_waits_for_it() -> None:
    """D8: "begins before the guard expires" — 18:00 is not before 18:00."""
    scene, client = guarded_scene()
    a = scene.appointment(at(2026, 5, 4, 18), client)
    [skip] = scene.plan(at(2026, 5, 4, 13)).skips_for(a.id)
    assert skip.reason is SkipReason.DOUBLE_MESSAGE_GUARD
    assert "waits until 04.05. 18:00" in skip.detail


def test_d8_an_appointment_starting_a_minute_before_the_guard_ends_gets_no_reminder() -> None:
    scene, client = guarded_scene()
    a = scene.appointment(at(2026, 5, 4, 17, 59), client)
    [skip] = scene.plan(at(2026, 5, 4, 13)).skips_for(a.id)
    assert skip.reason is SkipReason.DOUBLE_MESSAGE_GUARD
    assert "begins before the 6 h guard ends" in skip.detail


def test_d8_the_guard_ends_exactly_six_hours_after_the_message() -> None:
    scene, client = guarded_scene()
    a = scene.appointment(at(2026, 5, 5, 17), client)  # reminder due 17:00 today
    assert scene.plan(at(2026, 5, 4, 17, 59)).due == []
    assert scene.plan(at(2026, 5, 4, 18)).messages_for(a.id)


def test_d15_a_confirmation_that_failed_is_not_planned_again() -> None:
    """A permanently failed confirmation (e.g. invalid address) is reported, not resent."""
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 20, 10), client)
    scene.records.append(
        SentRecord(
            "c-1",
            CONFIRMATION,
            client,
            (AppointmentRef(a.id, a.sequence),),
            at(2026, 5, 4, 9),
            state=DeliveryState.FAILED,
            failure="550 mailbox unavailable",
        )
    )
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    [skip] = plan.skips_for(a.id)
    assert (skip.reason, skip.detail) == (
        SkipReason.PREVIOUS_ATTEMPT_FAILED,
        "550 mailbox unavailable",
    )


def test_d15_a_reminder_that_failed_is_not_planned_again() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 5, 10), client)
    scene.records.append(
        SentRecord(
            "r-1",
            REMINDER,
            client,
            (AppointmentRef(a.id, a.sequence),),
            at(2026, 5, 4, 9),
            state=DeliveryState.FAILED,
            failure="invalid number",
        )
    )
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    assert [s.reason for s in plan.skips_for(a.id)] == [SkipReason.PREVIOUS_ATTEMPT_FAILED]
