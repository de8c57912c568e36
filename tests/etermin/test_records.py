"""E3: each eTermin data-quality problem is handled and reported (research notes)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lemnicore.timekeeping import zone
from lemnicore_etermin.records import (
    FIXED,
    SKIPPED,
    parse_birthday,
    parse_local_time,
    phone_key,
    read_appointment,
    read_contact,
)
from lemnicore_etermin.testing.samples import appointment

BERLIN = zone("Europe/Berlin")


def test_field_names_are_read_whatever_their_case() -> None:
    person, issues = read_contact(
        {"cid": 7, "LASTNAME": "Koch", "firstName": "Eva", "EMAIL": "e@x.de"}
    )
    assert person is not None
    assert (person.first_name, person.last_name, person.email) == ("Eva", "Koch", "e@x.de")
    assert issues == []


def test_nulls_and_blanks_become_empty_fields() -> None:
    person, _ = read_contact(
        {
            "CID": 1,
            "LastName": "Koch",
            "Salutation": None,
            "Street": None,
            "ZIP": "",
            "Email": "null",
        }
    )
    assert person is not None
    assert (person.salutation, person.street, person.postcode, person.email) == ("", "", "", None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07.03.1980", date(1980, 3, 7)),
        ("7.3.1980", date(1980, 3, 7)),
        ("1980-03-07", date(1980, 3, 7)),
        ("1980-03-07T00:00:00", date(1980, 3, 7)),
        ("", None),
    ],
)
def test_birthdays_german_iso_or_empty(raw: str, expected: date | None) -> None:
    assert parse_birthday(raw) == (expected, None)


def test_an_impossible_birthday_is_reported_and_left_empty() -> None:
    person, issues = read_contact({"CID": 1, "LastName": "Koch", "Birthday": "31.02.1990"})
    assert person is not None
    assert person.birthday is None
    (problem,) = [i for i in issues if i.field == "Birthday"]
    assert (problem.record_id, problem.action) == ("contact 1", FIXED)
    assert "no such date" in problem.reason


def test_literal_backslash_n_in_notes_becomes_a_line_break() -> None:
    person, issues = read_contact({"CID": 1, "LastName": "Koch", "Notes": "Allergie\\nLatex"})
    assert person is not None
    assert person.notes == "Allergie\nLatex"
    assert "Notes" in {i.field for i in issues}


def test_town_on_appointments_and_city_on_contacts_both_give_the_address() -> None:
    contact, _ = read_contact({"CID": 1, "LastName": "Koch", "ZIP": "20095", "City": "Hamburg"})
    appt, _ = read_appointment(
        appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00", ZIP="23552", Town="Lübeck"),
        BERLIN,
    )
    assert contact is not None
    assert contact.postal_address == "20095 Hamburg"
    assert appt is not None
    assert appt.person is not None
    assert appt.person.postal_address == "23552 Lübeck"


def test_missing_email_is_reported_and_the_client_still_imported() -> None:
    person, issues = read_contact({"CID": 1, "LastName": "Koch", "Email": None})
    assert person is not None
    assert person.email is None
    assert issues[0].field == "Email"
    assert "missing" in issues[0].reason


def test_invalid_email_is_left_out_and_reported() -> None:
    person, issues = read_contact({"CID": 1, "LastName": "Koch", "Email": "koch(at)example.org"})
    assert person is not None
    assert person.email is None
    assert (issues[0].field, issues[0].action) == ("Email", FIXED)


def test_a_contact_without_any_name_is_skipped() -> None:
    person, issues = read_contact({"CID": 3, "FirstName": None, "LastName": None})
    assert person is None
    assert (issues[-1].record_id, issues[-1].field, issues[-1].action) == (
        "contact 3",
        "LastName",
        SKIPPED,
    )


def test_blocked_slots_are_blocks_not_client_appointments() -> None:
    appt, _ = read_appointment(
        appointment(
            9, "2026-05-06T12:00:00", "2026-05-06T13:00:00", BlockedApp=1, Notes="Mittagspause"
        ),
        BERLIN,
    )
    assert appt is not None
    assert appt.blocked
    assert appt.person is None
    assert appt.comment == "Mittagspause"


def test_local_times_without_offset_are_in_the_account_time_zone() -> None:
    appt, _ = read_appointment(appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00"), BERLIN)
    assert appt is not None
    assert appt.start == datetime(2026, 5, 5, 7, 0, tzinfo=UTC)  # CEST = UTC+2


def test_dst_gap_moves_forward_and_ambiguous_autumn_time_follows_the_utc_field() -> None:
    """Europe/Berlin: 29 March 2026 02:30 does not exist; 25 October 02:30 exists twice."""
    spring, _ = parse_local_time("2026-03-29T02:30:00", BERLIN)
    assert spring is not None
    assert spring.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    first, _ = parse_local_time("2026-10-25T02:30:00", BERLIN)
    second, _ = parse_local_time("2026-10-25T02:30:00", BERLIN, "2026-10-25T01:30:00")
    assert first is not None
    assert second is not None
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # CEST
    assert second.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # CET


def test_an_appointment_ending_before_it_starts_is_skipped_with_its_id() -> None:
    appt, issues = read_appointment(
        appointment(5, "2026-05-05T10:00:00", "2026-05-05T09:00:00"), BERLIN
    )
    assert appt is None
    assert (issues[0].record_id, issues[0].field, issues[0].action) == (
        "appointment 5",
        "EndDateTime",
        SKIPPED,
    )


def test_unreadable_times_are_skipped() -> None:
    appt, issues = read_appointment(appointment(5, "morgen", "2026-05-05T09:00:00"), BERLIN)
    assert appt is None
    assert issues[0].field == "StartDateTime"


def test_phone_formats_compare_equal_and_mobiles_are_recognised() -> None:
    assert (
        phone_key("+49 170 1234567") == phone_key("0170/1234567") == phone_key("0049-170-1234567")
    )
    person, _ = read_contact({"CID": 1, "LastName": "K", "Phone": "+49 170 1234567"})
    landline, _ = read_contact({"CID": 2, "LastName": "K", "Phone": "040 555 1234"})
    assert person is not None
    assert person.mobile == "+49 170 1234567"
    assert person.phone is None
    assert landline is not None
    assert landline.phone == "040 555 1234"
