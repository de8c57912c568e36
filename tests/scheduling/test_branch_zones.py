"""A5 × §0: working times are wall-clock times in the zone of the room's branch, unless
an availability names another zone explicitly; G2: ``Practice.add_branch`` adds a branch."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from lemnicore import OnlineBooking
from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.slots import slot_grid
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import local_datetime, zone

LISBON = zone("Europe/Lisbon")
BERLIN = zone("Europe/Berlin")
NOW = datetime(2026, 5, 4, 6, tzinfo=UTC)  # Monday


def lisbon(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute), LISBON)


def test_g2_add_branch_adds_a_second_branch_and_leaves_the_first_alone() -> None:
    """The issue: add_branch returned the existing branch's id and overwrote HH1 with HH2."""
    practice = Practice(now=NOW)
    room = practice.add_room("Raum 1")
    second = practice.add_branch("HH2", "Hamburg Nord")
    assert second != practice.branch.id
    with practice.store.unit_of_work(write=False) as uow:
        codes = {b.id: b.code for b in uow.branches.all()}
        assert uow.rooms.get(room).branch_id == practice.branch.id
    assert codes == {practice.branch.id: "HH1", second: "HH2"}
    third = practice.add_branch("LIS1", time_zone="Europe/Lisbon")
    assert len({practice.branch.id, second, third}) == 3


def test_a5_a_lisbon_room_working_0900_1000_offers_0900_lisbon_time() -> None:
    """A5 (issue example): Lisbon hours for a Lisbon branch — not 08:00 Lisbon (= 09:00 Berlin)."""
    practice = Practice(now=NOW)
    branch = practice.add_branch("LIS1", "Lisboa", time_zone="Europe/Lisbon")
    room = practice.add_room("Sala 1", branch_id=branch)
    practice.add_working_time(room, MON_FRI, time(9), time(10))
    day = date(2026, 5, 4)
    slots = practice.book.free_slots(
        SYSTEM_ACTOR, room, lisbon(day, 0), lisbon(day + timedelta(days=1), 0)
    )
    assert [(s.start, s.end) for s in slots] == [
        (lisbon(day, 9), lisbon(day, 9, 30)),
        (lisbon(day, 9, 30), lisbon(day, 10)),
    ]
    assert slots[0].start.tzinfo == LISBON  # shown in the branch's zone


def test_a5_an_availability_naming_another_zone_keeps_it() -> None:
    """A5: "unless an availability names another zone explicitly"."""
    practice = Practice(now=NOW)
    branch = practice.add_branch("LIS1", "Lisboa", time_zone="Europe/Lisbon")
    room = practice.add_room("Sala 1", branch_id=branch)
    practice.add_working_time(room, MON_FRI, time(9), time(10), time_zone="Europe/Berlin")
    day = date(2026, 5, 4)
    slots = practice.book.free_slots(
        SYSTEM_ACTOR, room, lisbon(day, 0), lisbon(day + timedelta(days=1), 0)
    )
    assert slots[0].start == local_datetime(day, time(9), BERLIN)  # 08:00 in Lisbon
    assert slots[0].start.tzinfo == BERLIN


def test_a5_an_availability_without_zone_takes_the_branch_zone_given_to_it() -> None:
    plain = Availability("av-1", "room-1", (WorkingTime(MON_FRI, time(9), time(10)),))
    assert plain.time_zone is None
    assert plain.in_branch_zone("Europe/Lisbon").time_zone == "Europe/Lisbon"
    named = Availability(
        "av-2", "room-1", (WorkingTime(MON_FRI, time(9), time(10)),), time_zone="Asia/Tokyo"
    )
    assert named.in_branch_zone("Europe/Lisbon") is named
    day = date(2026, 5, 4)
    grid = slot_grid(plain.in_branch_zone("Europe/Lisbon"), (), lisbon(day, 0), lisbon(day, 23))
    assert grid[0].start == lisbon(day, 9)


def test_a5_c2_the_lisbon_week_view_offers_lisbon_hours() -> None:
    """A5 × C2: the public week view of a Lisbon room, labelled Europe/Lisbon, starts 09:00."""
    practice = Practice(now=NOW)
    branch = practice.add_branch("LIS1", "Lisboa", time_zone="Europe/Lisbon")
    room = practice.add_room("Sala 1", branch_id=branch)
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(9), time(10))
    online = OnlineBooking(practice.store, practice.clock)
    release = online.release(practice.owner(anna), room, practice.calendars[anna])
    week = online.week(release.token, date(2026, 5, 11))
    assert week.time_zone == "Europe/Lisbon"
    firsts = sorted(s.start for s in week.free_slots)
    assert firsts[0] == lisbon(date(2026, 5, 11), 9)


def test_a5_a7_community_slots_in_a_lisbon_room_are_lisbon_hours() -> None:
    practice = Practice(now=NOW)
    branch = practice.add_branch("LIS1", "Lisboa", time_zone="Europe/Lisbon")
    room = practice.add_room("Sala 1", branch_id=branch)
    anna, ben = practice.add_practitioner("Anna"), practice.add_practitioner("Ben")
    practice.add_working_time(room, MON_FRI, time(9), time(10))
    community = practice.add_community("Gemeinschaft", [anna, ben], [room])
    from lemnicore.services.communities import CalendarCommunities

    service = CalendarCommunities(practice.store, practice.clock)
    day = date(2026, 5, 4)
    slots = service.slot_grid(
        practice.owner(anna),
        community,
        practice.calendars[anna],
        room,
        lisbon(day, 0),
        lisbon(day, 23),
    )
    assert slots[0].start == lisbon(day, 9)


def test_a5_an_availability_without_zone_survives_a_sqlite_file(tmp_path: Path) -> None:
    """F1: "no zone of its own" is stored as such, so the branch's zone applies after reopening."""
    store = SqliteStore(tmp_path / "p.db")
    practice = Practice(store, now=NOW)
    branch = practice.add_branch("LIS1", "Lisboa", time_zone="Europe/Lisbon")
    room = practice.add_room("Sala 1", branch_id=branch)
    practice.add_working_time(room, MON_FRI, time(9), time(10))
    store.close()
    reopened = SqliteStore(tmp_path / "p.db")
    try:
        with reopened.unit_of_work(write=False) as uow:
            [stored] = uow.availabilities.all()
        assert stored.time_zone is None
    finally:
        reopened.close()
