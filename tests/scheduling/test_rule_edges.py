"""A4/A5: the edges of working times, intervals and slots, in the practice's words."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from lemnicore.errors import ValidationError
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.intervals import Interval, merge, subtract
from lemnicore.scheduling.slots import Slot, free_slots, slot_grid
from lemnicore.timekeeping import local_datetime, zone

BERLIN = zone("Europe/Berlin")
MON_FRI = frozenset(range(5))
MONDAY = date(2026, 5, 4)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return local_datetime(day, time(hour, minute), BERLIN)


def hours(start: int, end: int, **more: object) -> Availability:
    return Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(start), time(end), **more),),  # type: ignore[arg-type]
        time_zone="Europe/Berlin",
    )


def times(slots: list) -> list[str]:  # type: ignore[type-arg]
    return [f"{s.start:%H:%M}" for s in slots]


# -- working times (A5) -------------------------------------------------------------------


def test_a5_a_working_time_that_ends_when_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="must end after it starts"):
        WorkingTime(MON_FRI, time(9), time(9))


def test_a5_a_working_time_valid_for_a_single_day_is_allowed_and_used() -> None:
    one_day = hours(9, 10, valid_from=MONDAY, valid_until=MONDAY)
    week = slot_grid(one_day, (), at(0), at(0, day=MONDAY + timedelta(days=7)))
    assert [f"{s.start:%a %H:%M}" for s in week] == ["Mon 09:00", "Mon 09:30"]
    with pytest.raises(ValidationError, match="before valid_from"):
        WorkingTime(MON_FRI, time(9), time(10), valid_from=MONDAY, valid_until=date(2026, 5, 3))


def test_a5_valid_until_is_inclusive_and_valid_from_is_where_it_begins() -> None:
    """Valid from Wednesday to Friday of one week: Monday, Tuesday and the next Monday have none."""
    wt = WorkingTime(
        MON_FRI, time(9), time(10), valid_from=date(2026, 5, 6), valid_until=date(2026, 5, 8)
    )
    assert list(wt.days_between(MONDAY, date(2026, 5, 11))) == [
        date(2026, 5, 6),
        date(2026, 5, 7),
        date(2026, 5, 8),
    ]


def test_a5_days_between_names_only_days_within_the_range() -> None:
    wt = WorkingTime(MON_FRI, time(9), time(10))
    assert list(wt.days_between(date(2026, 5, 7), date(2026, 5, 11))) == [
        date(2026, 5, 7),
        date(2026, 5, 8),
        date(2026, 5, 11),
    ]


def test_a5_the_recurrence_never_starts_before_valid_from() -> None:
    wt = WorkingTime(MON_FRI, time(9), time(10), valid_from=date(2026, 5, 6))
    first = wt.rule(date(2026, 1, 1))[0]
    assert first.date() == date(2026, 5, 6)
    assert wt.rule()[0].date() == date(2026, 5, 6)
    assert wt.rule(date(2026, 5, 8))[0].date() == date(2026, 5, 8)


def test_a5_the_default_slot_length_is_30_minutes() -> None:
    default = Availability("av-1", "room-1", (WorkingTime(MON_FRI, time(9), time(10)),))
    assert default.slot_length == timedelta(minutes=30)
    assert times(free_slots(default, (), at(0), at(23))) == ["09:00", "09:30"]


def test_a5_a_window_is_found_from_a_query_given_in_another_zone() -> None:
    """A query from 23:00 UTC Sunday (= 01:00 Monday Berlin) finds Monday's hours."""
    utc = zone("UTC")
    start = datetime(2026, 5, 3, 23, tzinfo=utc)
    assert times(free_slots(hours(9, 10), (), start, start + timedelta(hours=12))) == [
        "09:00",
        "09:30",
    ]


def test_a5_overlapping_working_times_make_one_grid_touching_ones_two() -> None:
    overlapping = Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(8), time(9)), WorkingTime(MON_FRI, time(8, 30), time(9, 45))),
        slot_length=timedelta(minutes=30),
        time_zone="Europe/Berlin",
    )
    assert times(free_slots(overlapping, (), at(0), at(23))) == ["08:00", "08:30", "09:00"]
    contained = Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(8), time(10)), WorkingTime(MON_FRI, time(8, 30), time(9))),
        time_zone="Europe/Berlin",
    )
    assert times(free_slots(contained, (), at(0), at(23))) == ["08:00", "08:30", "09:00", "09:30"]
    touching = Availability(
        "av-1",
        "room-1",
        (
            WorkingTime(MON_FRI, time(8), time(8, 45)),
            WorkingTime(MON_FRI, time(8, 45), time(9, 45)),
        ),
        time_zone="Europe/Berlin",
    )
    assert times(free_slots(touching, (), at(0), at(23))) == ["08:00", "08:45", "09:15"]


def test_a5_closed_days_and_holidays_have_no_slots() -> None:
    closed = hours(9, 10)
    closed = Availability(
        "av-1", "room-1", closed.working_times, time_zone="Europe/Berlin", closed_days=[MONDAY]
    )
    assert free_slots(closed, (), at(0), at(23)) == []
    whit_monday = date(2026, 5, 25)
    holiday = Availability(
        "av-1", "room-1", closed.working_times, time_zone="Europe/Berlin", holiday_region="DE-HH"
    )
    assert free_slots(holiday, (), at(0, day=whit_monday), at(23, day=whit_monday)) == []
    assert free_slots(holiday, (), at(0), at(23)) != []


