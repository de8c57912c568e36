"""A1/A2: the practice's values refuse bad input with an error naming the field and record."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from lemnicore.errors import NaiveDatetimeError, ValidationError
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.clients import Channel, Client, is_valid_email
from lemnicore.scheduling.intervals import Interval
from lemnicore.scheduling.practice import (
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)

NINE = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
HALF_HOUR = timedelta(minutes=30)


def appointment(**changes: object) -> Appointment:
    values: dict[str, object] = {
        "id": "a-1",
        "calendar_id": "cal-anna",
        "room_id": "room-1",
        "start": NINE,
        "end": NINE + HALF_HOUR,
        "type_id": "treatment",
    }
    values.update(changes)
    return Appointment(**values)  # type: ignore[arg-type]


# -- A1: organisation, branches, rooms, calendars --------------------------------------------


def test_a1_an_organisation_defaults_to_berlin_time_and_no_consent() -> None:
    org = Organisation("org-1", "Praxis am Park")
    assert org.time_zone == "Europe/Berlin"
    assert org.default_notification_consent is False


@pytest.mark.parametrize("code", ["HH1", "B-2", "muc_3", "X"])
def test_a1_a_branch_has_a_short_code(code: str) -> None:
    assert Branch("b-1", "org-1", code, "Hamburg").code == code


@pytest.mark.parametrize("code", ["", "HH 1", "Hamburg-Mitte-Nord-1", "HH1;", "ÄÖÜ"])
def test_a1_a_bad_branch_code_is_refused_naming_field_and_branch(code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Branch("b-1", "org-1", code, "Hamburg")
    assert caught.value.field == "code"
    assert caught.value.record == "Branch 'b-1'"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Organisation("org-1", "Praxis", time_zone="Mars/Olympus"),
        lambda: Branch("b-1", "org-1", "HH1", "Hamburg", time_zone="CET+1"),
        lambda: Availability("av-1", "room-1", (), time_zone="Berlin"),
    ],
    ids=["organisation", "branch", "availability"],
)
def test_a1_an_unknown_time_zone_is_refused(build: object) -> None:
    with pytest.raises(ValidationError, match="unknown IANA time zone") as caught:
        build()  # type: ignore[operator]
    assert caught.value.field == "time_zone"


@pytest.mark.parametrize(
    "build",
    [
        lambda: Room("room-1", "branch-1", "  "),
        lambda: Practitioner("", "org-1", "Anna"),
        lambda: Calendar("cal-1", "", "Anna's calendar"),
        lambda: Organisation("org-1", ""),
    ],
    ids=["room name", "practitioner id", "calendar owner", "organisation name"],
)
def test_a1_required_names_and_ids_must_not_be_blank(build: object) -> None:
    with pytest.raises(ValidationError, match="must not be empty"):
        build()  # type: ignore[operator]


def test_a1_an_appointment_holds_calendar_room_times_type_and_status() -> None:
    a = appointment(client_id="client-1", comment="first visit")
    assert (a.calendar_id, a.room_id, a.type_id, a.status.value) == (
        "cal-anna",
        "room-1",
        "treatment",
        "booked",
    )
    assert a.interval == Interval(NINE, NINE + HALF_HOUR)
    assert (a.sequence, a.double_booked, a.is_group) == (0, False, False)


@pytest.mark.parametrize("field", ["start", "end"])
def test_a1_an_appointment_with_a_naive_time_is_refused(field: str) -> None:
    naive = datetime(2026, 5, 4, 9, 0) + (HALF_HOUR if field == "end" else timedelta(0))
    with pytest.raises(NaiveDatetimeError) as caught:
        appointment(**{field: naive})
    assert caught.value.field == field
    assert caught.value.record == "Appointment 'a-1'"


@pytest.mark.parametrize("length", [timedelta(0), -HALF_HOUR])
def test_a1_an_appointment_ending_before_or_at_its_start_is_refused(length: timedelta) -> None:
    with pytest.raises(ValidationError, match="must be after start") as caught:
        appointment(end=NINE + length)
    assert caught.value.field == "end"
    assert caught.value.record == "Appointment 'a-1'"


def test_a1_an_interval_must_end_after_it_starts() -> None:
    with pytest.raises(ValidationError) as caught:
        Interval(NINE, NINE)
    assert caught.value.field == "end"


def test_a1_created_at_must_be_aware_too() -> None:
    with pytest.raises(NaiveDatetimeError) as caught:
        appointment(created_at=datetime(2026, 5, 1, 12, 0))
    assert caught.value.field == "created_at"


# -- A2: appointment types -------------------------------------------------------------------


def test_a2_a_type_carries_its_flags_and_default_duration() -> None:
    group = AppointmentType(
        "back-school",
        "Back school",
        timedelta(minutes=90),
        allows_auto_notifications=False,
        is_group=True,
    )
    assert group.default_duration == timedelta(minutes=90)
    assert not group.allows_auto_notifications
    assert group.is_group


def test_a2_a_type_defaults_to_half_an_hour_with_notifications() -> None:
    kind = AppointmentType("treatment", "Treatment")
    assert kind.default_duration == HALF_HOUR
    assert kind.allows_auto_notifications
    assert not kind.is_group


@pytest.mark.parametrize("duration", [timedelta(0), timedelta(minutes=-5)])
def test_a2_a_type_without_a_positive_duration_is_refused(duration: timedelta) -> None:
    with pytest.raises(ValidationError, match="positive duration") as caught:
        AppointmentType("treatment", "Treatment", duration)
    assert caught.value.field == "default_duration"


# -- A5 values: working times and availabilities ---------------------------------------------


@pytest.mark.parametrize("length", [timedelta(0), timedelta(minutes=-30)])
def test_a5_a_slot_length_of_zero_or_less_is_refused(length: timedelta) -> None:
    with pytest.raises(ValidationError) as caught:
        Availability("av-1", "room-1", (), slot_length=length)
    assert caught.value.field == "slot_length"
    assert caught.value.record == "Availability 'av-1'"


def test_a5_a_working_time_must_end_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="must end after it starts") as caught:
        WorkingTime(frozenset({0}), time(12), time(8))
    assert caught.value.field == "end"


@pytest.mark.parametrize("days", [frozenset(), frozenset({7}), frozenset({-1, 2})])
def test_a5_working_weekdays_are_zero_to_six(days: frozenset[int]) -> None:
    with pytest.raises(ValidationError) as caught:
        WorkingTime(days, time(8), time(12))
    assert caught.value.field == "weekdays"


def test_a5_a_working_time_cannot_end_its_validity_before_it_begins() -> None:
    with pytest.raises(ValidationError) as caught:
        WorkingTime(
            frozenset({0}), time(8), time(12), date(2026, 6, 1), valid_until=date(2026, 5, 1)
        )
    assert caught.value.field == "valid_until"


@pytest.mark.parametrize("region", ["DE-XX", "XX", "Hamburg"])
def test_a5_an_unknown_holiday_region_is_refused(region: str) -> None:
    with pytest.raises(ValidationError, match=region) as caught:
        Availability("av-1", "room-1", (), holiday_region=region)
    assert caught.value.field == "holiday_region"


# -- clients (A1's optional client; C3/D4 fields) ---------------------------------------------


@pytest.mark.parametrize("email", ["anna.berg@example.org", "a+tag@praxis.hamburg"])
def test_c3_a_plausible_email_is_accepted(email: str) -> None:
    assert is_valid_email(email)
    assert Client("c-1", "org-1", "Berg", email=email).email == email


@pytest.mark.parametrize("email", ["anna", "anna@", "anna@example", "an na@example.org", "@x.de"])
def test_c3_a_bad_email_is_refused_naming_field_and_client(email: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Client("c-1", "org-1", "Berg", email=email)
    assert caught.value.field == "email"
    assert caught.value.record == "Client 'c-1'"


def test_d4_blank_contact_data_is_no_usable_channel() -> None:
    client = Client("c-1", "org-1", "Berg", email="  ", mobile="", threema_id=" ")
    assert client.email is None
    assert client.address_for(Channel.SMS) is None


def test_d12_a_bad_threema_id_and_an_unknown_channel_preference_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Client("c-1", "org-1", "Berg", threema_id="abc")
    assert caught.value.field == "threema_id"
    with pytest.raises(ValidationError) as caught:
        Client("c-1", "org-1", "Berg", preferred_channel="pigeon")
    assert caught.value.field == "preferred_channel"


def test_a1_a_client_without_a_last_name_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Client("c-1", "org-1", "")
    assert caught.value.field == "last_name"
