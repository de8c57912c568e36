"""D5–D9: when reminders are due, in the words of the source's examples."""

from __future__ import annotations

from datetime import time

from lemnicore.notifications.planner import SkipReason
from lemnicore.notifications.policy import MessageKind, NotificationPolicy, ReminderSettings
from lemnicore.notifications.sentlog import AppointmentRef, SentRecord
from lemnicore.notifications.windows import DailyWindow

from .scene import Scene, at, sent_at

REMINDER = MessageKind.REMINDER


def policy(
    hours_before: int = 24, *, quiet: DailyWindow | None = None, **reminder: object
) -> NotificationPolicy:
    return NotificationPolicy(
        reminder=ReminderSettings(hours_before=hours_before, **reminder),  # type: ignore[arg-type]
        quiet_hours=quiet,
    ).with_changes(confirmation__enabled=False)


def test_d5_h10_run_at_noon_reminds_appointments_from_2200_to_2259() -> None:
    """D5 source example: H = 10, the 12:00 run reminds the appointments 22:00–22:59."""
    scene = Scene(policy(10))
    earlier = scene.appointment(at(2026, 5, 4, 21, 59), scene.client("A"))
    first = scene.appointment(at(2026, 5, 4, 22, 0), scene.client("B"))
    last = scene.appointment(at(2026, 5, 4, 22, 59), scene.client("C"))
    later = scene.appointment(at(2026, 5, 4, 23, 0), scene.client("D"))

    runs = scene.run_hourly(at(2026, 5, 4, 10), at(2026, 5, 4, 14))

    noon = dict(runs)[at(2026, 5, 4, 12)]
    assert {a.id for m in noon.due for a in m.appointments} == {first.id, last.id}
    assert sent_at(runs, earlier.id, REMINDER) == [at(2026, 5, 4, 11)]
    assert sent_at(runs, later.id, REMINDER) == [at(2026, 5, 4, 13)]


def test_d5_24_hours_before_spring_forward_sunday_is_0900_saturday() -> None:
    """D5/DST: 24 elapsed hours before 10:00 on 29 March 2026 is 09:00 on Saturday."""
    scene = Scene(policy(24))
    a = scene.appointment(at(2026, 3, 29, 10), scene.client())
    runs = scene.run_hourly(at(2026, 3, 28, 6), at(2026, 3, 28, 13))
    assert sent_at(runs, a.id, REMINDER) == [at(2026, 3, 28, 9)]
    assert runs[3][1].due[0].due_at == at(2026, 3, 28, 9)


def test_d5_24_hours_before_fall_back_sunday_is_1100_saturday() -> None:
    """D5/DST: 24 elapsed hours before 10:00 on 25 October 2026 is 11:00 on Saturday."""
    scene = Scene(policy(24))
    a = scene.appointment(at(2026, 10, 25, 10), scene.client())
    runs = scene.run_hourly(at(2026, 10, 24, 6), at(2026, 10, 24, 14))
    assert sent_at(runs, a.id, REMINDER) == [at(2026, 10, 24, 11)]


def test_d5_a_missed_run_is_caught_up_by_the_next_one() -> None:
    """D5: no run at 12:00 — the 13:00 run still sends the reminder due at 12:00."""
    scene = Scene(policy(10))
    a = scene.appointment(at(2026, 5, 4, 22, 15), scene.client())
    assert scene.plan(at(2026, 5, 4, 13)).messages_for(a.id)


def test_d5_no_reminder_once_the_appointment_has_begun() -> None:
    scene = Scene(policy(10))
    a = scene.appointment(at(2026, 5, 4, 12, 0), scene.client())
    plan = scene.plan(at(2026, 5, 4, 12, 0))
    assert not plan.messages_for(a.id)


QUIET = DailyWindow(time(20), time(6))