# -- intervals (A4) -----------------------------------------------------------------------


def test_a4_an_interval_must_end_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="must be after start"):
        Interval(at(10), at(10))
    assert Interval(at(10), at(10, 1)).duration == timedelta(minutes=1)


def test_a4_touching_appointments_merge_into_one_busy_stretch() -> None:
    assert merge([Interval(at(10), at(11)), Interval(at(9), at(10))]) == [Interval(at(9), at(11))]
    assert merge([Interval(at(9), at(12)), Interval(at(10), at(11))]) == [Interval(at(9), at(12))]
    assert merge([Interval(at(9), at(10)), Interval(at(10, 1), at(11))]) == [
        Interval(at(9), at(10)),
        Interval(at(10, 1), at(11)),
    ]


def test_a4_subtracting_a_hole_at_either_edge_leaves_no_empty_piece() -> None:
    base = Interval(at(9), at(12))
    assert subtract(base, [Interval(at(9), at(10))]) == [Interval(at(10), at(12))]
    assert subtract(base, [Interval(at(11), at(12))]) == [Interval(at(9), at(11))]
    assert subtract(base, [Interval(at(8), at(13))]) == []
    assert subtract(base, [Interval(at(12), at(13))]) == [base]  # touching is not covering
    assert subtract(base, [Interval(at(10), at(10, 30)), Interval(at(10, 30), at(11))]) == [
        Interval(at(9), at(10)),
        Interval(at(11), at(12)),
    ]


def test_a4_overlap_and_containment_are_half_open() -> None:
    nine_ten = Interval(at(9), at(10))
    assert not nine_ten.overlaps(Interval(at(10), at(11)))
    assert not Interval(at(10), at(11)).overlaps(nine_ten)
    assert nine_ten.overlaps(Interval(at(9, 59), at(11)))
    assert Interval(at(9), at(12)).contains(nine_ten)
    assert Interval(at(9), at(12)).contains(Interval(at(11), at(12)))
    assert not nine_ten.contains(Interval(at(9), at(10, 1)))
    assert not nine_ten.contains(Interval(at(8, 59), at(10)))


# -- slots (A5, C2) -----------------------------------------------------------------------


def test_a5_a_slot_starting_exactly_at_the_query_start_is_offered() -> None:
    assert times(free_slots(hours(8, 12), (), at(9), at(10))) == ["09:00", "09:30"]


def test_a5_a_slot_ending_exactly_at_the_query_end_is_offered_one_beyond_is_not() -> None:
    assert times(free_slots(hours(8, 12), (), at(8), at(9))) == ["08:00", "08:30"]
    assert times(free_slots(hours(8, 12), (), at(8), at(8, 59))) == ["08:00"]


def test_a5_the_last_slot_may_end_exactly_at_the_end_of_working_time() -> None:
    assert times(free_slots(hours(8, 9), (), at(0), at(23))) == ["08:00", "08:30"]


def test_a5_busy_time_touching_a_slot_leaves_it_free() -> None:
    busy = [Interval(at(8), at(8, 30)), Interval(at(9), at(9, 30))]
    grid = slot_grid(hours(8, 10), busy, at(0), at(23))
    assert [(f"{s.start:%H:%M}", s.free) for s in grid] == [
        ("08:00", False),
        ("08:30", True),
        ("09:00", False),
        ("09:30", True),
    ]


def test_a5_busy_time_inside_or_across_slots_takes_them() -> None:
    busy = [Interval(at(8, 10), at(8, 20)), Interval(at(9, 20), at(10, 40))]
    grid = slot_grid(hours(8, 11), busy, at(0), at(23))
    assert [s.free for s in grid] == [False, True, False, False, False, False]


def test_c2_a_slot_is_free_unless_said_otherwise() -> None:
    assert Slot(at(9), at(9, 30)).free
    assert not Slot(at(9), at(9, 30), free=False).free


def test_a4_an_overlap_with_the_latest_stretch_extends_that_stretch() -> None:
    merged = merge([Interval(at(8), at(9)), Interval(at(10), at(11)), Interval(at(10, 30), at(12))])
    assert merged == [Interval(at(8), at(9)), Interval(at(10), at(12))]


def test_a5_a_working_time_without_valid_from_applies_to_any_date() -> None:
    wt = WorkingTime(MON_FRI, time(9), time(10))
    assert len(list(wt.days_between(date(1990, 1, 1), date(1990, 1, 7)))) == 5
    assert wt.rule()[0].date() == date(1, 1, 1)  # a Monday: applies from the first day


def test_a5_a_working_time_inside_the_latest_stretch_does_not_shorten_it() -> None:
    """8–9, 10–12 and 10:30–11 on one day: the last one lies inside 10–12."""
    nested = Availability(
        "av-1",
        "room-1",
        (
            WorkingTime(MON_FRI, time(8), time(9)),
            WorkingTime(MON_FRI, time(10), time(12)),
            WorkingTime(MON_FRI, time(10, 30), time(11)),
        ),
        time_zone="Europe/Berlin",
    )
    assert times(free_slots(nested, (), at(0), at(23))) == [
        "08:00",
        "08:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
