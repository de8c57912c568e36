"""F1/A4 as a property: both stores answer "what is in this room (or calendar) then?"
exactly like a brute-force filter over every appointment, whatever the appointments and
the question."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.sqlite.store import SqliteStore

ORIGIN = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # spans the October DST night
ROOMS = ("room-1", "room-2")
CALENDARS = ("cal-anna", "cal-ben")
# Quarter hours, as bookings are: appointments and questions often touch at their edges,
# where a half-open bound that became closed (or the reverse) shows.
MINUTES = st.integers(min_value=0, max_value=3 * 24 * 4).map(lambda n: 15 * n)
LENGTHS = st.integers(min_value=1, max_value=12 * 4).map(lambda n: 15 * n)


@st.composite
def appointments(draw: st.DrawFn) -> list[Appointment]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(ROOMS),
                st.sampled_from(CALENDARS),
                MINUTES,
                LENGTHS,
                st.sampled_from(list(AppointmentStatus)),
            ),
            max_size=30,
        )
    )
    return [
        Appointment(
            id=f"a-{n:02d}",
            calendar_id=calendar,
            room_id=room,
            start=ORIGIN + timedelta(minutes=start),
            end=ORIGIN + timedelta(minutes=start + length),
            type_id="treatment",
            status=status,
        )
        for n, (room, calendar, start, length, status) in enumerate(rows)
    ]


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    store = SqliteStore(Path(tmp_path_factory.mktemp("props")) / "p.db")
    yield store
    store.close()


@settings(max_examples=80, deadline=None)
@given(
    appointments(),
    st.sampled_from(ROOMS),
    MINUTES,
    LENGTHS,
    st.booleans(),
)
def test_f1_room_and_calendar_queries_agree_with_a_brute_force_filter_on_both_stores(
    sqlite_file: SqliteStore,
    stored: list[Appointment],
    room: str,
    offset: int,
    length: int,
    active_only: bool,
) -> None:
    start = ORIGIN + timedelta(minutes=offset)
    end = start + timedelta(minutes=length)
    expected = sorted(
        (
            a
            for a in stored
            if a.room_id == room
            and a.start < end
            and start < a.end
            and (a.blocks_room or not active_only)
        ),
        key=lambda a: (a.start, a.id),
    )
    memory = MemoryStore()
    with sqlite_file.unit_of_work() as uow:
        # The same file serves every example: empty it, keep its longest-duration bound.
        for old in uow.appointments.starting_between(ORIGIN, ORIGIN + timedelta(days=9)):
            uow.appointments.delete(old.id)
        uow.appointments.add_many(stored)
        uow.commit()
    with memory.unit_of_work() as uow:
        for a in stored:
            uow.appointments.add(a)
        uow.commit()
    calendar = CALENDARS[offset % 2]
    in_calendar = sorted(
        (a for a in stored if a.calendar_id == calendar and a.start < end and start < a.end),
        key=lambda a: (a.start, a.id),
    )
    starting = sorted((a for a in stored if start <= a.start < end), key=lambda a: (a.start, a.id))
    for store in (memory, sqlite_file):
        with store.unit_of_work(write=False) as uow:
            found = uow.appointments.in_room(room, start, end, active_only=active_only)
            assert uow.appointments.in_calendar(calendar, start, end) == in_calendar, store.url
            assert uow.appointments.starting_between(start, end) == starting, store.url
        assert [a.id for a in found] == [a.id for a in expected], store.url
        assert found == expected