def test_d6_h6_the_1900_run_covers_appointments_until_noon_next_day() -> None:
    """D6 source example: quiet 20:00–06:00, H = 6 → the 19:00 run covers until 12:00."""
    scene = Scene(policy(6, quiet=QUIET))
    early = scene.appointment(at(2026, 5, 5, 7), scene.client("A"))
    late = scene.appointment(at(2026, 5, 5, 11, 59), scene.client("B"))
    noon = scene.appointment(at(2026, 5, 5, 12), scene.client("C"))

    runs = scene.run_hourly(at(2026, 5, 4, 17), at(2026, 5, 5, 8))

    assert sent_at(runs, early.id, REMINDER) == [at(2026, 5, 4, 19)]
    assert sent_at(runs, late.id, REMINDER) == [at(2026, 5, 4, 19)]
    assert sent_at(runs, noon.id, REMINDER) == [at(2026, 5, 5, 6)]


def test_d6_h23_the_1900_run_covers_appointments_until_2000_next_day_and_the_night() -> None:
    """D6 source example: H = 23 → the 19:00 run covers until 20:00 next day, and (beyond
    the source) the appointments inside the next night too."""
    scene = Scene(policy(23, quiet=QUIET))
    evening = scene.appointment(at(2026, 5, 5, 19, 30), scene.client("A"))
    night = scene.appointment(at(2026, 5, 6, 2), scene.client("B"))
    morning = scene.appointment(at(2026, 5, 6, 5, 30), scene.client("C"))

    runs = scene.run_hourly(at(2026, 5, 4, 17), at(2026, 5, 5, 8))

    assert sent_at(runs, evening.id, REMINDER) == [at(2026, 5, 4, 19)]
    assert sent_at(runs, night.id, REMINDER) == [at(2026, 5, 4, 19)]
    assert sent_at(runs, morning.id, REMINDER) == [at(2026, 5, 5, 6)]


def test_d6_nothing_is_sent_inside_quiet_hours_and_the_reason_says_so() -> None:
    scene = Scene(policy(2, quiet=QUIET))
    booked_late = scene.appointment(at(2026, 5, 4, 23), scene.client())
    plan = scene.plan(at(2026, 5, 4, 21))
    assert plan.due == []
    assert [s.reason for s in plan.skips_for(booked_late.id)] == [SkipReason.QUIET_HOURS]


def test_d6_quiet_hours_keep_their_wall_clock_edges_across_dst() -> None:
    """D6/DST: on 29 March 2026 the quiet night is one hour shorter; 06:00 is still 06:00."""
    scene = Scene(policy(1, quiet=QUIET))
    a = scene.appointment(at(2026, 3, 29, 6, 30), scene.client())
    runs = scene.run_hourly(at(2026, 3, 28, 21), at(2026, 3, 29, 7))
    assert sent_at(runs, a.id, REMINDER) == [at(2026, 3, 29, 6)]
    assert all(not plan.due for now, plan in runs if now < at(2026, 3, 29, 6))


def test_d7_a_blackout_window_behaves_like_quiet_hours() -> None:
    """D7: the source's 23:00–04:00 maintenance window: nothing inside, the 22:00 run
    sends what falls due until 04:00."""
    scene = Scene(policy(2).with_changes(blackout_windows=("23:00-04:00",)))
    night = scene.appointment(at(2026, 5, 5, 3), scene.client("A"))
    dawn = scene.appointment(at(2026, 5, 5, 6, 30), scene.client("B"))
    runs = scene.run_hourly(at(2026, 5, 4, 20), at(2026, 5, 5, 6))
    assert sent_at(runs, night.id, REMINDER) == [at(2026, 5, 4, 22)]
    assert sent_at(runs, dawn.id, REMINDER) == [at(2026, 5, 5, 4)]
    assert all(not plan.due for now, plan in runs if at(2026, 5, 4, 23) <= now < at(2026, 5, 5, 4))
    blocked = scene.plan(at(2026, 5, 5, 0))
    assert blocked.due == []


