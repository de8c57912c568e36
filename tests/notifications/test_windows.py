"""D6/D7: the edges of quiet hours and blackout windows, in the practice's words."""

from __future__ import annotations

from datetime import UTC, time, timedelta

import pytest

from lemnicore.errors import ValidationError
from lemnicore.notifications.policy import NotificationPolicy, ReminderSettings
from lemnicore.notifications.windows import (
    PRE_QUIET_LEAD,
    DailyWindow,
    quiet_window_at,
    reminder_horizon,
)
from lemnicore.timekeeping import to_utc

from .scene import BERLIN, Scene, at

NIGHT = DailyWindow(time(20), time(6))
HOUR = timedelta(hours=1)


def test_d6_the_lead_before_quiet_hours_is_exactly_90_minutes() -> None:
    assert timedelta(minutes=90) == PRE_QUIET_LEAD


def test_d6_a_run_at_1830_sends_the_nights_reminders_one_at_1829_does_not() -> None:
    """D6: [qs − 90 min, qs): the run at 18:30 reaches to 06:00; the run at 18:29 is a normal
    run reaching one hour ahead."""
    at_1830 = reminder_horizon(at(2026, 5, 4, 18, 30), HOUR, NIGHT, (), BERLIN)
    at_1829 = reminder_horizon(at(2026, 5, 4, 18, 29), HOUR, NIGHT, (), BERLIN)
    assert at_1830 == at(2026, 5, 5, 6)
    assert at_1829 == at(2026, 5, 4, 19, 29)


def test_d6_a_run_exactly_at_the_start_of_quiet_hours_is_inside_them_not_before() -> None:
    """D6: at 20:00 the window has begun: no lead, and the run sends nothing."""
    assert NIGHT.upcoming_end(at(2026, 5, 4, 20), BERLIN) is None
    assert NIGHT.upcoming_end(at(2026, 5, 4, 19, 59), BERLIN) == at(2026, 5, 5, 6)
    assert reminder_horizon(at(2026, 5, 4, 20), HOUR, NIGHT, (), BERLIN) == at(2026, 5, 4, 21)
    assert quiet_window_at(at(2026, 5, 4, 20), NIGHT, (), BERLIN) == ("quiet", NIGHT)
    assert quiet_window_at(at(2026, 5, 4, 19, 59), NIGHT, (), BERLIN) is None


def test_d6_quiet_hours_end_at_0600_sharp_and_cover_the_small_hours() -> None:
    assert quiet_window_at(at(2026, 5, 5, 5, 59), NIGHT, (), BERLIN) == ("quiet", NIGHT)
    assert quiet_window_at(at(2026, 5, 5, 3), NIGHT, (), BERLIN) == ("quiet", NIGHT)
    assert quiet_window_at(at(2026, 5, 5, 6), NIGHT, (), BERLIN) is None
    assert NIGHT.contains(at(2026, 5, 4, 23), BERLIN)


def test_d7_a_daytime_blackout_does_not_wrap_and_ends_sharp() -> None:
    lunch = DailyWindow(time(13), time(14))
    assert not lunch.wraps_midnight
    assert NIGHT.wraps_midnight
    assert quiet_window_at(at(2026, 5, 4, 13, 30), None, (lunch,), BERLIN) == ("blackout", lunch)
    assert quiet_window_at(at(2026, 5, 4, 14), None, (lunch,), BERLIN) is None
    assert quiet_window_at(at(2026, 5, 4, 12, 59), None, (lunch,), BERLIN) is None
    # The 90 minutes before a blackout reach to its end too (D7 behaves like D6).
    assert reminder_horizon(at(2026, 5, 4, 12), HOUR, None, (lunch,), BERLIN) == at(2026, 5, 4, 14)


def test_d6_d7_the_longer_reach_wins_when_quiet_hours_and_a_blackout_both_lie_ahead() -> None:
    """A run at 19:00 before quiet hours 20:00–06:00 and a blackout 20:30–07:00: the
    horizon is 07:00, the later end; the order of the windows does not matter."""
    late = DailyWindow(time(20, 30), time(7))
    horizon = reminder_horizon(at(2026, 5, 4, 19), HOUR, NIGHT, (late,), BERLIN)
    assert horizon == at(2026, 5, 5, 7)
    early = DailyWindow(time(19, 30), time(5))
    horizon = reminder_horizon(at(2026, 5, 4, 19), HOUR, NIGHT, (early,), BERLIN)
    assert horizon == at(2026, 5, 5, 6)


def test_d6_a_run_interval_reaching_past_the_window_end_is_kept() -> None:
    """With a 12-hour interval the normal reach (07:00) lies beyond the window end (06:00)."""
    horizon = reminder_horizon(at(2026, 5, 4, 19), timedelta(hours=12), NIGHT, (), BERLIN)
    assert horizon == at(2026, 5, 5, 7)


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(20, tzinfo=UTC), time(6)), (time(20), time(6, tzinfo=UTC))],
)
def test_d6_window_edges_with_a_zone_are_refused_whichever_edge(start: time, end: time) -> None:
    with pytest.raises(ValidationError, match="local wall-clock"):
        DailyWindow(start, end)


def test_d6_an_empty_window_is_refused() -> None:
    with pytest.raises(ValidationError, match="same time"):
        DailyWindow(time(20), time(20))


def test_d6_the_night_before_the_dst_switch_keeps_its_wall_clock_edges() -> None:
    """29 March 2026: quiet hours from Saturday 20:00 to Sunday 06:00 CEST — nine real
    hours; the lead starts at 18:30 CET."""
    saturday = at(2026, 3, 28, 18, 30)
    assert reminder_horizon(saturday, HOUR, NIGHT, (), BERLIN) == at(2026, 3, 29, 6)
    assert to_utc(at(2026, 3, 29, 6)) - to_utc(at(2026, 3, 28, 20)) == timedelta(hours=9)
    assert quiet_window_at(at(2026, 3, 29, 5, 59), NIGHT, (), BERLIN) is not None
    assert quiet_window_at(at(2026, 3, 29, 6), NIGHT, (), BERLIN) is None


def test_d6_a_reminder_due_in_the_night_is_sent_by_the_1830_run() -> None:
    """In domain words: H = 6, quiet 20:00–06:00, runs every 30 minutes; the appointment at
    09:30 is due at 03:30 and goes out at 18:30 the evening before — not at 18:00."""
    scene = Scene(
        NotificationPolicy(
            reminder=ReminderSettings(hours_before=6),
            quiet_hours=NIGHT,
            run_interval=timedelta(minutes=30),
        ).with_changes(confirmation__enabled=False)
    )
    a = scene.appointment(at(2026, 5, 5, 9, 30), scene.client())
    assert scene.plan(at(2026, 5, 4, 18)).due == []
    assert scene.plan(at(2026, 5, 4, 18, 30)).messages_for(a.id)


def test_d7_a_blackout_starting_after_midnight_is_led_into_from_the_evening_before() -> None:
    """A blackout 00:30–04:00: the 23:30 run lies in its 90-minute lead (tomorrow's
    occurrence) and reaches to 04:00; at 00:45 the run is inside it."""
    small_hours = DailyWindow(time(0, 30), time(4))
    assert reminder_horizon(at(2026, 5, 4, 23, 30), HOUR, None, (small_hours,), BERLIN) == at(
        2026, 5, 5, 4
    )
    assert quiet_window_at(at(2026, 5, 5, 0, 45), None, (small_hours,), BERLIN) is not None
