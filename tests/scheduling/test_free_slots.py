"""A5: free slots = working time minus busy time, cut into slots; DST on 29 March and
25 October 2026 in Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.intervals import Interval
from lemnicore.scheduling.slots import Slot, free_slots, slot_grid
from lemnicore.timekeeping import local_datetime, zone

BERLIN = zone("Europe/Berlin")
MON_FRI = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute), BERLIN)


def availability(
    start: time,
    end: time,
    *,
    days: frozenset[int] = MON_FRI,
    minutes: int = 30,
    **more: object,
) -> Availability:
    return Availability(
        "av-1",
        "room-1",
        (WorkingTime(days, start, end),),
        slot_length=timedelta(minutes=minutes),
        **more,  # type: ignore[arg-type]
    )


def whole_day(day: date) -> tuple[datetime, datetime]:
    return at(day, 0), at(day + timedelta(days=1), 0)


def wall(slots: list[Slot]) -> list[str]:
    return [s.start.strftime("%H:%M") for s in slots]


MONDAY = date(2026, 5, 4)


def test_a5_a_morning_of_working_time_is_eight_half_hour_slots() -> None:
    slots = free_slots(availability(time(8), time(12)), [], *whole_day(MONDAY))
    assert wall(slots) == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_a5_an_appointment_takes_its_slots_and_touching_slots_stay_free() -> None:
    busy = [Interval(at(MONDAY, 9), at(MONDAY, 10))]
    slots = free_slots(availability(time(8), time(12)), busy, *whole_day(MONDAY))
    assert wall(slots) == ["08:00", "08:30", "10:00", "10:30", "11:00", "11:30"]


def test_a5_a_short_appointment_takes_the_whole_slot_it_touches() -> None:
    busy = [Interval(at(MONDAY, 9, 40), at(MONDAY, 9, 50))]
    slots = free_slots(availability(time(9), time(11)), busy, *whole_day(MONDAY))
    assert wall(slots) == ["09:00", "10:00", "10:30"]


def test_a5_the_slot_grid_shows_taken_slots_without_detail() -> None:
    busy = [Interval(at(MONDAY, 8), at(MONDAY, 8, 30))]
    grid = slot_grid(availability(time(8), time(9)), busy, *whole_day(MONDAY))
    assert [(s.start.strftime("%H:%M"), s.free) for s in grid] == [
        ("08:00", False),
        ("08:30", True),
    ]


def test_a5_slots_never_cross_the_end_of_working_time() -> None:
    """08:00–09:40 with 45-minute slots: 08:00 and 08:45; 09:30–10:15 would cross 09:40."""
    slots = free_slots(availability(time(8), time(9, 40), minutes=45), [], *whole_day(MONDAY))
    assert wall(slots) == ["08:00", "08:45"]
    assert slots[-1].end == at(MONDAY, 9, 30)


def test_a5_two_windows_a_day_each_start_their_own_grid() -> None:
    av = Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(8), time(9)), WorkingTime(MON_FRI, time(13, 15), time(14))),
        slot_length=timedelta(minutes=30),
    )
    assert wall(free_slots(av, [], *whole_day(MONDAY))) == ["08:00", "08:30", "13:15"]


def test_a5_no_slots_at_the_weekend_on_a_monday_to_friday_time() -> None:
    saturday = date(2026, 5, 9)
    assert free_slots(availability(time(8), time(12)), [], *whole_day(saturday)) == []


def test_a5_a_closed_day_has_no_slots() -> None:
    av = availability(time(8), time(12), closed_days={MONDAY})
    assert free_slots(av, [], *whole_day(MONDAY)) == []
    assert len(free_slots(av, [], *whole_day(MONDAY + timedelta(days=1)))) == 8


def test_a5_a_public_holiday_of_the_branchs_state_has_no_slots() -> None:
    """Reformation Day, 31 October, is a public holiday in Hamburg (since 2018)."""
    reformation_day = date(2026, 10, 30) + timedelta(days=1)  # a Saturday in 2026
    good_friday = date(2026, 4, 3)
    av = availability(time(8), time(12), days=EVERY_DAY, holiday_region="DE-HH")
    assert free_slots(av, [], *whole_day(good_friday)) == []
    assert free_slots(av, [], *whole_day(reformation_day)) == []
    assert len(free_slots(av, [], *whole_day(date(2026, 4, 2)))) == 8


def test_a5_a_regional_holiday_elsewhere_is_a_working_day_in_hamburg() -> None:
    """Corpus Christi (4 June 2026) is a holiday in Bavaria, not in Hamburg."""
    corpus_christi = date(2026, 6, 4)
    hamburg = availability(time(8), time(12), holiday_region="DE-HH")
    bavaria = availability(time(8), time(12), holiday_region="DE-BY")
    assert len(free_slots(hamburg, [], *whole_day(corpus_christi))) == 8
    assert free_slots(bavaria, [], *whole_day(corpus_christi)) == []


def test_a5_working_time_outside_its_validity_has_no_slots() -> None:
    av = Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(8), time(12), valid_from=date(2026, 5, 5)),),
    )
    assert free_slots(av, [], *whole_day(MONDAY)) == []
    assert len(free_slots(av, [], *whole_day(date(2026, 5, 5)))) == 8


def test_a5_valid_until_is_inclusive() -> None:
    av = Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(8), time(9), valid_until=MONDAY),),
    )
    assert len(free_slots(av, [], *whole_day(MONDAY))) == 2
    assert free_slots(av, [], *whole_day(MONDAY + timedelta(days=1))) == []


def test_a5_a_query_in_the_middle_of_a_window_keeps_the_grid_aligned() -> None:
    """Asking from 09:10 gives 09:30, not 09:10: slots keep to the working time's grid."""
    av = availability(time(8), time(12))
    slots = free_slots(av, [], at(MONDAY, 9, 10), at(MONDAY, 11))
    assert wall(slots) == ["09:30", "10:00", "10:30"]


