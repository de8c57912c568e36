"""``lemnicore demo`` (G4): a sample practice in an SQLite file, reused on every re-run."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lemnicore import AppointmentBook, AppointmentStatus, SqliteStore
from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.cli import main
from lemnicore.cli.demo import StoppedClock
from lemnicore.cli.sample_practice import ROOMS, demo_days, plan_days
from lemnicore.timekeeping import local_datetime, zone

if TYPE_CHECKING:
    from conftest import DemoRun  # tests/cli/conftest.py

BERLIN = zone("Europe/Berlin")
WEDNESDAY = "2026-05-06T10:15"  # the DEMO_NOW of conftest.py
NOW = datetime(2026, 5, 6, 10, 15, tzinfo=BERLIN)


def run_demo(
    db: Path, capsys: pytest.CaptureFixture[str], now: str = WEDNESDAY
) -> tuple[int, str, str]:
    code = main(["demo", "--store", f"sqlite:///{db}", "--now", now])
    out, err = capsys.readouterr()
    return code, out, err


def counts(db: Path) -> tuple[int, int, int]:
    store = SqliteStore(db)
    try:
        with store.unit_of_work(write=False) as uow:
            return uow.clients.count(), uow.appointments.count(), len(uow.audit.query())
    finally:
        store.close()


def test_g4_demo_creates_a_practice_and_a_rerun_adds_nothing(
    first_demo_run: DemoRun, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """G4: the second run reuses the file: same clients, appointments, audit log, output."""
    assert first_demo_run.code == 0
    assert "added" in first_demo_run.err
    clients, appointments, audit = counts(demo_db)
    assert clients == 30
    # Every planned appointment of the demo's days is in the file, no more, no less.
    assert appointments == len(plan_days(demo_days(NOW)))

    code, second_out, second_err = run_demo(demo_db, capsys)
    assert code == 0
    assert "nothing to add" in second_err
    assert counts(demo_db) == (clients, appointments, audit)
    # The copy lives at another path; apart from the store URL the output is the same.
    assert second_out.replace(str(demo_db), str(first_demo_run.db)) == first_demo_run.out


def test_a1_a7_demo_practice_has_branch_rooms_and_a_community_sharing_them(
    demo_db: Path,
) -> None:
    """A1/A7: branch HH1 in Europe/Berlin, three rooms, two practitioners sharing them."""
    store = SqliteStore(demo_db)
    with store.unit_of_work(write=False) as uow:
        (branch,) = uow.branches.all()
        assert (branch.code, branch.time_zone) == ("HH1", "Europe/Berlin")
        assert len(uow.rooms.all()) == 3
        assert len(uow.practitioners.all()) == 2
        (community,) = uow.communities.all()
        assert community.calendar_ids == {c.id for c in uow.calendars.all()}
        assert community.room_ids == {r.id for r in uow.rooms.all()}
        appointments = [
            a for r in uow.rooms.all() for a in uow.appointments.in_room(
                r.id, NOW - timedelta(days=30), NOW + timedelta(days=40), active_only=False
            )
        ]  # fmt: skip
    store.close()
    # Both practitioners book into every shared room.
    for room in ROOMS:
        in_room = {a.calendar_id for a in appointments if a.room_id == room.id}
        assert len(in_room) == 2, room.id
    # A3: what has ended has an outcome; what lies ahead is booked or cancelled.
    ended = {a.status for a in appointments if a.end <= NOW}
    ahead = {a.status for a in appointments if a.start >= NOW}
    assert AppointmentStatus.BOOKED not in ended
    assert ended <= {
        AppointmentStatus.COMPLETED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
    }
    assert ahead == {AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED}


def test_a4_demo_plan_never_double_books_a_room_or_a_practitioner() -> None:
    """A4: within the plan, no room and no practitioner has two overlapping appointments."""
    plan = plan_days(demo_days(NOW))
    for key in ("room_id", "practitioner_id"):
        by_owner: dict[str, list[tuple[datetime, datetime]]] = {}
        for p in plan:
            by_owner.setdefault(getattr(p, key), []).append((p.start, p.end))
        for spans in by_owner.values():
            spans.sort()
            assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))
    assert len({p.id for p in plan}) == len(plan)


def test_g4_demo_plan_of_a_day_does_not_depend_on_the_range_it_is_planned_in() -> None:
    """The idempotence rests on this: a day's appointments are a function of the date."""
    day = date(2026, 5, 7)
    alone = plan_days([day])
    within = [p for p in plan_days(demo_days(NOW)) if p.start.date() == day]
    assert alone == within
    assert alone


def test_g4_demo_output_lists_the_free_slots_the_appointment_book_reports(
    first_demo_run: DemoRun, demo_db: Path
) -> None:
    """A5: the printed ranges are exactly the free slots, from now to the seventh day."""
    out = first_demo_run.out
    store = SqliteStore(demo_db)
    book = AppointmentBook(store, StoppedClock(NOW))
    thursday = date(2026, 5, 7)
    free = book.free_slots(
        SYSTEM_ACTOR,
        "demo-room-1",
        local_datetime(thursday, time(0), BERLIN),
        local_datetime(thursday + timedelta(days=1), time(0), BERLIN),
    )
    store.close()
    block = out.split("Treatment room 1 (demo-room-1)")[1].split("\n\n")[0]
    line = next(x for x in block.splitlines() if "Thu 07.05." in x)
    assert int(line.split()[2]) == len(free)
    starts = {s.start.strftime("%H:%M") for s in free}
    ranges = re.findall(r"(\d\d):(\d\d)–(\d\d):(\d\d)", line)
    minutes = sum((int(h2) - int(h1)) * 60 + int(m2) - int(m1) for h1, m1, h2, m2 in ranges)
    assert minutes == 30 * len(free)
    assert all(f"{h1}:{m1}" in starts for h1, m1, _, _ in ranges)
    assert "Sat 09.05.    0  closed" in block
    # Nothing before now is offered: today's list starts after 10:15.
    today = next(x for x in block.splitlines() if "Wed 06.05." in x)
    assert all(t > "10:15" for t in re.findall(r"(\d\d:\d\d)–", today))


