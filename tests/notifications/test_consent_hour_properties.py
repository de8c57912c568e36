"""D4 as a property: whatever the policy (quiet hours, blackout windows, guard, combining,
H, run interval, missed runs), no message of any kind leaves before T + 1 h after consent
is switched on or contact data added at T, and no reminder due before T + 1 h is sent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lemnicore.notifications.planner import CHANGE_GRACE
from lemnicore.notifications.policy import MessageKind, NotificationPolicy, ReminderSettings
from lemnicore.notifications.sentlog import SentRecord
from lemnicore.notifications.windows import DailyWindow

from .scene import Scene

# A Friday in spring; the scene spans the DST Sunday 29 March 2026.
BASE = datetime(2026, 3, 27, 4, 0, tzinfo=UTC)

hours = st.integers(0, 23)


@st.composite
def windows(draw: st.DrawFn) -> DailyWindow | None:
    if draw(st.booleans()):
        return None
    start, end = draw(hours), draw(hours)
    if start == end:
        end = (end + 1) % 24
    return DailyWindow(time(start), time(end))


@st.composite
def policies(draw: st.DrawFn) -> NotificationPolicy:
    blackout = draw(windows())
    return NotificationPolicy(
        reminder=ReminderSettings(
            hours_before=draw(st.integers(1, 72)),
            min_hours_between=draw(st.integers(1, 99)),
            combine_per_date=draw(st.booleans()),
        ),
        quiet_hours=draw(windows()),
        blackout_windows=() if blackout is None else (blackout,),
        run_interval=timedelta(minutes=draw(st.sampled_from([15, 30, 60, 120]))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policy=policies(),
    change_minutes=st.integers(0, 48 * 60),
    change_is_consent=st.booleans(),
    starts=st.lists(st.integers(0, 96 * 4), min_size=1, max_size=5),
    earlier_message=st.one_of(st.none(), st.integers(-48 * 60, 24 * 60)),
    skip_runs=st.sets(st.integers(0, 60), max_size=10),
)
def test_d4_no_message_leaves_before_t_plus_one_hour_whatever_the_policy(
    policy: NotificationPolicy,
    change_minutes: int,
    change_is_consent: bool,
    starts: list[int],
    earlier_message: int | None,
    skip_runs: set[int],
) -> None:
    scene = Scene(policy)
    t = BASE + timedelta(minutes=change_minutes)
    changed = {"consent_changed_at": t} if change_is_consent else {"contact_changed_at": t}
    client = scene.client(**changed)
    for quarter_hours in starts:
        scene.appointment(BASE + timedelta(minutes=15 * quarter_hours), client)
    if earlier_message is not None:
        # A manual message (D8) at some time before or after the change.
        scene.records.append(
            SentRecord(
                "manual-1",
                MessageKind.MANUAL,
                client,
                (),
                BASE + timedelta(minutes=earlier_message),
            )
        )
    settled = t + CHANGE_GRACE
    now = BASE
    step = policy.run_interval
    run = 0
    while now < BASE + timedelta(days=4):
        if run not in skip_runs:
            plan = scene.plan(now)
            for message in plan.due:
                assert now >= settled, f"{message.kind} left at {now}, before T + 1 h = {settled}"
                if message.kind is MessageKind.REMINDER:
                    assert message.due_at >= settled
                    for a in message.appointments:
                        assert a.start - timedelta(hours=policy.reminder.hours_before) >= settled
            scene.record(plan)
        now += step
        run += 1
