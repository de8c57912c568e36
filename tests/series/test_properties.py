"""A9/A10 as properties: whatever the busy time, buffers and practitioner hours, no proposed
treatment and no free slot overlaps busy time (with buffers), a practitioner's other
appointments, or lies outside their hours; never two treatments on one day — across the
DST change of March 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.busy import Span, merge_spans
from lemnicore.scheduling.series import SeriesCalendar, SeriesRequest, propose_series
from lemnicore.scheduling.slots import free_slots
from lemnicore.timekeeping import local_datetime, zone

BERLIN = zone("Europe/Berlin")
FIRST = date(2026, 3, 16)
LAST = date(2026, 4, 26)
ORIGIN = local_datetime(FIRST, time(0), BERLIN).astimezone(UTC)
SPAN_MINUTES = (LAST - FIRST).days * 24 * 60


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@st.composite
def busy_spans(draw: st.DrawFn, max_size: int = 40) -> list[Span]:
    spans = []
    for _ in range(draw(st.integers(0, max_size))):
        start = ORIGIN + timedelta(minutes=5 * draw(st.integers(0, SPAN_MINUTES // 5)))
        spans.append((start, start + timedelta(minutes=5 * draw(st.integers(1, 36)))))
    return spans


@st.composite
def rooms(draw: st.DrawFn) -> dict[str, list[Availability]]:
    found = {}
    for n in range(draw(st.integers(1, 3))):
        opens = draw(st.integers(6, 12))
        found[f"room-{n}"] = [
            Availability(
                f"av-{n}",
                f"room-{n}",
                (
                    WorkingTime(
                        draw(st.frozensets(st.integers(0, 5), min_size=1)),
                        time(opens),
                        time(opens + draw(st.integers(1, 8))),
                    ),
                ),
                slot_length=timedelta(minutes=draw(st.sampled_from([15, 20, 30, 45]))),
            )
        ]
    return found


@settings(max_examples=60, deadline=None)
@given(
    availabilities=rooms(),
    room_busy=st.lists(busy_spans(), min_size=3, max_size=3),
    practitioner_busy=busy_spans(),
    hours=st.one_of(st.none(), busy_spans(max_size=60)),
    before=st.integers(0, 20),
    after=st.integers(0, 20),
    weekdays=st.frozensets(st.integers(0, 5), min_size=1, max_size=3),
    wished=st.integers(6, 18),
    count=st.integers(1, 12),
    minutes=st.sampled_from([20, 30, 45, 60]),
)
def test_a9_a10_no_proposed_treatment_overlaps_busy_time_buffers_or_other_rooms(
    availabilities: dict[str, list[Availability]],
    room_busy: list[list[Span]],
    practitioner_busy: list[Span],
    hours: list[Span] | None,
    before: int,
    after: int,
    weekdays: frozenset[int],
    wished: int,
    count: int,
    minutes: int,
) -> None:
    room_ids = tuple(availabilities)
    busy = {r: merge_spans(room_busy[i]) for i, r in enumerate(room_ids)}
    p_busy = merge_spans(practitioner_busy)
    p_windows = merge_spans(hours) if hours is not None else None
    buffers = (timedelta(minutes=before), timedelta(minutes=after))
    request = SeriesRequest("c", "t", "cal", count, weekdays, time(wished), FIRST, LAST, room_ids)
    now = ORIGIN - timedelta(days=1)
    proposal = propose_series(
        request,
        SeriesCalendar(availabilities, busy, p_busy, p_windows, buffers),
        now,
        duration=timedelta(minutes=minutes),
    )
    assert len(proposal.slots) <= count
    assert proposal.complete or proposal.shortfall
    days = [s.start.astimezone(BERLIN).date() for s in proposal.slots]
    assert len(set(days)) == len(days), "two treatments on one day"
    for slot in proposal.slots:
        mine = (slot.start, slot.end)
        widened = (slot.start - buffers[0], slot.end + buffers[1])
        assert slot.end - slot.start == timedelta(minutes=minutes)
        assert not any(overlaps(widened, b) for b in busy[slot.room_id]), "room busy"
        assert not any(overlaps(mine, b) for b in p_busy), "practitioner elsewhere"
        if p_windows is not None:
            assert any(w[0] <= slot.start and slot.end <= w[1] for w in p_windows)
        windows = availabilities[slot.room_id][0].windows(slot.start, slot.end)
        assert any(w.start <= slot.start and slot.end <= w.end for w in windows), (
            "outside working time"
        )
        assert FIRST <= slot.start.astimezone(BERLIN).date() <= LAST
    for a, b in zip(proposal.slots, proposal.slots[1:], strict=False):
        assert a.end <= b.start


@settings(max_examples=60, deadline=None)
@given(
    availabilities=rooms(),
    busy=busy_spans(),
    hours=st.one_of(st.none(), busy_spans(max_size=60)),
    before=st.integers(0, 20),
    after=st.integers(0, 20),
)
def test_a10_no_free_slot_overlaps_busy_time_with_buffers_or_leaves_the_practitioners_hours(
    availabilities: dict[str, list[Availability]],
    busy: list[Span],
    hours: list[Span] | None,
    before: int,
    after: int,
) -> None:
    availability = next(iter(availabilities.values()))[0]
    p_windows = merge_spans(hours) if hours is not None else None
    buffers = (timedelta(minutes=before), timedelta(minutes=after))
    start, end = ORIGIN, ORIGIN + timedelta(days=14)
    for slot in free_slots(availability, busy, start, end, practitioner=p_windows, buffers=buffers):
        widened = (slot.start - buffers[0], slot.end + buffers[1])
        assert not any(overlaps(widened, b) for b in busy)
        if p_windows is not None:
            assert any(w[0] <= slot.start and slot.end <= w[1] for w in p_windows)


@settings(max_examples=100, deadline=None)
@given(
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    first=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    days=st.integers(0, 60),
    valid_from=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    valid_days=st.one_of(st.none(), st.integers(0, 400)),
)
def test_a5_working_days_counted_directly_are_the_rrule_days(
    weekdays: frozenset[int], first: date, days: int, valid_from: date, valid_days: int | None
) -> None:
    until = valid_from + timedelta(days=valid_days) if valid_days is not None else None
    wt = WorkingTime(weekdays, time(8), time(12), valid_from=valid_from, valid_until=until)
    last = first + timedelta(days=days)
    lo = datetime.combine(max(first, valid_from), time(0))
    expected = [
        d.date() for d in wt.rule(lo.date()).between(lo, datetime.combine(last, time(0)), inc=True)
    ]
    assert list(wt.days_between(first, last)) == expected