def test_a5_demo_exercise_room_is_closed_on_a_hamburg_public_holiday(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A5: Ascension Day (Thu 14 May 2026) closes the room with holiday_region DE-HH."""
    _, out, _ = run_demo(tmp_path / "demo.db", capsys, now="2026-05-11T08:00")
    exercise = out.split("Exercise room (demo-room-3)")[1]
    assert "Thu 14.05.    0  closed" in exercise
    treatment = out.split("Treatment room 1 (demo-room-1)")[1].split("\n\n")[0]
    assert "Thu 14.05.    0  closed" not in treatment


def test_a5_demo_across_the_spring_dst_change_keeps_wall_clock_hours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A5/DST: in the week of 29 March 2026 every appointment keeps its local hours."""
    db = tmp_path / "demo.db"
    code, out, _ = run_demo(db, capsys, now="2026-03-27T12:00")
    assert code == 0
    assert "Sun 29.03.    0  closed" in out
    store = SqliteStore(db)
    with store.unit_of_work(write=False) as uow:
        around = [
            a
            for r in ROOMS
            for a in uow.appointments.in_room(
                r.id,
                datetime(2026, 3, 23, tzinfo=UTC),
                datetime(2026, 4, 4, tzinfo=UTC),
                active_only=False,
            )
        ]
    store.close()
    local_starts = {a.start.astimezone(BERLIN).time() for a in around}
    assert min(local_starts) >= time(8)
    assert max(a.end.astimezone(BERLIN).time() for a in around) <= time(17)
    assert all(t.minute in (0, 30) for t in local_starts)
    assert any(a.start.astimezone(BERLIN).date() == date(2026, 3, 30) for a in around)


def test_g4_demo_in_a_later_week_tops_up_only_the_new_weeks(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run two weeks later adds the weeks that are new, and its re-run adds nothing."""
    db = demo_db
    before = counts(db)[1]
    run_demo(db, capsys, now="2026-05-20T10:15")
    later = counts(db)
    planned = {p.id for p in plan_days(demo_days(NOW))}
    planned |= {p.id for p in plan_days(demo_days(datetime(2026, 5, 20, 10, 15, tzinfo=BERLIN)))}
    assert before < later[1] == len(planned)
    run_demo(db, capsys, now="2026-05-20T10:15")
    assert counts(db) == later


def test_f1_demo_runs_on_any_store_the_plugins_open(capsys: pytest.CaptureFixture[str]) -> None:
    """F1: the demo only uses the storage port, so ``memory://`` works as well."""
    assert main(["demo", "--store", "memory://", "--now", WEDNESDAY]) == 0
    assert "Exercise room (demo-room-3)" in capsys.readouterr().out


def test_g4_demo_points_at_the_first_week_it_did_not_show(
    first_demo_run: DemoRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """From Wednesday 6 May the table ends Tuesday 12 May: the hint names Monday 18 May;
    from Sunday 22 Nov it ends Saturday 28 Nov: the hint names Monday 30 Nov."""
    assert first_demo_run.out.rstrip().endswith("--room demo-room-1 --week 2026-05-18")
    _, out, _ = run_demo(tmp_path / "demo.db", capsys, now="2026-11-22T12:00")
    assert out.rstrip().endswith("--room demo-room-1 --week 2026-11-30")


def test_d1_d12_demo_ends_with_a_dry_run_of_the_hourly_notification_service(
    first_demo_run: DemoRun, demo_db: Path
) -> None:
    """Issue 3: the demo shows what the hourly service would send at ``--now`` and why it
    skips the rest; the dry run sends nothing and leaves no outbox row behind (D15)."""
    from lemnicore import NotificationService

    store = SqliteStore(demo_db)
    try:
        plan = NotificationService(store, StoppedClock(NOW)).plan(NOW)
        with store.unit_of_work(write=False) as uow:
            outbox = uow.notification_log.for_appointments(
                [a.id for a in uow.appointments.starting_between(NOW, NOW + timedelta(days=90))]
            )
    finally:
        store.close()
    assert plan.due, "the demo practice has clients with consent and e-mail: something is due"
    assert outbox == []
    section = first_demo_run.out.split("Notifications due at Wed 06.05.2026 10:15")[1]
    kinds: dict[str, int] = {}
    for m in plan.due:
        what = f"{m.kind.value} by {m.channel.value}"
        kinds[what] = kinds.get(what, 0) + 1
    summary = ", ".join(f"{n} {what}" for what, n in sorted(kinds.items()))
    assert f"(dry run, nothing sent):\n  {summary}\n" in section
    assert f"  e.g. {plan.due[0].kind.value} to {plan.due[0].address} listing" in section
    assert "lemnicore notify why " in section