def test_a5_slots_come_in_the_availabilitys_zone_whatever_zone_was_asked_in() -> None:
    av = availability(time(8), time(9))
    start, end = (t.astimezone(UTC) for t in whole_day(MONDAY))
    slots = free_slots(av, [], start, end)
    assert [s.start.utcoffset() for s in slots] == [timedelta(hours=2)] * 2
    assert wall(slots) == ["08:00", "08:30"]


# -- DST -------------------------------------------------------------------------------------

SPRING_FORWARD = date(2026, 3, 29)  # Sunday: 02:00 CET → 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # Sunday: 03:00 CEST → 02:00 CET


def test_dst_a5_spring_night_from_one_to_five_has_three_real_hours() -> None:
    av = availability(time(1), time(5), days=EVERY_DAY)
    slots = free_slots(av, [], *whole_day(SPRING_FORWARD))
    assert len(slots) == 6
    assert sum((s.interval.duration for s in slots), timedelta()) == timedelta(hours=3)
    assert all(s.interval.duration == timedelta(minutes=30) for s in slots)
    assert slots[0].start == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert slots[-1].end == datetime(2026, 3, 29, 3, 0, tzinfo=UTC)
    # The clock jumps: 01:30 CET is followed by 03:00 CEST.
    assert wall(slots) == ["01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]


def test_dst_a5_autumn_night_from_one_to_five_has_five_real_hours() -> None:
    av = availability(time(1), time(5), days=EVERY_DAY)
    slots = free_slots(av, [], *whole_day(FALL_BACK))
    assert len(slots) == 10
    assert slots[0].start == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert slots[-1].end == datetime(2026, 10, 25, 4, 0, tzinfo=UTC)
    # 02:00–02:30 and 02:30–03:00 happen twice: in summer time, then in winter time.
    assert [(s.start.strftime("%H:%M"), s.start.utcoffset()) for s in slots[2:6]] == [
        ("02:00", timedelta(hours=2)),
        ("02:30", timedelta(hours=2)),
        ("02:00", timedelta(hours=1)),
        ("02:30", timedelta(hours=1)),
    ]


def test_dst_a5_working_time_starting_inside_the_spring_gap_starts_when_the_clock_shows_it() -> (
    None
):
    """02:30–04:00 on 29 March: 02:30 does not exist; the clock reaches 03:30, so one
    real half hour is left — never a slot at 01:30, before the working time."""
    av = availability(time(2, 30), time(4), days=EVERY_DAY)
    slots = free_slots(av, [], *whole_day(SPRING_FORWARD))
    assert wall(slots) == ["03:30"]
    assert slots[0].start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_dst_a5_working_time_wholly_inside_the_spring_gap_has_no_slots() -> None:
    """02:00–03:00 on 29 March never happens on the clock: no window, and no error."""
    av = availability(time(2), time(3), days=EVERY_DAY)
    assert free_slots(av, [], *whole_day(SPRING_FORWARD)) == []
    assert len(free_slots(av, [], *whole_day(SPRING_FORWARD + timedelta(days=1)))) == 2


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK], ids=["29 March", "25 October"])
def test_dst_a5_a_morning_on_the_switch_day_is_unaffected(day: date) -> None:
    av = availability(time(8), time(12), days=EVERY_DAY)
    slots = free_slots(av, [], *whole_day(day))
    assert wall(slots) == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert slots[0].start == at(day, 8)
    winter = day == FALL_BACK
    assert slots[0].start.utcoffset() == timedelta(hours=1 if winter else 2)


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK], ids=["29 March", "25 October"])
def test_dst_a5_windows_of_the_switch_week_keep_their_wall_clock_times(day: date) -> None:
    av = availability(time(8), time(12), days=EVERY_DAY)
    monday_before = day - timedelta(days=6)
    windows = av.windows(at(monday_before, 0), at(day + timedelta(days=2), 0))
    assert [w.start.astimezone(BERLIN).strftime("%d %H:%M") for w in windows] == [
        (monday_before + timedelta(days=n)).strftime("%d 08:00") for n in range(8)
    ]
    assert all(w.duration == timedelta(hours=4) for w in windows)


