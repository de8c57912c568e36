"""H4: the booking horizon and the limits on open requests, as pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from lemnicore import ValidationError
from lemnicore.online.horizon import BookingHorizon, OpenRequestLimits
from lemnicore.timekeeping import local_datetime, zone

BERLIN = zone("Europe/Berlin")
NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


def test_h4_a_slot_sooner_than_the_lead_time_or_beyond_the_horizon_is_not_offered() -> None:
    horizon = BookingHorizon(max_ahead=timedelta(days=30), min_lead=timedelta(hours=2))
    assert not horizon.allows(NOW + timedelta(hours=1, minutes=59), NOW)
    assert horizon.allows(NOW + timedelta(hours=2), NOW)
    assert horizon.allows(NOW + timedelta(days=30), NOW)
    assert not horizon.allows(NOW + timedelta(days=30, minutes=1), NOW)


def test_h4_the_check_names_the_start_and_says_why() -> None:
    horizon = BookingHorizon(max_ahead=timedelta(days=30), min_lead=timedelta(hours=2))
    with pytest.raises(ValidationError, match="too soon") as soon:
        horizon.check(NOW + timedelta(hours=1), NOW)
    assert soon.value.field == "start"
    with pytest.raises(ValidationError, match="too far ahead"):
        horizon.check(NOW + timedelta(days=31), NOW)


def test_h4_the_lead_time_counts_elapsed_hours_across_the_october_night() -> None:
    # 01:30 CEST on 25 October; the 03:30 CET slot is three elapsed hours later (the
    # clock goes back at 03:00 CEST), so a three-hour lead time allows it.
    now = local_datetime(date(2026, 10, 25), time(1, 30), BERLIN)
    slot = local_datetime(date(2026, 10, 25), time(3, 30), BERLIN)
    assert BookingHorizon(min_lead=timedelta(hours=3)).allows(slot, now)
    assert not BookingHorizon(min_lead=timedelta(hours=3, minutes=1)).allows(slot, now)


def test_h4_a_horizon_whose_lead_time_exceeds_its_reach_is_refused() -> None:
    with pytest.raises(ValidationError):
        BookingHorizon(max_ahead=timedelta(hours=1), min_lead=timedelta(hours=2))
    with pytest.raises(ValidationError):
        BookingHorizon(min_lead=timedelta(hours=-1))


def test_h4_open_request_limits_per_email_and_per_address() -> None:
    limits = OpenRequestLimits(per_email=3, per_address=5)
    limits.check(open_for_email=2, open_for_address=4)
    with pytest.raises(ValidationError) as email:
        limits.check(open_for_email=3, open_for_address=0)
    assert email.value.field == "email"
    with pytest.raises(ValidationError) as address:
        limits.check(open_for_email=0, open_for_address=5)
    assert address.value.field == "request"
    OpenRequestLimits(per_email=None, per_address=None).check(
        open_for_email=99, open_for_address=99
    )
