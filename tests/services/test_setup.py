"""A1/A2/A5/A10/B1/B3: setting up a practice through the services — the organisation and
its branches, practitioners with their calendars, their own working hours, the rooms' opening hours and appointment types
with buffers — on every store."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from lemnicore import (
    SYSTEM_ACTOR,
    AccessDeniedError,
    Actor,
    AppointmentBook,
    AuditTrail,
    OnlineBooking,
    OutsideWorkingHoursError,
    PracticeSetup,
    Role,
    SlotTakenError,
    ValidationError,
    WorkingHours,
    WorkingTime,
)
from lemnicore.scheduling.practice import Branch, Organisation, Room
from lemnicore.storage.ports import Store
from lemnicore.testing import FakeClock, Practice
from lemnicore.timekeeping import zone

NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)  # Monday 07:00 in Berlin
BERLIN = zone("Europe/Berlin")
EVERY_DAY = frozenset(range(7))
ADMIN = Actor("user-admin", Role.OWNER, name="Praxisleitung", organisation_id="org-1")


@pytest.fixture
def practice(store: Store) -> Practice:
    return Practice(store, now=NOW)


def setup_of(practice: Practice) -> PracticeSetup:
    return PracticeSetup(practice.store, practice.clock)


def hours_of(practice: Practice) -> WorkingHours:
    return WorkingHours(practice.store, practice.clock)


def local_starts(slots: list[object]) -> list[time]:
    return [s.start.astimezone(BERLIN).time() for s in slots]  # type: ignore[attr-defined]


def frau_koch(practice: Practice) -> str:
    """Frau Koch joins the practice and works Mondays 08:00–12:00 Berlin time; Room 1 is
    open every day 07:00–19:00."""
    account = setup_of(practice).add_practitioner(ADMIN, "org-1", "Frau Koch")
    koch = account.practitioner.id
    practice.calendars[koch] = account.calendar.id  # so that practice.appointment() finds it
    hours_of(practice).set_practitioner_hours(ADMIN, koch, [WorkingTime({0}, time(8), time(12))])
    return koch


def open_room(practice: Practice, *, online: bool = False) -> str:
    room = practice.add_room("Room 1", online_booking=online)
    hours_of(practice).set_room_hours(ADMIN, room, [WorkingTime(EVERY_DAY, time(7), time(19))])
    return room


def calendar_of(practice: Practice, practitioner_id: str) -> str:
    overview = setup_of(practice).overview(ADMIN, "org-1")
    return next(
        a.calendar.id for a in overview.practitioners if a.practitioner.id == practitioner_id
    )


def test_a10_frau_kochs_free_slots_end_when_her_monday_hours_end(practice: Practice) -> None:
    room = open_room(practice)
    koch = frau_koch(practice)
    monday = (practice.at(2026, 3, 2), practice.at(2026, 3, 3))
    free = practice.book.free_slots(
        practice.front_desk(), room, *monday, calendar_id=calendar_of(practice, koch)
    )
    assert local_starts(free)[0] == time(8)
    assert local_starts(free)[-1] == time(11, 30)  # her last slot ends at 12:00
    assert len(practice.book.free_slots(practice.front_desk(), room, *monday)) == 24  # room alone


def test_a10_an_online_request_at_13_00_with_frau_koch_is_refused(practice: Practice) -> None:
    room = open_room(practice, online=True)
    koch = frau_koch(practice)
    online = OnlineBooking(practice.store, practice.clock)
    release = online.release(practice.front_desk(), room, calendar_of(practice, koch))
    # The grid shows 13:00 as not free; asked anyway, the answer says why — not "taken".
    with pytest.raises(OutsideWorkingHoursError) as outside:
        online.request(
            release.token, practice.at(2026, 3, 2, 13), last_name="Berger", email="b@example.org"
        )
    assert not isinstance(outside.value, SlotTakenError)
    assert outside.value.field == "start"
    assert "working hours" in str(outside.value)
    assert "taken" not in str(outside.value)
    with pytest.raises(OutsideWorkingHoursError):
        online.hold(release.token, practice.at(2026, 3, 2, 13))
    receipt = online.request(
        release.token, practice.at(2026, 3, 2, 11), last_name="Berger", email="b@example.org"
    )
    assert receipt.start.astimezone(BERLIN).time() == time(11)


@pytest.mark.parametrize(
    ("saturday", "sunday", "monday"),
    [
        (date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)),  # summer time begins
        (date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)),  # and ends
    ],
)
def test_a10_across_the_dst_sunday_her_hours_stay_at_local_08_00(
    practice: Practice, saturday: date, sunday: date, monday: date
) -> None:
    room = open_room(practice)
    koch = setup_of(practice).add_practitioner(ADMIN, "org-1", "Frau Koch").practitioner.id
    hours_of(practice).set_practitioner_hours(
        ADMIN, koch, [WorkingTime(EVERY_DAY, time(8), time(12))]
    )
    calendar = calendar_of(practice, koch)
    offsets = set()
    for day in (saturday, sunday, monday):
        start = practice.at(day.year, day.month, day.day)
        end = start + timedelta(days=2)  # wide enough: 23 or 25 hours that day
        free = [
            s
            for s in practice.book.free_slots(
                practice.front_desk(), room, start, end, calendar_id=calendar
            )
            if s.start.astimezone(BERLIN).date() == day
        ]
        assert local_starts(free)[0] == time(8), day
        assert local_starts(free)[-1] == time(11, 30), day
        offsets.add(free[0].start.astimezone(BERLIN).utcoffset())
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}  # the real instant moved


def test_a10_new_hours_replace_the_old_ones_and_the_change_is_audited(practice: Practice) -> None:
    koch = frau_koch(practice)
    hours = hours_of(practice)
    hours.set_practitioner_hours(
        ADMIN,
        koch,
        [WorkingTime({1, 2, 3}, time(8), time(12)), WorkingTime({1, 2, 3}, time(13), time(17))],
    )
    kept = hours.practitioner_hours(practice.front_desk(), koch)
    assert len(kept) == 1
    assert [(sorted(w.weekdays), w.start, w.end) for w in kept[0].working_times] == [
        ([1, 2, 3], time(8), time(12)),
        ([1, 2, 3], time(13), time(17)),
    ]
    assert kept[0].time_zone == "Europe/Berlin"  # her branch's zone
    entries = [
        e
        for e in AuditTrail(practice.store).entries(ADMIN, "org-1")
        if e.action == "practice.practitioner_hours_set"
    ]
    assert len(entries) == 2
    last = entries[-1]
    assert last.actor_id == ADMIN.id
    assert last.subject_id == koch
    assert last.before is not None
    assert last.after is not None
    assert last.before["hours"][0]["working_times"] == [
        {"weekdays": [0], "start": "08:00", "end": "12:00"}
    ]
    assert len(last.after["hours"][0]["working_times"]) == 2


def test_a10_overlapping_working_times_are_refused_naming_the_field_and_nothing_changes(
    practice: Practice,
) -> None:
    koch = frau_koch(practice)
    hours = hours_of(practice)
    with pytest.raises(ValidationError, match="overlaps") as refused:
        hours.set_practitioner_hours(
            ADMIN,
            koch,
            [WorkingTime({0, 1}, time(8), time(12)), WorkingTime({1}, time(11), time(13))],
        )
    assert refused.value.field == "working_times"
    kept = hours.practitioner_hours(ADMIN, koch)
    assert [(w.start, w.end) for h in kept for w in h.working_times] == [(time(8), time(12))]
    # Windows that merely touch are two windows, not an overlap (A5).
    hours.set_practitioner_hours(
        ADMIN, koch, [WorkingTime({0}, time(8), time(12)), WorkingTime({0}, time(12), time(16))]
    )


def test_a5_a_working_time_ending_before_it_starts_is_refused_naming_end() -> None:
    with pytest.raises(ValidationError) as refused:
        WorkingTime({0}, time(12), time(8))
    assert refused.value.field == "end"


def test_a5_no_working_time_at_all_is_refused(practice: Practice) -> None:
    room = practice.add_room("Room 1")
    with pytest.raises(ValidationError) as refused:
        hours_of(practice).set_room_hours(ADMIN, room, [])
    assert refused.value.field == "working_times"


def test_a10_unknown_practitioner_and_room_are_named(practice: Practice) -> None:
    hours = hours_of(practice)
    monday = [WorkingTime({0}, time(8), time(12))]
    with pytest.raises(ValidationError) as unknown_practitioner:
        hours.set_practitioner_hours(ADMIN, "nobody", monday)
    assert unknown_practitioner.value.field == "practitioner_id"
    with pytest.raises(ValidationError) as unknown_room:
        hours.set_room_hours(ADMIN, "no-room", monday)
    assert unknown_room.value.field == "room_id"


def test_b1_another_organisations_room_is_refused_and_left_alone(practice: Practice) -> None:
    room = open_room(practice)
    stranger = Actor("user-eve", Role.OWNER, organisation_id="org-2")
    with pytest.raises(AccessDeniedError, match=r"WorkingHours\.set_room_hours"):
        hours_of(practice).set_room_hours(stranger, room, [WorkingTime({0}, time(8), time(9))])
    [kept] = hours_of(practice).room_hours(ADMIN, room)
    assert kept.working_times[0].start == time(7)


def test_b1_the_front_desk_reads_hours_but_may_not_change_them(practice: Practice) -> None:
    koch = frau_koch(practice)
    desk = practice.front_desk()
    with pytest.raises(AccessDeniedError, match="administration"):
        hours_of(practice).set_practitioner_hours(desk, koch, [WorkingTime({0}, time(8), time(9))])
    assert len(hours_of(practice).practitioner_hours(desk, koch)) == 1


def test_a5_room_hours_are_the_branch_zones_and_replace_the_rooms_earlier_hours(
    practice: Practice,
) -> None:
    lisbon = practice.add_branch("LIS1", "Lisboa", "Europe/Lisbon")
    sala = practice.add_room("Sala 1", branch_id=lisbon)
    hours = hours_of(practice)
    hours.set_room_hours(ADMIN, sala, [WorkingTime({0}, time(8), time(18))])
    hours.set_room_hours(
        ADMIN, sala, [WorkingTime({0}, time(9), time(10))], slot_length=timedelta(minutes=20)
    )
    [kept] = hours.room_hours(ADMIN, sala)
    assert kept.time_zone == "Europe/Lisbon"
    free = practice.book.free_slots(
        practice.front_desk(), sala, practice.at(2026, 3, 2), practice.at(2026, 3, 3)
    )
    lisbon_zone = zone("Europe/Lisbon")
    assert [s.start.astimezone(lisbon_zone).time() for s in free] == [
        time(9),
        time(9, 20),
        time(9, 40),
    ]
    [entry] = [
        e
        for e in AuditTrail(practice.store).entries(ADMIN, "org-1")
        if e.action == "practice.room_hours_set" and e.before and e.before["hours"]
    ]
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["hours"][0]["working_times"][0]["end"] == "18:00"
    assert entry.after["hours"][0]["slot_minutes"] == 20


def test_a1_a_practitioner_gets_a_calendar_in_a_branch_and_works_in_its_zone(
    practice: Practice,
) -> None:
    lisbon = practice.add_branch("LIS1", "Lisboa", "Europe/Lisbon")
    account = setup_of(practice).add_practitioner(
        ADMIN, "org-1", "Dra. Sousa", branch_id=lisbon, email="sousa@example.org"
    )
    assert account.calendar.owner_id == account.practitioner.id
    assert account.calendar.branch_id == lisbon
    hours = hours_of(practice).set_practitioner_hours(
        ADMIN, account.practitioner.id, [WorkingTime({0}, time(9), time(13))]
    )
    assert hours.time_zone == "Europe/Lisbon"
    with pytest.raises(ValidationError) as taken:
        setup_of(practice).add_practitioner(
            ADMIN, "org-1", "Twin", practitioner_id=account.practitioner.id
        )
    assert taken.value.field == "practitioner_id"
    with pytest.raises(ValidationError) as elsewhere:
        setup_of(practice).add_practitioner(ADMIN, "org-1", "Nomad", branch_id="branch-99")
    assert elsewhere.value.field == "branch_id"


def test_a10_a_type_set_up_with_cleaning_time_blocks_the_room_but_the_client_sees_30_minutes(
    practice: Practice,
) -> None:
    room = open_room(practice, online=True)
    koch = frau_koch(practice)
    massage = setup_of(practice).add_appointment_type(
        ADMIN,
        "org-1",
        "Massage",
        duration=timedelta(minutes=30),
        buffer_after=timedelta(minutes=10),
        type_id="massage",
    )
    booked = practice.appointment(koch, room, practice.at(2026, 3, 2, 9), type_id=massage.id)
    assert booked.end - booked.start == timedelta(minutes=30)  # what the client is told
    online = OnlineBooking(practice.store, practice.clock)
    release = online.release(practice.front_desk(), room, calendar_of(practice, koch))
    week = online.week(release.token, date(2026, 3, 2))
    monday = [s for s in week.free_slots if s.start.astimezone(BERLIN).date() == date(2026, 3, 2)]
    assert time(9, 30) not in local_starts(monday)  # the cabin is being cleaned
    assert time(10) in local_starts(monday)
    with pytest.raises(ValidationError) as taken:
        setup_of(practice).add_appointment_type(ADMIN, "org-1", "Other", type_id="massage")
    assert taken.value.field == "type_id"
    [entry] = [
        e
        for e in AuditTrail(practice.store).entries(ADMIN, "org-1")
        if e.action == "practice.type_added"
    ]
    assert entry.after is not None
    assert entry.after["buffer_after_minutes"] == 10


def test_a1_the_overview_shows_what_was_set_up(practice: Practice) -> None:
    room = open_room(practice)
    koch = frau_koch(practice)
    overview = setup_of(practice).overview(practice.front_desk(), "org-1")
    assert [r.id for r in overview.rooms] == [room]
    assert [a.practitioner.name for a in overview.practitioners] == ["Frau Koch"]
    assert [h.practitioner_id for h in overview.practitioner_hours] == [koch]
    assert [a.room_id for a in overview.room_hours] == [room]
    assert overview.room_hours[0].time_zone == "Europe/Berlin"
    assert "treatment" in [t.id for t in overview.appointment_types]


# -- B1: appointment types belong to the practice that set them up ---------------------

NORD_ADMIN = Actor("user-nord", Role.OWNER, name="Leitung Nord", organisation_id="org-2")
NORD_DESK = Actor("user-nord-desk", Role.FRONT_DESK, name="Empfang Nord", organisation_id="org-2")


def praxis_nord(practice: Practice) -> tuple[str, str]:
    """Praxis Nord (org-2) shares the store with Praxis am Park (org-1) but is its own data
    controller (B1); Herr Lind works there in Raum Nord. Returns (calendar, room)."""
    with practice.store.unit_of_work() as uow:
        uow.organisations.put(Organisation("org-2", "Praxis Nord"))
        uow.branches.put(Branch("branch-nord", "org-2", "N1", "Nord"))
        uow.rooms.put(Room("room-nord", "branch-nord", "Raum Nord", online_booking=True))
        uow.commit()
    account = setup_of(practice).add_practitioner(
        NORD_ADMIN, "org-2", "Herr Lind", practitioner_id="lind", calendar_id="cal-lind"
    )
    return account.calendar.id, "room-nord"


def test_b1_the_overview_lists_only_the_practices_own_types_and_the_shared_ones(
    practice: Practice,
) -> None:
    praxis_nord(practice)
    setup = setup_of(practice)
    hoertest = setup.add_appointment_type(ADMIN, "org-1", "Hörtest Premium", type_id="hoertest")
    setup.add_appointment_type(NORD_ADMIN, "org-2", "Traumatherapie", type_id="trauma")
    assert hoertest.organisation_id == "org-1"
    park = {t.name for t in setup.overview(ADMIN, "org-1").appointment_types}
    nord = {t.name for t in setup.overview(NORD_ADMIN, "org-2").appointment_types}
    assert park == {"Hörtest Premium", "Treatment"}  # "Treatment" is a shared type
    assert nord == {"Traumatherapie", "Treatment"}


def test_b1_a_type_id_another_practice_uses_is_refused_without_naming_that_practice(
    practice: Practice,
) -> None:
    praxis_nord(practice)
    setup = setup_of(practice)
    setup.add_appointment_type(ADMIN, "org-1", "Hörtest Premium", type_id="hoertest")
    with pytest.raises(ValidationError) as taken:
        setup.add_appointment_type(NORD_ADMIN, "org-2", "Hörtest", type_id="hoertest")
    assert taken.value.field == "type_id"
    assert "org-1" not in str(taken.value)
    assert "Premium" not in str(taken.value)
    with pytest.raises(ValidationError) as reserved:  # shared by every practice's requests
        setup.add_appointment_type(ADMIN, "org-1", "Anfrage", type_id="booking-request")
    assert reserved.value.field == "type_id"
    [kept] = [t for t in setup.overview(ADMIN, "org-1").appointment_types if t.id == "hoertest"]
    assert (kept.name, kept.organisation_id) == ("Hörtest Premium", "org-1")


def test_b1_booking_or_changing_to_another_practices_type_is_refused(practice: Practice) -> None:
    calendar, room = praxis_nord(practice)
    setup_of(practice).add_appointment_type(ADMIN, "org-1", "Hörtest Premium", type_id="hoertest")
    own = setup_of(practice).add_appointment_type(NORD_ADMIN, "org-2", "Beratung")
    start = practice.at(2026, 3, 3, 9)
    with pytest.raises(ValidationError) as foreign:
        practice.book.book(
            NORD_DESK, calendar_id=calendar, room_id=room, start=start, type_id="hoertest"
        )
    assert foreign.value.field == "type_id"
    booked = practice.book.book(
        NORD_DESK, calendar_id=calendar, room_id=room, start=start, type_id=own.id
    )
    with pytest.raises(ValidationError) as changed:
        practice.book.change(NORD_DESK, booked.id, type_id="hoertest")
    assert changed.value.field == "type_id"
    [kept] = practice.book.calendar(NORD_DESK, calendar, start, start + timedelta(days=1))
    assert kept.type_id == own.id
    online = OnlineBooking(practice.store, practice.clock)
    with pytest.raises(ValidationError) as released:
        online.release(NORD_DESK, room, calendar, type_id="hoertest")
    assert released.value.field == "type_id"


# -- an organisation and its branches, bootstrapped through the services (A1) --------------

LISBON = zone("Europe/Lisbon")
OWNER_LX = Actor("user-sousa", Role.OWNER, name="Dra. Sousa", organisation_id="org-lx")


@pytest.mark.parametrize(
    ("saturday", "sunday"),
    [
        (date(2026, 3, 28), date(2026, 3, 29)),  # summer time begins in Lisbon
        (date(2026, 10, 24), date(2026, 10, 25)),  # and ends
    ],
)
def test_a1_a_practice_bootstrapped_from_nothing_offers_09_00_lisbon_time_across_a_dst_sunday(
    store: Store, saturday: date, sunday: date
) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    setup = PracticeSetup(store, clock)
    hours = WorkingHours(store, clock)
    organisation = setup.create_organisation(
        SYSTEM_ACTOR, "org-lx", "Clínica do Tejo", "Europe/Lisbon", plan="L"
    )
    assert (organisation.time_zone, organisation.plan) == ("Europe/Lisbon", "L")
    branch = setup.add_branch(OWNER_LX, "org-lx", "LX1", "Lisboa Baixa", branch_id="lx1")
    assert branch.time_zone == "Europe/Lisbon"  # the organisation's zone by default
    room = setup.add_room(OWNER_LX, branch.id, "Sala 1")
    sousa = setup.add_practitioner(OWNER_LX, "org-lx", "Dra. Sousa", branch_id=branch.id)
    hours.set_room_hours(OWNER_LX, room.id, [WorkingTime(EVERY_DAY, time(8), time(18))])
    hours.set_practitioner_hours(
        OWNER_LX, sousa.practitioner.id, [WorkingTime(EVERY_DAY, time(9), time(12))]
    )
    book = AppointmentBook(store, clock)
    firsts = []
    for day in (saturday, sunday):
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        free = book.free_slots(
            OWNER_LX, room.id, start, start + timedelta(days=1), calendar_id=sousa.calendar.id
        )
        firsts.append(free[0].start)
        assert free[0].start.astimezone(LISBON).time() == time(9), day
        assert free[-1].end.astimezone(LISBON).time() == time(12), day
    # The same 09:00 on the wall, a different instant: WET is UTC+0, WEST UTC+1.
    assert {f.astimezone(LISBON).utcoffset() for f in firsts} == {
        timedelta(0),
        timedelta(hours=1),
    }
    actions = {(e.action, e.actor_id) for e in AuditTrail(store).entries(OWNER_LX, "org-lx")}
    assert {
        ("practice.organisation_created", SYSTEM_ACTOR.id),
        ("practice.branch_added", OWNER_LX.id),
    } <= actions


def test_b1_an_owner_may_not_create_another_organisation_in_a_shared_store(
    practice: Practice,
) -> None:
    with pytest.raises(AccessDeniedError) as refused:
        setup_of(practice).create_organisation(ADMIN, "org-9", "Konkurrenz", "Europe/Berlin")
    assert refused.value.actor_id == ADMIN.id
    assert "PracticeSetup.create_organisation" in refused.value.action
    assert "system actor" in str(refused.value)
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.organisations.find("org-9") is None


def test_a1_an_organisation_id_taken_is_refused_without_naming_that_organisation(
    practice: Practice,
) -> None:
    with pytest.raises(ValidationError) as taken:
        setup_of(practice).create_organisation(SYSTEM_ACTOR, "org-1", "Praxis Neu", "Europe/Berlin")
    assert taken.value.field == "organisation_id"
    assert practice.organisation.name not in str(taken.value)
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.organisations.get("org-1") == practice.organisation  # left alone


def test_a1_a_time_zone_that_is_not_iana_is_refused_naming_time_zone(store: Store) -> None:
    setup = PracticeSetup(store, FakeClock(NOW))
    with pytest.raises(ValidationError) as bad:
        setup.create_organisation(SYSTEM_ACTOR, "org-lx", "Clínica", "Lisbon/Portugal")
    assert bad.value.field == "time_zone"
    with pytest.raises(ValidationError) as plan:
        setup.create_organisation(SYSTEM_ACTOR, "org-lx", "Clínica", "Europe/Lisbon", plan="XXL")
    assert plan.value.field == "plan"
    with pytest.raises(ValidationError) as empty:
        setup.create_organisation(SYSTEM_ACTOR, " ", "Clínica", "Europe/Lisbon")
    assert empty.value.field == "organisation_id"
    with store.unit_of_work(write=False) as uow:
        assert uow.organisations.find("org-lx") is None
    setup.create_organisation(SYSTEM_ACTOR, "org-lx", "Clínica", "Europe/Lisbon")
    with pytest.raises(ValidationError) as branch_zone:
        setup.add_branch(OWNER_LX, "org-lx", "LX1", "Lisboa", "Europe/Lisboa")
    assert branch_zone.value.field == "time_zone"


def test_a1_d2_a_branch_code_another_branch_has_in_another_case_is_refused(
    practice: Practice,
) -> None:
    setup = setup_of(practice)
    porto = setup.add_branch(ADMIN, "org-1", "OPO1", "Porto", "Europe/Lisbon")
    assert porto.time_zone == "Europe/Lisbon"
    with pytest.raises(ValidationError) as twin:
        setup.add_branch(ADMIN, "org-1", "opo1", "Porto Norte")
    assert twin.value.field == "code"
    assert "OPO1" in str(twin.value)
    with pytest.raises(ValidationError) as taken:
        setup.add_branch(ADMIN, "org-1", "OPO2", "Porto Sul", branch_id=porto.id)
    assert taken.value.field == "branch_id"
    # Another organisation may use the same code: codes are unique within one (A1, D2).
    setup.create_organisation(SYSTEM_ACTOR, "org-lx", "Clínica", "Europe/Lisbon")
    setup.add_branch(OWNER_LX, "org-lx", "opo1", "Porto")
    with practice.store.unit_of_work(write=False) as uow:
        codes = sorted(b.code for b in uow.branches.all() if b.organisation_id == "org-1")
    assert "opo1" not in codes
    assert codes.count("OPO1") == 1


def test_b1_only_the_practices_administration_adds_a_branch(practice: Practice) -> None:
    stranger = Actor("user-eve", Role.OWNER, organisation_id="org-2")
    setup = setup_of(practice)
    for actor in (practice.front_desk(), stranger):
        with pytest.raises(AccessDeniedError):
            setup.add_branch(actor, "org-1", "HB9", "Bremen")
    entry = None
    setup.add_branch(ADMIN, "org-1", "HB9", "Bremen", branch_id="hb9")
    for e in AuditTrail(practice.store).entries(ADMIN, "org-1"):
        if e.action == "practice.branch_added":
            entry = e
    assert entry is not None
    assert entry.after == {
        "branch_id": "hb9",
        "code": "HB9",
        "name": "Bremen",
        "time_zone": "Europe/Berlin",
    }
