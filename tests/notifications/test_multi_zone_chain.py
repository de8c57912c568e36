"""§0 × A5, D5, D6, D10: one chain with a Berlin and a Lisbon branch. Every wall-clock rule
— reminders, quiet hours, confirmations' "from the next day" and quarter ends, slots — is
evaluated in each branch's own zone, also on the DST Sundays (29 March / 25 October 2026;
both zones switch at 01:00 UTC, at different local hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.notifications.planner import SkipReason
from lemnicore.notifications.policy import MessageKind, NotificationPolicy, ReminderSettings
from lemnicore.notifications.windows import DailyWindow
from lemnicore.scheduling.practice import Branch
from lemnicore.testing import Practice
from lemnicore.timekeeping import local_datetime, zone

from .scene import Scene

BERLIN = zone("Europe/Berlin")
LISBON = zone("Europe/Lisbon")
REMINDER = MessageKind.REMINDER
CONFIRMATION = MessageKind.CONFIRMATION
ALL_DAYS = frozenset(range(7))


def local(tz: ZoneInfo, y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return local_datetime(date(y, m, d), time(h, mi), tz)


def chain(policy: NotificationPolicy) -> Scene:
    """room-1 in Hamburg (Europe/Berlin), room-3 in Lisbon (Europe/Lisbon)."""
    scene = Scene(policy)
    scene.branches = {
        "room-1": Branch("b-1", "org-1", "HH1", "Hamburg", "Europe/Berlin"),
        "room-3": Branch("b-3", "org-1", "LIS1", "Lisboa", "Europe/Lisbon"),
    }
    return scene


def hourly(scene: Scene, start: datetime, end: datetime) -> list[tuple[datetime, list[str]]]:
    """Runs on the full UTC hour; for each, the appointment ids of the reminders sent."""
    runs = []
    now = start.astimezone(UTC)
    while now < end:
        plan = scene.plan(now)
        scene.record(plan)
        runs.append((now, [a.id for m in plan.due if m.kind is REMINDER for a in m.appointments]))
        now += timedelta(hours=1)
    return runs


def reminded_at(runs: list[tuple[datetime, list[str]]], appointment_id: str) -> list[datetime]:
    return [now for now, ids in runs if appointment_id in ids]


@pytest.mark.parametrize(
    ("day", "berlin_sent", "lisbon_sent"),
    [
        # Spring forward: 24 elapsed hours before 10:00 on Sunday is 09:00 local on Saturday.
        (date(2026, 3, 29), (2026, 3, 28, 9), (2026, 3, 28, 9)),
        # Fall back: it is 11:00 local on Saturday.
        (date(2026, 10, 25), (2026, 10, 24, 11), (2026, 10, 24, 11)),
    ],
)
def test_d5_reminders_24_hours_before_1000_local_on_the_dst_sundays_in_each_zone(
    day: date, berlin_sent: tuple[int, ...], lisbon_sent: tuple[int, ...]
) -> None:
    scene = chain(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    client = scene.client()
    hamburg = scene.appointment(local(BERLIN, day.year, day.month, day.day, 10), client)
    lisboa = scene.appointment(
        local(LISBON, day.year, day.month, day.day, 10), scene.client("Silva"), room_id="room-3"
    )
    runs = hourly(
        scene,
        local(BERLIN, day.year, day.month, day.day - 1, 5),
        local(BERLIN, day.year, day.month, day.day),
    )
    assert reminded_at(runs, hamburg.id) == [local(BERLIN, *berlin_sent)]
    assert reminded_at(runs, lisboa.id) == [local(LISBON, *lisbon_sent)]
    # The same local hour is a different instant: Lisbon is an hour behind Berlin.
    assert local(LISBON, *lisbon_sent) - local(BERLIN, *berlin_sent) == timedelta(hours=1)


def test_d6_quiet_hours_and_the_evening_before_in_each_branch_zone() -> None:
    """Quiet hours 20:00–06:00, H = 6: each branch's 11:00 appointments are reminded at
    19:00 *local* the evening before, and nothing leaves inside its own quiet hours —
    19:00 UTC in May is 21:00 in Berlin (quiet) but 20:00 in Lisbon (quiet too); 18:00
    UTC is 20:00 in Berlin (quiet) and 19:00 in Lisbon (allowed)."""
    scene = chain(
        NotificationPolicy(
            reminder=ReminderSettings(hours_before=6),
            quiet_hours=DailyWindow(time(20), time(6)),
        ).with_changes(confirmation__enabled=False)
    )
    hamburg = scene.appointment(local(BERLIN, 2026, 5, 5, 11), scene.client("Meier"))
    lisboa = scene.appointment(
        local(LISBON, 2026, 5, 5, 11), scene.client("Silva"), room_id="room-3"
    )
    runs = hourly(scene, local(BERLIN, 2026, 5, 4, 12), local(BERLIN, 2026, 5, 5, 12))
    assert reminded_at(runs, hamburg.id) == [local(BERLIN, 2026, 5, 4, 19)]
    assert reminded_at(runs, lisboa.id) == [local(LISBON, 2026, 5, 4, 19)]
    at_1800_utc = scene.plan(datetime(2026, 5, 4, 18, tzinfo=UTC), verbose=True)
    assert SkipReason.QUIET_HOURS not in {s.reason for s in at_1800_utc.skips_for(lisboa.id)}


def test_d10_today_and_the_next_day_in_each_branch_zone() -> None:
    """At 22:30 UTC on 4 May it is already 5 May in Berlin but still 4 May in Lisbon: a
    Berlin appointment on 5 May is today's (not confirmed), a Lisbon one is tomorrow's."""
    scene = chain(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    hamburg = scene.appointment(local(BERLIN, 2026, 5, 5, 10), scene.client("Meier"))
    lisboa = scene.appointment(
        local(LISBON, 2026, 5, 5, 10), scene.client("Silva"), room_id="room-3"
    )
    plan = scene.plan(datetime(2026, 5, 4, 22, 30, tzinfo=UTC), verbose=True)
    assert plan.messages_for(lisboa.id)
    assert not plan.messages_for(hamburg.id)
    assert [s.reason for s in plan.skips_for(hamburg.id) if s.kind is CONFIRMATION] == [
        SkipReason.TODAY
    ]


def test_d10_quarter_ends_in_each_branch_zone() -> None:
    """At 22:30 UTC on 31 March it is 1 April (second quarter) in Berlin but still 31 March
    (first quarter) in Lisbon: Berlin confirms until 30 September, Lisbon until 30 June."""
    scene = chain(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    hamburg = scene.appointment(local(BERLIN, 2026, 7, 15, 10), scene.client("Meier"))
    lisboa = scene.appointment(
        local(LISBON, 2026, 7, 15, 10), scene.client("Silva"), room_id="room-3"
    )
    lisboa_june = scene.appointment(
        local(LISBON, 2026, 6, 30, 18), scene.client("Costa"), room_id="room-3"
    )
    plan = scene.plan(datetime(2026, 3, 31, 22, 30, tzinfo=UTC), verbose=True)
    assert plan.messages_for(hamburg.id)
    assert plan.messages_for(lisboa_june.id)
    assert not plan.messages_for(lisboa.id)
    assert [s.reason for s in plan.skips_for(lisboa.id) if s.kind is CONFIRMATION] == [
        SkipReason.NOT_YET_DUE
    ]


@pytest.mark.parametrize(
    ("day", "real_hours"),
    [(date(2026, 5, 4), 3), (date(2026, 3, 29), 2), (date(2026, 10, 25), 4)],
)
def test_a5_slots_in_each_branch_zone_also_on_the_dst_sundays(day: date, real_hours: int) -> None:
    """Working time 00:00–03:00 local every day in both branches: on an ordinary day three
    hours of 30-minute slots at local wall-clock times; on the spring Sunday two real hours
    (Lisbon skips 01:00–02:00, Berlin 02:00–03:00), on the autumn Sunday four."""
    practice = Practice(now=datetime(2026, 3, 1, 12, tzinfo=UTC))
    lisbon_branch = practice.add_branch("LIS1", "Lisboa", time_zone="Europe/Lisbon")
    hamburg_room = practice.add_room("Raum 1")
    lisbon_room = practice.add_room("Sala 1", branch_id=lisbon_branch)
    for room in (hamburg_room, lisbon_room):
        practice.add_working_time(room, ALL_DAYS, time(0), time(3))
    for room, tz in ((hamburg_room, BERLIN), (lisbon_room, LISBON)):
        start = local(tz, day.year, day.month, day.day)
        slots = practice.book.free_slots(SYSTEM_ACTOR, room, start, start + timedelta(days=1))
        assert len(slots) == 2 * real_hours
        assert slots[0].start == start  # 00:00 local in the branch's own zone
        assert slots[-1].end == local(tz, day.year, day.month, day.day, 3)
        assert all(s.start.tzinfo == tz for s in slots)
