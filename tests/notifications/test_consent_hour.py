"""D4: no message of any kind leaves before T + 1 h after consent is switched on or
contact data is added at T; D8 × D10: the guard counts messages sent before the run."""

from __future__ import annotations

from datetime import time

from lemnicore.notifications.planner import SkipReason
from lemnicore.notifications.policy import MessageKind, NotificationPolicy, ReminderSettings
from lemnicore.notifications.windows import DailyWindow

from .scene import Scene, at, sent_at

REMINDER = MessageKind.REMINDER
CONFIRMATION = MessageKind.CONFIRMATION
NIGHT = DailyWindow(time(20), time(6))


def reminders_only(hours_before: int, quiet: DailyWindow | None = None) -> NotificationPolicy:
    return NotificationPolicy(
        reminder=ReminderSettings(hours_before=hours_before), quiet_hours=quiet
    ).with_changes(confirmation__enabled=False)


def test_d4_consent_on_at_1030_h2_appointment_1345_is_reminded_at_1200_not_1100() -> None:
    """D4 (issue example): consent on at 10:30, H = 2, appointment 13:45. The reminder is
    due at 11:45, after 11:30 (T + 1 h), so it is sent — but not by the 11:00 run, which is
    before T + 1 h: the first run at or after 11:30 that may send it is 12:00."""
    scene = Scene(reminders_only(2))
    client = scene.client(consent_changed_at=at(2026, 5, 4, 10, 30))
    a = scene.appointment(at(2026, 5, 4, 13, 45), client)
    runs = scene.run_hourly(at(2026, 5, 4, 10), at(2026, 5, 4, 14))
    assert sent_at(runs, a.id, REMINDER) == [at(2026, 5, 4, 12)]
    eleven = dict(runs)[at(2026, 5, 4, 11)]
    assert [s.reason for s in eleven.skips_for(a.id)] == [SkipReason.CHANGED_TOO_RECENTLY]
    assert "waits until 04.05. 11:30" in eleven.skips_for(a.id)[0].detail


def test_d4_consent_on_at_1900_before_quiet_hours_sends_nothing_at_1900() -> None:
    """D4 (issue example): consent on at 19:00, quiet hours 20:00–06:00, H = 2, appointment
    01:00. The 19:00 run lies before T + 1 h and every later run before 01:00 is quiet:
    the appointment is not reminded (rather than zero minutes after the switch)."""
    scene = Scene(reminders_only(2, NIGHT))
    client = scene.client(consent_changed_at=at(2026, 5, 4, 19))
    a = scene.appointment(at(2026, 5, 5, 1), client)
    runs = scene.run_hourly(at(2026, 5, 4, 18), at(2026, 5, 5, 2))
    assert sent_at(runs, a.id, REMINDER) == []


def test_d4_reminder_due_exactly_at_t_plus_one_hour_is_sent_in_the_first_run_from_then() -> None:
    """D4: "due at or after T + 1 h" includes exactly T + 1 h."""
    scene = Scene(reminders_only(2))
    client = scene.client(contact_changed_at=at(2026, 5, 4, 10, 0))
    a = scene.appointment(at(2026, 5, 4, 13, 0), client)  # due 11:00 = T + 1 h
    runs = scene.run_hourly(at(2026, 5, 4, 9), at(2026, 5, 4, 13))
    assert sent_at(runs, a.id, REMINDER) == [at(2026, 5, 4, 11)]


def test_d4_reminder_due_a_minute_before_t_plus_one_hour_is_skipped_for_good() -> None:
    scene = Scene(reminders_only(2))
    client = scene.client(contact_changed_at=at(2026, 5, 4, 10, 1))
    a = scene.appointment(at(2026, 5, 4, 13, 0), client)  # due 11:00 < 11:01
    runs = scene.run_hourly(at(2026, 5, 4, 9), at(2026, 5, 4, 13))
    assert sent_at(runs, a.id, REMINDER) == []


def test_d4_pending_confirmation_waits_for_t_plus_one_hour_also_at_half_hour_runs() -> None:
    """D4: a run at 10:59 after a switch at 10:00 sends nothing; the 11:00 run does."""
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    client = scene.client(consent_changed_at=at(2026, 5, 4, 10))
    a = scene.appointment(at(2026, 5, 20, 10), client)
    assert scene.plan(at(2026, 5, 4, 10, 59)).due == []
    assert scene.plan(at(2026, 5, 4, 11)).messages_for(a.id)


def test_d4_combining_does_not_bring_a_message_forward_before_t_plus_one_hour() -> None:
    """D4 × D9: two appointments of one date, one due now, one later — nothing before T+1h."""
    scene = Scene(reminders_only(2))
    client = scene.client(consent_changed_at=at(2026, 5, 4, 10, 30))
    first = scene.appointment(at(2026, 5, 4, 13, 45), client)
    second = scene.appointment(at(2026, 5, 4, 17, 0), client)
    plan = scene.plan(at(2026, 5, 4, 11))
    assert plan.due == []
    noon = scene.plan(at(2026, 5, 4, 12))
    assert [{a.id for a in m.appointments} for m in noon.due] == [{first.id, second.id}]


def test_d8_go_live_confirmation_and_todays_reminder_do_not_hold_each_other_back() -> None:
    """D8 × D10 (issue example): guard 6 h, H = 6, go-live run Monday 10:00; a client with
    an appointment today 15:30 and one in three weeks gets today's reminder and the
    quarter's confirmation in the same run."""
    scene = Scene(
        NotificationPolicy(
            quiet_hours=None, reminder=ReminderSettings(hours_before=6, min_hours_between=6)
        )
    )
    client = scene.client()
    today = scene.appointment(at(2026, 5, 4, 15, 30), client)
    later = scene.appointment(at(2026, 5, 25, 10), client)
    plan = scene.plan(at(2026, 5, 4, 10))
    assert sorted((m.kind, tuple(a.id for a in m.appointments)) for m in plan.due) == [
        (CONFIRMATION, (later.id,)),
        (REMINDER, (today.id,)),
    ]


def test_d8_a_confirmation_sent_in_an_earlier_run_still_holds_back_a_reminder() -> None:
    """D8: the guard counts messages sent before the run — the 10:00 confirmation blocks
    the 11:00 run's reminder (guard 6 h), which waits until 16:00."""
    scene = Scene(
        NotificationPolicy(
            quiet_hours=None, reminder=ReminderSettings(hours_before=6, min_hours_between=6)
        )
    )
    client = scene.client()
    scene.appointment(at(2026, 5, 25, 10), client)
    soon = scene.appointment(at(2026, 5, 4, 20, 30), client)  # reminder due 14:30
    runs = scene.run_hourly(at(2026, 5, 4, 10), at(2026, 5, 4, 18))
    assert sent_at(runs, soon.id, REMINDER) == [at(2026, 5, 4, 16)]
    skip = dict(runs)[at(2026, 5, 4, 15)].skips_for(soon.id)
    assert [s.reason for s in skip] == [SkipReason.DOUBLE_MESSAGE_GUARD]
