"""E8: appointments from .ics calendar files (Google, Outlook, Apple exports), through the
shared import pipeline: recurring events expanded in the window, idempotent by UID +
RECURRENCE-ID, one room per file; all-day events skipped with a reason; floating times,
TZID with VTIMEZONE and the DST Sundays (E6) read right."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest

from lemnicore import AppointmentType, Branch, Organisation, SqliteStore, ValidationError
from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.importing.ical.importer import (
    EVENT_TYPE,
    CalendarFileImporter,
    FileMapping,
    plan_calendar_import,
)
from lemnicore.importing.ical.reading import CalendarFile, read_calendar
from lemnicore.importing.issues import SKIPPED
from lemnicore.importing.pipeline import ImportTarget, run_import
from lemnicore.importing.reset import reset_import
from lemnicore.testing import FakeClock, Practice
from lemnicore.timekeeping import zone

CALENDARS = Path(__file__).parent / "calendars"
TODAY = date(2026, 5, 4)
NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)
BERLIN = zone("Europe/Berlin")


def read(name: str, *, first: date = date(2026, 3, 1), last: date = date(2026, 12, 31)):  # type: ignore[no-untyped-def]
    file = CalendarFile(name, (CALENDARS / name).read_bytes())
    return read_calendar(file, time_zone="Europe/Berlin", first_day=first, last_day=last)


def local(event_start: datetime) -> str:
    return f"{event_start.astimezone(BERLIN):%d.%m. %H:%M}"


def test_e8_a_weekly_series_keeps_its_wall_clock_time_across_the_spring_forward_sunday() -> None:
    outlook = read("outlook.ics")
    series = [e for e in outlook.events if "Sehtest" in e.summary]
    # Outlook's own VTIMEZONE "W. Europe Standard Time"; 29 March 2026 lies in between.
    assert [local(e.start) for e in series] == ["17.03. 09:00", "24.03. 09:00", "31.03. 09:00",
                                               "07.04. 09:00"]  # fmt: skip
    assert [e.start.hour for e in series] == [8, 8, 7, 7]  # UTC: CET, then CEST
    assert all((e.end - e.start).total_seconds() == 1800 for e in series)


def test_e6_e8_a_time_in_the_spring_forward_gap_moves_forward_and_is_noted() -> None:
    outlook = read("outlook.ics")
    [night] = [e for e in outlook.events if e.summary == "Nachtdienst (Zeitumstellung)"]
    assert night.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert night.end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)  # 04:00 CEST
    assert any("does not exist" in i.reason for i in outlook.issues)
    [autumn] = [e for e in outlook.events if e.summary == "Nachtdienst Herbst"]
    assert autumn.start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # first 02:30 (CEST)
    assert any("happens twice" in i.reason for i in outlook.issues)


def test_e8_a_tzid_the_file_does_not_define_is_read_in_the_practice_zone_and_noted() -> None:
    outlook = read("outlook.ics")
    [event] = [e for e in outlook.events if e.summary == "Zone ohne VTIMEZONE"]
    assert local(event.start) == "01.06. 09:00"
    assert any("'Praxis Ortszeit' is not defined" in i.reason for i in outlook.issues)


def test_e8_exdate_removes_and_recurrence_id_moves_one_occurrence() -> None:
    google = read("google.ics")
    physio = [e for e in google.events if "Physiotherapie" in e.summary]
    assert [local(e.start) for e in physio] == [
        "06.05. 10:00", "13.05. 10:00", "28.05. 14:00", "03.06. 10:00", "10.06. 10:00"
    ]  # fmt: skip
    moved = next(e for e in physio if "verschoben" in e.summary)
    # The moved occurrence keeps the key of the date it replaces (27 May, 08:00Z).
    assert moved.key == "ics:series-physio@google.com#20260527T080000Z"


def test_e8_rdate_adds_an_occurrence_to_a_monthly_series() -> None:
    apple = read("apple.ics")
    checks = [e for e in apple.events if e.summary == "Kontrolle monatlich"]
    assert [local(e.start) for e in checks] == [
        "11.05. 08:00", "03.06. 08:00", "11.06. 08:00", "11.07. 08:00"
    ]  # fmt: skip
    assert all((e.end - e.start).total_seconds() == 45 * 60 for e in checks)


def test_e8_all_day_free_and_cancelled_events_are_skipped_with_their_reason() -> None:
    google = read("google.ics")
    skipped = {(i.record_id, i.reason) for i in google.issues if i.action == SKIPPED}
    assert (
        "google.ics: event pfingstmontag@google.com",
        "all-day event: not an appointment",
    ) in skipped
    assert ("google.ics: event cancelled-1@google.com", "cancelled in the calendar") in skipped
    assert google.all_day == 1


def test_e8_floating_times_are_wall_clock_time_of_the_calendars_zone() -> None:
    google = read("google.ics")
    [hearing] = [e for e in google.events if e.summary.startswith("Hörtest")]
    assert local(hearing.start) == "07.05. 09:00"  # X-WR-TIMEZONE: Europe/Berlin


def test_e8_the_window_bounds_the_expansion() -> None:
    google = read("google.ics", first=date(2026, 5, 10), last=date(2026, 6, 5))
    physio = [local(e.start) for e in google.events if "Physiotherapie" in e.summary]
    assert physio == ["13.05. 10:00", "28.05. 14:00", "03.06. 10:00"]
    assert any("outside the window" in i.reason for i in google.issues)


@pytest.fixture
def practice(tmp_path: Path) -> Iterator[Practice]:
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=NOW, default_consent=False)
    practice.add_room("Raum 1")
    practice.add_room("Raum 2")
    practice.add_practitioner("Frau Koch")
    yield practice
    store.close()


def importer(practice: Practice, **files: str) -> CalendarFileImporter:
    target = ImportTarget.of_store(practice.store, window_from_days=-60, window_to_days=200)
    calendar = next(iter(practice.calendars.values()))
    return CalendarFileImporter(
        [CalendarFile(name, (CALENDARS / name).read_bytes()) for name in files],
        [FileMapping(name, room, calendar) for name, room in files.items()],
        target,
    )


def appointments(practice: Practice) -> list[tuple[str | None, str | None, bool]]:
    with practice.store.unit_of_work(write=False) as uow:
        found = uow.appointments.starting_between(NOW.replace(year=2025), NOW.replace(year=2027))
    return sorted((a.external_id, a.import_id, a.double_booked) for a in found)


def test_e8_e3_e4_e5_dry_run_commit_rerun_and_reset_through_the_pipeline(
    practice: Practice,
) -> None:
    clock = FakeClock(NOW)
    files = {"google.ics": "room-1", "apple.ics": "room-1", "outlook.ics": "room-2"}
    dry = run_import(
        SYSTEM_ACTOR, importer(practice, **files), practice.store, clock=clock, today=TODAY,
        dry=True,
    )  # fmt: skip
    assert appointments(practice) == []
    assert dry.run.status == "dry_run"
    planned = dry.plan.counts["appointments"]
    # Google 05.05 09:00 and Apple 05.05 09:00 share Raum 1 (A8): reported, both flagged.
    assert dry.plan.shared_rooms == {"room-1": ("google.ics", "apple.ics")}
    assert len(dry.plan.overlaps) == 1

    first = run_import(
        SYSTEM_ACTOR, importer(practice, **files), practice.store, clock=clock, today=TODAY
    )
    stored = appointments(practice)
    assert len(stored) == planned == first.run.counts["appointments_created"]
    assert {import_id for _, import_id, _ in stored} == {first.run.id}
    assert sum(1 for *_, double in stored if double) == 2

    again = run_import(
        SYSTEM_ACTOR, importer(practice, **files), practice.store, clock=clock, today=TODAY
    )
    assert again.run.counts["appointments_created"] == 0
    assert appointments(practice) == stored

    removed = reset_import(practice.store, first.run.id, actor=SYSTEM_ACTOR, clock=clock)
    assert removed.appointments_removed == planned
    assert appointments(practice) == []


def test_e8_the_same_event_in_two_files_is_imported_once_and_reported(
    practice: Practice,
) -> None:
    target = ImportTarget.of_store(practice.store, window_from_days=-60, window_to_days=200)
    data = (CALENDARS / "apple.ics").read_bytes()
    calendars = [
        read_calendar(CalendarFile(name, data), time_zone="Europe/Berlin",
                      first_day=date(2026, 3, 5), last_day=date(2026, 11, 20))
        for name in ("a.ics", "b.ics")
    ]  # fmt: skip
    calendar = next(iter(practice.calendars.values()))
    plan = plan_calendar_import(
        calendars,
        [FileMapping("a.ics", "room-1", calendar), FileMapping("b.ics", "room-2", calendar)],
        target,
        today=TODAY,
        now=NOW,
    )
    assert plan.counts["duplicate_events"] == len(calendars[1].events)
    assert len(plan.appointments) == len(calendars[0].events)
    assert all(a.room_id == "room-1" for a in plan.appointments)


def test_e8_a_file_that_is_not_a_calendar_is_refused_naming_it(practice: Practice) -> None:
    from lemnicore.errors import ValidationError

    target = ImportTarget.of_store(practice.store)
    calendar = next(iter(practice.calendars.values()))
    broken = CalendarFileImporter(
        [CalendarFile("kontakte.csv", b"Nachname;Vorname\r\nWeber;Anna\r\n")],
        [FileMapping("kontakte.csv", "room-1", calendar)],
        target,
    )
    with pytest.raises(ValidationError, match=r"kontakte\.csv") as caught:
        run_import(SYSTEM_ACTOR, broken, practice.store, clock=FakeClock(NOW), today=TODAY)
    assert "not an iCalendar file" in str(caught.value)
    assert appointments(practice) == []


def test_b1_e4_imported_events_use_the_shared_type_never_one_another_practice_owns(
    practice: Practice,
) -> None:
    """The import types (``ics-event``) are shared: their names come from lemnicore, not
    from the file. If another practice of the store owns that id, the import is refused
    naming ``type_id`` and nothing is written (B1: no booking with another's type)."""
    clock = FakeClock(NOW)
    first = run_import(
        SYSTEM_ACTOR, importer(practice, **{"google.ics": "room-1"}), practice.store,
        clock=clock, today=TODAY,
    )  # fmt: skip
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointment_types.get(EVENT_TYPE.id).organisation_id is None
    reset_import(practice.store, first.run.id, actor=SYSTEM_ACTOR, clock=clock)
    with practice.store.unit_of_work() as uow:
        uow.appointment_types.remove(EVENT_TYPE.id)
        uow.organisations.put(Organisation("org-2", "Praxis Nord"))
        uow.appointment_types.put(AppointmentType(EVENT_TYPE.id, "Nord", organisation_id="org-2"))
        uow.commit()
    target = ImportTarget.of_store(
        practice.store, "org-1", window_from_days=-60, window_to_days=200
    )
    calendar = next(iter(practice.calendars.values()))
    refused = CalendarFileImporter(
        [CalendarFile("google.ics", (CALENDARS / "google.ics").read_bytes())],
        [FileMapping("google.ics", "room-1", calendar)],
        target,
    )
    with practice.store.unit_of_work(write=False) as uow:
        runs_before = len(uow.import_runs.all())
    with pytest.raises(ValidationError) as taken:
        run_import(SYSTEM_ACTOR, refused, practice.store, clock=clock, today=TODAY)
    assert taken.value.field == "type_id"
    assert "org-2" not in str(taken.value)
    assert appointments(practice) == []
    with practice.store.unit_of_work(write=False) as uow:
        assert len(uow.import_runs.all()) == runs_before


def test_b1_an_import_maps_only_to_its_own_practices_rooms_and_calendars() -> None:
    """B1/E2: two practices share one store; the Praxis am Park's import may map a source
    calendar only to its own rooms and calendars — the other practice's are neither
    accepted nor named in the error."""
    practice = Practice(now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna")
    with practice.store.unit_of_work() as uow:
        uow.organisations.put(Organisation("org-2", "Hörakustik Nord", "Europe/Berlin", True))
        uow.branches.put(Branch("nord", "org-2", "N1", "Kiel", "Europe/Berlin"))
        uow.rooms.put(attrs.evolve(uow.rooms.get(room), id="their-room", branch_id="nord"))
        uow.commit()
    target = ImportTarget.of_store(practice.store, "org-1")
    assert target.rooms == {room}
    assert target.calendars == {practice.calendars[anna]}
    with pytest.raises(ValidationError, match="--calendar") as refused:
        target.room_and_calendar("their-room", option="--calendar", spec="1=their-room")
    assert "their-room" not in str(refused.value).split("store has:")[1]
