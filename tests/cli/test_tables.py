"""The free-slot lines of ``slots`` and ``demo`` (C2): ranges, "closed", "fully booked"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from lemnicore import Slot
from lemnicore.cli.tables import day_line, free_ranges
from lemnicore.timekeeping import zone

BERLIN = zone("Europe/Berlin")
MONDAY = date(2026, 5, 4)


def slot(hour: int, minute: int, free: bool = True) -> Slot:
    start = datetime(2026, 5, 4, hour, minute, tzinfo=BERLIN)
    return Slot(start, start + timedelta(minutes=30), free)


def test_c2_consecutive_free_slots_join_into_one_range_and_a_taken_one_splits_them() -> None:
    grid = [slot(8, 0), slot(8, 30), slot(9, 0, free=False), slot(9, 30), slot(11, 0)]
    assert [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in free_ranges(grid)] == [
        ("08:00", "09:00"),
        ("09:30", "10:00"),
        ("11:00", "11:30"),
    ]
    assert day_line(MONDAY, grid, BERLIN) == (
        "  Mon 04.05.    4  08:00–09:00, 09:30–10:00, 11:00–11:30"
    )


def test_c2_a_day_without_working_time_is_closed_and_one_without_a_free_slot_is_full() -> None:
    assert day_line(MONDAY, [], BERLIN) == "  Mon 04.05.    0  closed"
    taken = [slot(8, 0, free=False), slot(8, 30, free=False)]
    assert day_line(MONDAY, taken, BERLIN) == "  Mon 04.05.    0  fully booked"


def test_c2_dst_free_half_hours_an_hour_apart_in_the_october_night_are_not_joined() -> None:
    """C2/A5: 25 October 2026, free 02:00–02:30 summer time and 02:30–03:00 winter time,
    the real hour between taken. On the wall clock the first range "ends" at 02:30 where
    the second "begins", but they are an hour apart and stay two ranges. (Found in review.)"""
    fall_back = date(2026, 10, 25)

    def slot_at_utc(hour: int, minute: int, free: bool) -> Slot:
        start = datetime(2026, 10, 25, hour, minute, tzinfo=UTC).astimezone(BERLIN)
        return Slot(start, (start.astimezone(UTC) + timedelta(minutes=30)).astimezone(BERLIN), free)

    grid = [
        slot_at_utc(0, 0, free=True),  # 02:00 CEST
        slot_at_utc(0, 30, free=False),  # 02:30 CEST
        slot_at_utc(1, 0, free=False),  # 02:00 CET
        slot_at_utc(1, 30, free=True),  # 02:30 CET
    ]
    assert len(free_ranges(grid)) == 2
    assert day_line(fall_back, grid, BERLIN) == "  Sun 25.10.    2  02:00–02:30, 02:30–03:00"
