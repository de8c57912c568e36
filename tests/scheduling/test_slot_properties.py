"""A5 as properties: for any working time, slot length and busy time, free slots never
overlap busy time, never cross a working-window edge, lie inside the query, and come sorted
without overlapping each other — on ordinary days and on the DST nights of 2026."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.intervals import Interval
from lemnicore.scheduling.slots import free_slots, slot_grid
from lemnicore.timekeeping import local_datetime, zone

BERLIN = zone("Europe/Berlin")
# Ordinary days and both switch nights of 2026 (29 March, 25 October).
FIRST_DAYS = st.sampled_from(
    [date(2026, 3, 27), date(2026, 3, 29), date(2026, 5, 4), date(2026, 10, 24), date(2026, 10, 25)]
)
MINUTE_OF_DAY = st.integers(min_value=0, max_value=24 * 12 - 1).map(lambda n: n * 5)


@st.composite
def working_times(draw: st.DrawFn) -> WorkingTime:
    start = draw(MINUTE_OF_DAY.filter(lambda m: m < 23 * 60 + 55))
    end = draw(st.integers(min_value=start + 5, max_value=24 * 60 - 1))
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    return WorkingTime(days, time(start // 60, start % 60), time(end // 60, end % 60))


@st.composite
def availabilities(draw: st.DrawFn) -> Availability:
    return Availability(
        "av-1",
        "room-1",
        tuple(draw(st.lists(working_times(), min_size=1, max_size=3))),
        slot_length=timedelta(minutes=draw(st.integers(min_value=5, max_value=150))),
    )


@st.composite
def situations(draw: st.DrawFn) -> tuple[Availability, list[Interval], datetime, datetime]:
    first = draw(FIRST_DAYS)
    # Arithmetic in UTC: adding to a Berlin-zone datetime counts wall-clock minutes.
    midnight = local_datetime(first, time(0), BERLIN).astimezone(UTC)
    start = midnight + timedelta(minutes=draw(MINUTE_OF_DAY))
    end = start + timedelta(minutes=draw(st.integers(min_value=1, max_value=4 * 24 * 60)))
    busy = [
        Interval(s, s + timedelta(minutes=length))
        for s, length in draw(
            st.lists(
                st.tuples(
                    st.integers(-600, 5 * 24 * 60).map(lambda m: start + timedelta(minutes=m)),
                    st.integers(1, 300),
                ),
                max_size=12,
            )
        )
    ]
    return draw(availabilities()), busy, start, end


@settings(max_examples=150, deadline=None)
@given(situations())
def test_a5_free_slots_respect_busy_time_working_edges_and_the_query(
    situation: tuple[Availability, list[Interval], datetime, datetime],
) -> None:
    av, busy, start, end = situation
    slots = free_slots(av, busy, start, end)
    windows = av.windows(start, end)
    query = Interval(start, end)
    for s in slots:
        iv = s.interval
        assert iv.duration == av.slot_length
        assert not any(iv.overlaps(b) for b in busy), "a free slot overlaps busy time"
        assert query.contains(iv), "a slot lies outside the query"
        assert any(w.contains(iv) for w in windows), "a slot crosses a working-time edge"
    for earlier, later in itertools.pairwise(slots):
        assert earlier.interval.end <= later.interval.start, "slots overlap or are unsorted"


@settings(max_examples=100, deadline=None)
@given(situations())
def test_a5_the_grid_is_complete_and_free_means_untouched_by_busy_time(
    situation: tuple[Availability, list[Interval], datetime, datetime],
) -> None:
    av, busy, start, end = situation
    grid = slot_grid(av, busy, start, end)
    query = Interval(start, end)
    for s in grid:
        assert s.free == (not any(s.interval.overlaps(b) for b in busy))
    # Every window inside the query holds as many slots as fit into its real duration.
    for window in av.windows(start, end):
        if query.contains(window):
            inside = [s for s in grid if window.contains(s.interval)]
            assert len(inside) == window.duration // av.slot_length