def _manual(scene: Scene, client_id: str, when: object) -> None:
    scene.records.append(
        SentRecord("manual-1", MessageKind.MANUAL, client_id, (), when)  # type: ignore[arg-type]
    )


def test_d8_manual_message_at_noon_blocks_reminders_until_1800() -> None:
    """D8 source example: guard 6 h, manual message at 12:00 → no reminder until 18:00;
    an appointment before 18:00 gets none at all."""
    scene = Scene(policy(24, min_hours_between=6))
    client = scene.client()
    _manual(scene, client, at(2026, 5, 4, 12))
    today = scene.appointment(at(2026, 5, 4, 17, 30), client)
    tomorrow = scene.appointment(at(2026, 5, 5, 10), client)

    runs = scene.run_hourly(at(2026, 5, 4, 12), at(2026, 5, 4, 20))

    assert sent_at(runs, today.id, REMINDER) == []
    assert sent_at(runs, tomorrow.id, REMINDER) == [at(2026, 5, 4, 18)]
    noon = runs[0][1]
    reasons = {s.appointment_id: s for s in noon.skipped}
    assert reasons[today.id].reason is SkipReason.DOUBLE_MESSAGE_GUARD
    assert "before the 6 h guard ends" in reasons[today.id].detail
    assert "waits until" in reasons[tomorrow.id].detail


def test_d8_several_appointments_due_in_one_run_make_one_message() -> None:
    scene = Scene(policy(24, combine_per_date=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 5, 9), client)
    b = scene.appointment(at(2026, 5, 5, 18), client)
    plan = scene.plan(at(2026, 5, 5, 8))  # both overdue: caught up in one run
    assert len(plan.due) == 1
    assert {x.id for x in plan.due[0].appointments} == {a.id, b.id}


def test_d9_combine_lists_all_appointments_of_the_date_in_one_reminder() -> None:
    scene = Scene(policy(24, combine_per_date=True))
    client = scene.client()
    morning = scene.appointment(at(2026, 5, 5, 9), client)
    afternoon = scene.appointment(at(2026, 5, 5, 15), client)
    runs = scene.run_hourly(at(2026, 5, 4, 8), at(2026, 5, 4, 18))
    assert sent_at(runs, morning.id, REMINDER) == [at(2026, 5, 4, 9)]
    assert sent_at(runs, afternoon.id, REMINDER) == [at(2026, 5, 4, 9)]


def test_d9_without_combining_each_appointment_gets_its_own_reminder() -> None:
    scene = Scene(policy(24, combine_per_date=False, min_hours_between=6))
    client = scene.client()
    morning = scene.appointment(at(2026, 5, 5, 9), client)
    afternoon = scene.appointment(at(2026, 5, 5, 15), client)
    runs = scene.run_hourly(at(2026, 5, 4, 8), at(2026, 5, 4, 18))
    assert sent_at(runs, morning.id, REMINDER) == [at(2026, 5, 4, 9)]
    assert sent_at(runs, afternoon.id, REMINDER) == [at(2026, 5, 4, 15)]


def test_d9_a_significant_reschedule_resets_the_reminder() -> None:
    """D9/A6: a reminded appointment that moves (sequence + 1) is reminded again."""
    scene = Scene(policy(24))
    a = scene.appointment(at(2026, 5, 5, 9), scene.client())
    runs = scene.run_hourly(at(2026, 5, 4, 8), at(2026, 5, 4, 11))
    assert sent_at(runs, a.id, REMINDER) == [at(2026, 5, 4, 9)]
    moved = scene.replace(a, start=at(2026, 5, 6, 9), end=at(2026, 5, 6, 10), sequence=1)
    runs = scene.run_hourly(at(2026, 5, 4, 11), at(2026, 5, 5, 12))
    assert sent_at(runs, moved.id, REMINDER) == [at(2026, 5, 5, 9)]
    assert runs[-1][1].due == []
    assert scene.records[-1].appointments == (AppointmentRef(a.id, 1),)
