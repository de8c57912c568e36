"""E1–E4: the takeover plan — pure functions over fetched records, ``today`` passed in."""

from __future__ import annotations

from datetime import date

import pytest

from lemnicore import ValidationError
from lemnicore_etermin.dedup import (
    SAME_EMAIL,
    SAME_EXTERNAL_ID,
    SAME_NAME_AND_BIRTHDAY,
    SAME_NAME_AND_PHONE,
    name_key,
)
from lemnicore_etermin.plan import (
    BLOCK_TYPE,
    CalendarMapping,
    TakeoverOptions,
    plan_takeover,
    read_account,
)
from lemnicore_etermin.records import WARNING
from lemnicore_etermin.testing.samples import CALENDARS, appointment, small_account

TODAY = date(2026, 5, 4)


def plan_for(
    appointments: list[dict[str, object]], contacts: list[dict[str, object]] = (), **kw: object
):  # type: ignore[no-untyped-def, assignment]
    from datetime import UTC, datetime

    deleted = kw.pop("deleted", ())
    options = TakeoverOptions(
        organisation_id="org-1",
        calendars=kw.pop(  # type: ignore[arg-type]
            "calendars",
            [
                CalendarMapping("1001", "room-1", "cal-1"),
                CalendarMapping("1002", "room-2", "cal-1"),
            ],
        ),
        **kw,  # type: ignore[arg-type]
    )
    account = read_account(
        calendars=CALENDARS,
        contacts=contacts,
        appointments=appointments,
        deleted=deleted,  # type: ignore[arg-type]
    )
    return plan_takeover(account, options, today=TODAY, now=datetime(2026, 5, 4, 7, tzinfo=UTC))


def test_e1_window_is_relative_to_today_and_outside_records_are_reported() -> None:
    plan = plan_for(
        [
            appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00"),
            appointment(2, "2026-05-20T09:00:00", "2026-05-20T09:30:00"),
            appointment(3, "2026-04-01T09:00:00", "2026-04-01T09:30:00"),
        ],
        window_from_days=-10,
        window_to_days=10,
    )
    assert (plan.window_from, plan.window_to) == (date(2026, 4, 24), date(2026, 5, 14))
    assert [a.external_id for a in plan.appointments] == ["etermin:appointment:ext-1"]
    outside = {i.record_id for i in plan.issues if i.field == "StartDateTime"}
    assert outside == {"appointment 2", "appointment 3"}
    assert plan.counts["outside_window"] == 2


def test_e1_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="window"):
        TakeoverOptions(
            organisation_id="o",
            calendars=[CalendarMapping("1", "r", "c")],
            window_from_days=5,
            window_to_days=1,
        )


def test_e2_a8_two_calendars_in_one_room_warn_with_the_overlapping_pairs() -> None:
    plan = plan_for(
        [
            appointment(1, "2026-05-05T09:00:00", "2026-05-05T10:00:00"),
            appointment(2, "2026-05-05T09:30:00", "2026-05-05T10:30:00", calendar="1002"),
            appointment(3, "2026-05-05T10:30:00", "2026-05-05T11:00:00", calendar="1002"),
        ],
        calendars=[
            CalendarMapping("1001", "room-1", "cal-1"),
            CalendarMapping("1002", "room-1", "cal-1"),
        ],
    )
    assert plan.shared_rooms == {"room-1": ("1001", "1002")}
    assert [(o.first, o.second) for o in plan.overlaps] == [("appointment 1", "appointment 2")]
    flagged = {a.external_id for a in plan.appointments if a.double_booked}
    assert flagged == {"etermin:appointment:ext-1", "etermin:appointment:ext-2"}
    assert any(i.action == WARNING and i.record_id == "appointment 2" for i in plan.issues)


def test_e3_appointments_of_unselected_calendars_are_reported() -> None:
    plan = plan_for(
        [
            appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00", calendar="1002"),
        ],
        calendars=[CalendarMapping("1001", "room-1", "cal-1")],
    )
    assert ("appointment 1", "CalendarID") in {(i.record_id, i.field) for i in plan.issues}
    assert plan.appointments == ()


