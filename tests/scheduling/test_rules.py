"""A3 statuses, A4 overlaps, A6 significant reschedules, A8 overlapping pairs, A7 community."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest

from lemnicore.errors import InvalidTransitionError
from lemnicore.scheduling.appointments import ACTIVE_STATUSES, Appointment, AppointmentStatus
from lemnicore.scheduling.community import BusyTime, CalendarCommunity, community_view
from lemnicore.scheduling.intervals import Interval, merge, subtract
from lemnicore.scheduling.rules import conflicts, is_significant_reschedule, overlapping_pairs

S = AppointmentStatus
MONDAY = datetime(2026, 5, 4, tzinfo=UTC)


def at(hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(hours=hour, minutes=minute)


def appt(
    ident: str,
    start: datetime,
    end: datetime,
    *,
    room: str = "room-1",
    calendar: str = "cal-anna",
    status: AppointmentStatus = S.BOOKED,
    **more: object,
) -> Appointment:
    return Appointment(
        id=ident,
        calendar_id=calendar,
        room_id=room,
        start=start,
        end=end,
        type_id="treatment",
        status=status,
        **more,  # type: ignore[arg-type]
    )


# -- A3 -------------------------------------------------------------------------------------


def test_a3_cancelled_and_no_show_never_block_a_room() -> None:
    assert {s for s in S if not s.blocks_room} == {S.CANCELLED, S.NO_SHOW}
    assert frozenset({S.PROPOSED, S.BOOKED, S.COMPLETED}) == ACTIVE_STATUSES


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (S.PROPOSED, S.BOOKED),
        (S.PROPOSED, S.CANCELLED),
        (S.BOOKED, S.CANCELLED),
        (S.BOOKED, S.NO_SHOW),
        (S.BOOKED, S.COMPLETED),
        (S.NO_SHOW, S.BOOKED),
        (S.COMPLETED, S.BOOKED),
    ],
)
def test_a3_allowed_status_steps(before: AppointmentStatus, after: AppointmentStatus) -> None:
    a = appt("a-1", at(9), at(10), status=before)
    assert a.with_status(after).status is after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (S.CANCELLED, S.BOOKED),
        (S.CANCELLED, S.PROPOSED),
        (S.BOOKED, S.PROPOSED),
        (S.PROPOSED, S.NO_SHOW),
        (S.PROPOSED, S.COMPLETED),
        (S.BOOKED, S.BOOKED),
        (S.COMPLETED, S.NO_SHOW),
    ],
)
def test_a3_refused_status_steps_name_the_appointment(
    before: AppointmentStatus, after: AppointmentStatus
) -> None:
    a = appt("a-7", at(9), at(10), status=before)
    with pytest.raises(InvalidTransitionError, match=f"'a-7' is {before.value}") as caught:
        a.with_status(after)
    assert caught.value.appointment_id == "a-7"


# -- A4 -------------------------------------------------------------------------------------


def test_a4_back_to_back_appointments_do_not_conflict() -> None:
    nine_to_ten = appt("a-1", at(9), at(10))
    ten_to_eleven = appt("a-2", at(10), at(11))
    assert conflicts(ten_to_eleven, "room-1", [nine_to_ten]) == []
    assert conflicts(Interval(at(8), at(9)), "room-1", [nine_to_ten]) == []


def test_a4_an_overlap_by_one_minute_conflicts() -> None:
    nine_to_ten = appt("a-1", at(9), at(10))
    assert conflicts(appt("a-2", at(9, 59), at(11)), "room-1", [nine_to_ten]) == [nine_to_ten]


def test_a4_conflicts_are_listed_in_time_order_and_only_in_that_room() -> None:
    later = appt("a-2", at(10), at(11))
    earlier = appt("a-1", at(9), at(10))
    elsewhere = appt("a-3", at(9), at(11), room="room-2")
    found = conflicts(Interval(at(9, 30), at(10, 30)), "room-1", [later, elsewhere, earlier])
    assert [a.id for a in found] == ["a-1", "a-2"]


@pytest.mark.parametrize("status", [S.CANCELLED, S.NO_SHOW])
def test_a4_a_cancelled_or_no_show_appointment_is_no_conflict(status: AppointmentStatus) -> None:
    gone = appt("a-1", at(9), at(10), status=status)
    assert conflicts(Interval(at(9), at(10)), "room-1", [gone]) == []


@pytest.mark.parametrize("status", [S.PROPOSED, S.BOOKED, S.COMPLETED])
def test_a4_proposed_booked_and_completed_appointments_block(status: AppointmentStatus) -> None:
    there = appt("a-1", at(9), at(10), status=status)
    assert conflicts(Interval(at(9), at(10)), "room-1", [there]) == [there]


def test_a4_an_appointment_does_not_conflict_with_itself_when_moved() -> None:
    original = appt("a-1", at(9), at(10))
    moved = attrs.evolve(original, start=at(9, 30), end=at(10, 30))
    assert conflicts(moved, "room-1", [original]) == []


# -- A6 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"start": at(9, 15), "end": at(10, 15)},
        {"start": at(9) + timedelta(days=1), "end": at(10) + timedelta(days=1)},
    ],
    ids=["new start time", "new date"],
)
def test_a6_moving_the_start_is_a_significant_reschedule(change: dict[str, datetime]) -> None:
    before = appt("a-1", at(9), at(10))
    assert is_significant_reschedule(before, attrs.evolve(before, **change))


@pytest.mark.parametrize(
    "change",
    [
        {"room_id": "room-2"},
        {"type_id": "massage"},
        {"comment": "bring X-ray"},
        {"end": at(10, 30)},
    ],
    ids=["room", "type", "comment", "longer session"],
)
def test_a6_room_type_comment_or_end_alone_are_not_significant(change: dict[str, object]) -> None:
    before = appt("a-1", at(9), at(10))
    assert not is_significant_reschedule(before, attrs.evolve(before, **change))


def test_a6_the_same_instant_in_another_zone_is_no_move() -> None:
    before = appt("a-1", at(9), at(10))
    berlin = before.start.astimezone(ZoneInfo("Europe/Berlin"))
    assert not is_significant_reschedule(before, attrs.evolve(before, start=berlin))


# -- A8 -------------------------------------------------------------------------------------


def test_a8_overlapping_pairs_lists_every_pair_per_room() -> None:
    a = appt("a", at(9), at(11))
    b = appt("b", at(10), at(12))
    c = appt("c", at(10, 30), at(10, 45))
    touching = appt("d", at(12), at(13))
    other_room = appt("e", at(9), at(13), room="room-2")
    pairs = overlapping_pairs([touching, c, other_room, b, a])
    assert {(x.id, y.id) for x, y in pairs} == {("a", "b"), ("a", "c"), ("b", "c")}


def test_a8_cancelled_appointments_make_no_pair() -> None:
    a = appt("a", at(9), at(11))
    b = appt("b", at(10), at(12), status=S.CANCELLED)
    assert overlapping_pairs([a, b]) == []


def test_a8_no_overlap_no_pairs() -> None:
    day = [appt(f"a{h}", at(h), at(h + 1)) for h in range(8, 18)]
    assert overlapping_pairs(day) == []


# -- intervals ------------------------------------------------------------------------------


def test_a4_a5_merge_joins_touching_and_overlapping_intervals() -> None:
    merged = merge([Interval(at(10), at(11)), Interval(at(9), at(10)), Interval(at(12), at(13))])
    assert merged == [Interval(at(9), at(11)), Interval(at(12), at(13))]


def test_a5_subtract_leaves_the_gaps() -> None:
    gaps = subtract(
        Interval(at(8), at(12)), [Interval(at(9), at(10)), Interval(at(11, 30), at(13))]
    )
    assert gaps == [Interval(at(8), at(9)), Interval(at(10), at(11, 30))]


# -- A7 -------------------------------------------------------------------------------------


def test_a7_a_member_sees_only_busy_time_of_the_others() -> None:
    community = CalendarCommunity(
        "com-1", "Praxisgemeinschaft", {"cal-anna", "cal-ben"}, {"room-shared"}
    )
    own = appt("a-1", at(9), at(10), room="room-shared", client_id="c-1", comment="Knie")
    bens = appt(
        "b-1", at(10), at(11), room="room-shared", calendar="cal-ben", client_id="c-2", comment="x"
    )
    bens_cancelled = appt(
        "b-2", at(12), at(13), room="room-shared", calendar="cal-ben", status=S.CANCELLED
    )
    bens_private_room = appt("b-3", at(9), at(10), room="room-ben", calendar="cal-ben")
    mine, busy = community_view(
        community, "cal-anna", [bens, own, bens_cancelled, bens_private_room]
    )
    assert mine == [own]
    assert busy == [BusyTime("room-shared", at(10), at(11))]


def test_a7_busy_time_carries_no_client_type_comment_or_status() -> None:
    names = {f.name for f in attrs.fields(BusyTime)}
    assert names == {"room_id", "start", "end"}


# -- the repeated hour of 25 October 2026 (DST) --------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
SUMMER_0230 = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)  # 00:30 UTC
WINTER_0200 = datetime(2026, 10, 25, 2, 0, fold=1, tzinfo=BERLIN)  # 01:00 UTC
WINTER_0230 = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN)  # 01:30 UTC


def test_dst_a1_an_appointment_from_0230_summer_to_0200_winter_time_is_half_an_hour() -> None:
    a = appt("a-1", SUMMER_0230, WINTER_0200)
    assert a.interval.duration == timedelta(minutes=30)


def test_dst_a6_moving_from_0230_summer_to_0230_winter_time_is_significant() -> None:
    """Same wall clock, one real hour later: the client must come at another time."""
    before = appt("a-1", SUMMER_0230, SUMMER_0230 + timedelta(minutes=20))
    # Arithmetic in UTC: Python adds to a Berlin-zone time by wall clock and drops the fold.
    winter = WINTER_0230.astimezone(UTC)
    after = attrs.evolve(before, start=winter, end=winter + timedelta(minutes=20))
    assert is_significant_reschedule(before, after)


def test_dst_a4_the_repeated_hour_does_not_overlap_the_first_one() -> None:
    first = appt("a-1", SUMMER_0230, WINTER_0200)  # 00:30-01:00 UTC
    second = appt("a-2", WINTER_0200, WINTER_0230)  # 01:00-01:30 UTC
    assert conflicts(second, "room-1", [first]) == []
    assert overlapping_pairs([first, second]) == []
    third = appt("a-3", WINTER_0200 - timedelta(minutes=1), WINTER_0230)
    assert overlapping_pairs([first, third, second]) != []