def test_dst_a5_a_busy_hour_across_the_autumn_repeat_blocks_only_real_time() -> None:
    """Busy 00:30–01:30 UTC on 25 October = 02:30 CEST–02:30 CET: the real hour between."""
    av = availability(time(1), time(5), days=EVERY_DAY)
    busy = [
        Interval(
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
        )
    ]
    slots = free_slots(av, busy, *whole_day(FALL_BACK))
    assert len(slots) == 8
    taken = {
        s.start.astimezone(UTC) for s in slot_grid(av, busy, *whole_day(FALL_BACK)) if not s.free
    }
    assert taken == {
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    }


def test_dst_a5_the_repeated_autumn_hour_gives_distinct_slots_in_real_time_order() -> None:
    """02:00 CEST and 02:00 CET show the same wall time but are different slots (A5)."""
    av = availability(time(1), time(5), days=EVERY_DAY)
    slots = free_slots(av, [], *whole_day(FALL_BACK))
    assert len(set(slots)) == 10
    assert sorted(slots, key=lambda s: s.start.strftime("%H:%M")) != slots  # wall clock misleads
    assert sorted(slots) == [s for _, s in sorted((s.start.astimezone(UTC), s) for s in slots)]
    assert [s.interval.duration for s in slots] == [timedelta(minutes=30)] * 10
    assert slots[2] != slots[4]  # 02:00 summer time is not 02:00 winter time


def test_a5_overlapping_working_times_form_one_grid_without_overlapping_slots() -> None:
    """Found by the property test: two overlapping working times on one day gave two
    grids whose slots overlapped (10:15 from one next to 09:30–10:15–11:00 of the other)."""
    av = Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(8), time(12)), WorkingTime(MON_FRI, time(10, 15), time(14))),
        slot_length=timedelta(minutes=45),
    )
    slots = free_slots(av, [], *whole_day(MONDAY))
    assert wall(slots) == ["08:00", "08:45", "09:30", "10:15", "11:00", "11:45", "12:30", "13:15"]


def test_a5_touching_working_times_keep_their_own_edges() -> None:
    av = Availability(
        "av-1",
        "room-1",
        (WorkingTime(MON_FRI, time(8), time(9)), WorkingTime(MON_FRI, time(9), time(10))),
        slot_length=timedelta(minutes=45),
    )
    assert wall(free_slots(av, [], *whole_day(MONDAY))) == ["08:00", "09:00"]