def test_e2_a_mapping_to_a_calendar_the_account_does_not_have_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"no calendar '9999' \(it has: 1001 \(Raum 1\)"):
        plan_for(
            [appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00")],
            calendars=[
                CalendarMapping("1001", "room-1", "cal-1"),
                CalendarMapping("9999", "room-2", "cal-1"),
            ],
        )


def test_e3_the_sample_account_reports_every_faulty_record_by_id_field_and_reason() -> None:
    account = small_account()
    plan = plan_for(account.appointments, account.contacts)
    found = {(i.record_id, i.field) for i in plan.issues}
    assert ("contact 3", "LastName") in found  # no name at all
    assert ("appointment 14", "Email") in found  # lena(at)example.org
    assert ("appointment 14", "Birthday") in found  # 31.02.1990
    assert ("appointment 12", "Phone") in found  # "0040"
    assert ("appointment 12", "Notes") in found  # literal \n
    assert ("contact 2", "Email") in found  # null
    blocks = [a for a in plan.appointments if a.type_id == BLOCK_TYPE.id]
    assert len(blocks) == 1
    assert blocks[0].client_id is None


def test_e4_same_external_id_merges() -> None:
    plan = plan_for(
        [appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00", CID=7, Email=None)],
        [{"CID": 7, "LastName": "Weber", "FirstName": "Anna"}],
    )
    assert [(m.rule, m.kept, m.merged) for m in plan.merges] == [
        (SAME_EXTERNAL_ID, "contact 7", "appointment 1")
    ]
    assert len(plan.clients) == 1
    assert plan.appointments[0].client_id == plan.clients[0].id


def test_e4_same_email_merges_whatever_its_case() -> None:
    plan = plan_for(
        [
            appointment(
                1, "2026-05-05T09:00:00", "2026-05-05T09:30:00", Email="ANNA.weber@example.ORG"
            )
        ],
        [
            {
                "CID": 7,
                "LastName": "Weber-Schulz",
                "FirstName": "Anna",
                "Email": "anna.weber@example.org",
            }
        ],
    )
    assert [m.rule for m in plan.merges] == [SAME_EMAIL]
    assert len(plan.clients) == 1


def test_e4_same_name_and_birthday_merges_across_spelling_variants() -> None:
    plan = plan_for(
        [
            appointment(
                1,
                "2026-05-05T09:00:00",
                "2026-05-05T09:30:00",
                FirstName="JOERG",
                LastName="mueller",
                Email=None,
                Birthday="1975-11-30",
            )
        ],
        [{"CID": 2, "LastName": "Müller", "FirstName": "Jörg", "Birthday": "30.11.1975"}],
    )
    assert [m.rule for m in plan.merges] == [SAME_NAME_AND_BIRTHDAY]


def test_e4_same_name_and_phone_merges_across_phone_formats() -> None:
    plan = plan_for(
        [
            appointment(
                1, "2026-05-05T09:00:00", "2026-05-05T09:30:00", Email=None, Phone="0170/1234567"
            )
        ],
        [{"CID": 2, "LastName": "Weber", "FirstName": "Anna", "Phone": "+49 170 1234567"}],
    )
    assert [m.rule for m in plan.merges] == [SAME_NAME_AND_PHONE]


def test_e4_different_people_with_the_same_name_stay_apart() -> None:
    plan = plan_for(
        [
            appointment(
                1, "2026-05-05T09:00:00", "2026-05-05T09:30:00", Email=None, Birthday="01.01.1980"
            ),
            appointment(
                2, "2026-05-06T09:00:00", "2026-05-06T09:30:00", Email=None, Birthday="02.02.1990"
            ),
        ],
    )
    assert plan.merges == ()
    assert len(plan.clients) == 2


def test_name_keys_ignore_case_blanks_and_umlaut_spelling() -> None:
    assert name_key(" Jörg ", "MÜLLER") == name_key("joerg", "Mueller") == "joerg mueller"


def test_e3_appointments_deleted_in_etermin_are_left_out() -> None:
    plan = plan_for(
        [appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00")],
        deleted=[{"ID": 1, "ExternalID": "ext-1", "DeletionDate": "2026-05-01T10:00:00"}],
    )
    assert plan.appointments == ()
    assert plan.counts["deleted_in_source"] == 1


def test_d18_imported_clients_start_with_the_organisations_default_consent() -> None:
    off = plan_for([appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00")])
    on = plan_for(
        [appointment(1, "2026-05-05T09:00:00", "2026-05-05T09:30:00")], default_consent=True
    )
    assert [c.notification_consent for c in off.clients] == [False]
    assert [c.notification_consent for c in on.clients] == [True]
    assert off.clients[0].consent_changed_at is not None  # D4's one-hour rule has a T


def test_the_plan_is_the_same_for_the_same_input() -> None:
    account = small_account()
    assert plan_for(account.appointments, account.contacts) == plan_for(
        account.appointments, account.contacts
    )
