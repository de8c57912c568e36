"""Issue 13: each defect seen in a takeover trial, stated in the practice's words.

E6 (DST resolved from UTC), E4 (no merge when contact data conflict), eTermin's
``RecurrenceRule`` read, A8 (overlaps with appointments already in the room).
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs

from lemnicore import SqliteStore
from lemnicore.importing.commit import screen_plan
from lemnicore.testing import FakeClock, Practice
from lemnicore.timekeeping import zone
from lemnicore_etermin.dedup import POSSIBLE_DUPLICATE
from lemnicore_etermin.plan import plan_takeover
from lemnicore_etermin.records import SKIPPED, WARNING, read_appointment
from lemnicore_etermin.takeover import EterminImporter, commit_takeover
from lemnicore_etermin.testing import EterminAccount, FakeEterminServer
from lemnicore_etermin.testing.samples import appointment

from .conftest import NOW, TODAY, options
from .test_plan import plan_for
from .test_takeover import snapshot

BERLIN = zone("Europe/Berlin")


def test_e6_an_appointment_in_the_spring_forward_hour_is_taken_from_its_utc_times() -> None:
    # 29 March 2026: clocks jump from 02:00 to 03:00 in Berlin; 02:30 does not exist.
    record = appointment(
        1,
        "2026-03-29T02:30:00",
        "2026-03-29T03:30:00",
        StartDateTimeUtc="2026-03-29T01:30:00",
        EndDateTimeUtc="2026-03-29T02:30:00",
    )
    found, issues = read_appointment(record, BERLIN)
    assert found is not None, issues
    assert found.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert found.end == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    assert [i.action for i in issues if i.field == "StartDateTime"] == ["imported"]
    assert "does not exist" in next(i.reason for i in issues if i.field == "StartDateTime")


def test_e6_an_appointment_in_the_repeated_autumn_hour_keeps_its_utc_times() -> None:
    # 25 October 2026: 02:00–03:00 happens twice; this one is the second (CET, 01:30Z).
    record = appointment(
        2,
        "2026-10-25T02:30:00",
        "2026-10-25T02:50:00",
        StartDateTimeUtc="2026-10-25T01:30:00",
        EndDateTimeUtc="2026-10-25T01:50:00",
    )
    found, _ = read_appointment(record, BERLIN)
    assert found is not None
    assert (found.start, found.end) == (
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 50, tzinfo=UTC),
    )


def test_e6_without_utc_times_a_gap_time_still_moves_forward_like_a_clock() -> None:
    found, issues = read_appointment(
        appointment(3, "2026-03-29T02:30:00", "2026-03-29T04:00:00"), BERLIN
    )
    assert found is not None, issues
    assert found.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_e4_two_ben_beckers_born_the_same_day_with_different_emails_stay_two_clients() -> None:
    plan = plan_for(
        [
            appointment(
                1,
                "2026-05-05T09:00:00",
                "2026-05-05T09:30:00",
                CID="c-1",
                FirstName="Ben",
                LastName="Becker",
                Email="ben@becker.de",
                Birthday="01.02.1980",
            ),
            appointment(
                2,
                "2026-05-06T09:00:00",
                "2026-05-06T09:30:00",
                CID="c-2",
                FirstName="Ben",
                LastName="Becker",
                Email="b.becker@web.de",
                Birthday="01.02.1980",
            ),
        ],
    )
    assert plan.merges == ()
    assert sorted(c.email or "" for c in plan.clients) == ["b.becker@web.de", "ben@becker.de"]
    assert len({a.client_id for a in plan.appointments}) == 2
    [doubt] = plan.possible_duplicates
    assert doubt.rule.startswith(POSSIBLE_DUPLICATE)
    assert "different e-mail addresses" in doubt.rule
    assert (doubt.kept, doubt.merged) == ("appointment 1", "appointment 2")
    assert plan.counts["possible_duplicates"] == 1
    flagged = [i for i in plan.issues if i.field == "client"]
    assert [(i.record_id, i.action) for i in flagged] == [("appointment 2", WARNING)]


def test_e4_same_name_and_birth_date_with_different_phones_is_a_possible_duplicate() -> None:
    plan = plan_for(
        [
            appointment(
                1,
                "2026-05-05T09:00:00",
                "2026-05-05T09:30:00",
                Email=None,
                Phone="0170 1111111",
                Birthday="01.02.1980",
            ),
            appointment(
                2,
                "2026-05-06T09:00:00",
                "2026-05-06T09:30:00",
                Email=None,
                Phone="0171 2222222",
                Birthday="01.02.1980",
            ),
        ],
    )
    assert plan.merges == ()
    assert len(plan.clients) == 2
    assert "different phone numbers" in plan.possible_duplicates[0].rule


def test_e4_same_name_and_birth_date_without_conflicting_data_still_merges() -> None:
    plan = plan_for(
        [
            appointment(
                1,
                "2026-05-05T09:00:00",
                "2026-05-05T09:30:00",
                Email="ben@becker.de",
                Birthday="01.02.1980",
            ),
            appointment(
                2,
                "2026-05-06T09:00:00",
                "2026-05-06T09:30:00",
                Email=None,
                Phone="0170 1111111",
                Birthday="01.02.1980",
            ),
        ],
    )
    assert len(plan.merges) == 1
    assert plan.possible_duplicates == ()


def test_etermin_recurrence_rule_is_read_and_reported() -> None:
    found, issues = read_appointment(
        appointment(
            4,
            "2026-05-05T09:00:00",
            "2026-05-05T09:30:00",
            RecurrenceRule="FREQ=WEEKLY;COUNT=10",
        ),
        BERLIN,
    )
    assert found is not None
    [note] = [i for i in issues if i.field == "RecurrenceRule"]
    assert note.action == WARNING
    assert "FREQ=WEEKLY;COUNT=10" in note.reason
    assert note.action != SKIPPED


def test_a8_imported_appointments_meeting_hand_entered_ones_are_reported_and_flagged(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    koch = next(iter(practice.calendars))
    # Entered by hand: 5 May, 09:15–09:45 in Raum 1; eTermin's appointment 11 is 09:00–09:30.
    by_hand = practice.appointment(
        koch, "room-1", datetime(2026, 5, 5, 9, 15, tzinfo=BERLIN), minutes=30
    )
    importer = EterminImporter.connect(
        account.public_key, account.private_key, base_url=fake.base_url
    )
    chosen = options(practice)
    fetched = importer.fetch(chosen, today=TODAY)
    importer.close()
    plan = plan_takeover(fetched, chosen, today=TODAY, now=NOW)
    with store.unit_of_work(write=False) as uow:
        screened = screen_plan(uow, plan)
    [meeting] = [o for o in screened.overlaps if "already in the room" in o.first]
    assert meeting.first == f"appointment {by_hand.id} (already in the room)"
    assert meeting.second == "etermin:appointment:ext-11"
    assert screened.counts["overlaps_with_existing"] == 1
    assert snapshot(store)["appointments"] == [attrs.asdict(by_hand)]  # dry run wrote nothing

    run = commit_takeover(store, plan, clock=FakeClock(NOW))
    with store.unit_of_work(write=False) as uow:
        imported = uow.appointments.by_external_id("etermin:appointment:ext-11")
        untouched = uow.appointments.get(by_hand.id)
    assert imported is not None
    assert imported.double_booked
    assert untouched == by_hand
    assert run.counts["overlaps_with_existing"] == 1
