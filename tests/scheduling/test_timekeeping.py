"""Wall-clock time in a branch's zone across DST (SPEC 0, A5): 29 March and 25 October 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from lemnicore.errors import NaiveDatetimeError, ValidationError
from lemnicore.timekeeping import local_datetime, local_days, require_aware, to_utc, zone

BERLIN = zone("Europe/Berlin")
SPRING_FORWARD = date(2026, 3, 29)
FALL_BACK = date(2026, 10, 25)


def test_spec0_a_naive_datetime_is_refused_naming_the_field() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        require_aware(datetime(2026, 5, 4, 9, 0), "start", record="Appointment 'a-1'")
    assert caught.value.field == "start"
    assert "Appointment 'a-1'" in str(caught.value)
    assert "timezone-aware" in str(caught.value)


def test_spec0_a_date_is_not_a_datetime() -> None:
    with pytest.raises(ValidationError, match="must be a datetime"):
        require_aware(date(2026, 5, 4), "start")  # type: ignore[arg-type]


def test_spec0_an_unknown_zone_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="Europe/Hamburg") as caught:
        zone("Europe/Hamburg")
    assert caught.value.field == "time_zone"


def test_spec0_an_ordinary_morning_keeps_its_wall_clock_time() -> None:
    nine = local_datetime(date(2026, 5, 4), time(9), BERLIN)
    assert (nine.hour, nine.minute) == (9, 0)
    assert to_utc(nine) == datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


def test_spec0_a_wall_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    """02:30 does not exist on 29 March 2026; a wall clock shows 03:30 an hour later."""
    moved = local_datetime(SPRING_FORWARD, time(2, 30), BERLIN)
    assert (moved.hour, moved.minute) == (3, 30)
    assert to_utc(moved) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_spec0_the_start_of_the_spring_gap_is_three_oclock_summer_time() -> None:
    moved = local_datetime(SPRING_FORWARD, time(2, 0), BERLIN)
    assert to_utc(moved) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert moved.hour == 3


def test_spec0_an_ambiguous_autumn_time_is_its_first_occurrence() -> None:
    """02:30 happens twice on 25 October 2026; the summer-time one comes first."""
    first = local_datetime(FALL_BACK, time(2, 30), BERLIN)
    assert to_utc(first) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_spec0_local_days_of_an_interval_are_half_open() -> None:
    monday = local_datetime(date(2026, 5, 4), time(0), BERLIN)
    tuesday = local_datetime(date(2026, 5, 5), time(0), BERLIN)
    assert local_days(monday, tuesday, BERLIN) == [date(2026, 5, 4)]
