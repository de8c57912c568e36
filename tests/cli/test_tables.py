"""The free-slot lines of ``slots`` and ``demo`` (C2): ranges, "closed", "fully booked"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

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
