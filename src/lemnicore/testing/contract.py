"""F1: the storage contract — the behaviour every store must show, as a public test suite.

A store plugin (memory, SQLite, PostgreSQL, or your own) proves it implements the storage
port (:mod:`lemnicore.storage.ports`) by running these tests against it. Subclass
:class:`StoreContract` in a test module and provide a ``store`` fixture that yields a new,
empty store and closes it afterwards::

    import pytest
    from lemnicore.testing.contract import StoreContract

    class TestMyStore(StoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            opened = MyStore(tmp_path / "practice")
            yield opened
            opened.close()

pytest then runs every contract test once for your store. lemnicore runs the same class
against ``memory://``, ``sqlite:///`` and ``postgresql://``.

Two things the contract asks of a store that are easy to miss: a unit of work opened while
another is open in the same thread is refused with :class:`~lemnicore.errors.StoreError`
(it would deadlock on its own locks), and a read-only unit of work may read but not commit
changes. A store may refuse overlapping active appointments of one room on its own (the
PostgreSQL store does, by an exclusion constraint): the contract stores overlapping
appointments only marked ``double_booked``, as staff would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta

import attrs
import pytest

from lemnicore.access.audit import AuditEntry
from lemnicore.access.policy import Grant, Permission
from lemnicore.errors import NotFoundError, StoreError
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.community import CalendarCommunity
from lemnicore.scheduling.practice import (
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.scheduling.practitioner_hours import PractitionerHours
from lemnicore.scheduling.waiting_list import FreedSlot, WaitingEntry, WaitingListOffer
from lemnicore.storage.ports import Store
from lemnicore.timekeeping import zone

__all__ = ["StoreContract"]

BERLIN = zone("Europe/Berlin")
MONDAY_9 = datetime(2026, 5, 4, 9, 0, tzinfo=BERLIN)


HOUR = timedelta(hours=1)


def appt(ident: str, start: datetime, minutes: int = 60, **more: object) -> Appointment:
    values: dict[str, object] = {
        "id": ident,
        "calendar_id": "cal-anna",
        "room_id": "room-1",
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "type_id": "treatment",
    }
    values.update(more)
    return Appointment(**values)  # type: ignore[arg-type]


def put(store: Store, *appointments: Appointment) -> None:
    with store.unit_of_work() as uow:
        for a in appointments:
            uow.appointments.add(a)
        uow.commit()


NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


CATALOG_VALUES: list[tuple[str, str, object]] = [
    ("organisations", "organisation", Organisation("org-1", "Praxis", "Europe/Vienna", True, "L")),
    ("branches", "branch", Branch("branch-1", "org-1", "HH1", "Hamburg")),
    ("rooms", "room", Room("room-1", "branch-1", "Room 1", online_booking=True, booking_token="t")),  # noqa: S106
    ("practitioners", "practitioner", Practitioner("p-1", "org-1", "Anna", "anna@example.org")),
    ("calendars", "calendar", Calendar("cal-1", "p-1", "Anna's calendar", "branch-1")),
    (
        "appointment_types",
        "appointment type",
        AppointmentType("group", "Back school", timedelta(minutes=90), False, True),
    ),
    (
        "availabilities",
        "availability",
        Availability(
            "av-1",
            "room-1",
            (
                WorkingTime(frozenset({0, 2}), time(8), time(12, 30)),
                WorkingTime(
                    frozenset({4}), time(14), time(18), date(2026, 1, 1), date(2026, 12, 31)
                ),
            ),
            slot_length=timedelta(minutes=20),
            calendar_id="cal-1",
            closed_days={date(2026, 5, 14), date(2026, 12, 24)},
            holiday_region="DE-HH",
        ),
    ),
    (
        "communities",
        "community",
        CalendarCommunity("com-1", "Praxisgemeinschaft", {"cal-1", "cal-2"}, {"room-1"}),
    ),
    (
        "grants",
        "grant",
        Grant("cal-1", "user-2", "p-1", NOW, {Permission.BOOK, Permission.VIEW}),
    ),
    (
        "practitioner_hours",
        "practitioner hours",
        PractitionerHours(
            "hours-1",
            "p-1",
            (WorkingTime(frozenset({0, 1}), time(9), time(17)),),
            "Europe/Lisbon",
            closed_days={date(2026, 6, 10)},
        ),
    ),
    (
        "waiting_list",
        "waiting list entry",
        WaitingEntry(
            "wait-1",
            "c-1",
            "treatment",
            date(2026, 5, 4),
            date(2026, 5, 29),
            NOW,
            room_ids={"room-1"},
            weekdays={1, 3},
            from_time=time(8),
            until_time=time(12, 30),
        ),
    ),
    (
        "waiting_list_offers",
        "waiting list offer",
        WaitingListOffer(
            "offer-1",
            "wait-1",
            "c-1",
            FreedSlot("room-1", NOW, NOW + timedelta(minutes=30), "treatment", "cal-1", "p-1"),
            NOW,
            NOW + timedelta(hours=2),
            asked=("c-0",),
            hold_id="hold-1",
        ),
    ),
]


def entry(ident: str, at: datetime, **more: object) -> AuditEntry:
    return AuditEntry(ident, at, more.pop("actor_id", "user-desk"), "appointment.created", **more)  # type: ignore[arg-type]


class StoreContract:
    """The storage contract (F1, F2, B3): subclass it and provide a ``store`` fixture."""

    @pytest.fixture
    def store(self) -> Store:
        """Override: yield a new, empty store of your kind (and close it afterwards)."""
        raise NotImplementedError("a StoreContract subclass provides the 'store' fixture")

    @pytest.mark.parametrize(
        ("table", "kind", "value"), CATALOG_VALUES, ids=[c[0] for c in CATALOG_VALUES]
    )
    def test_f1_master_data_is_read_back_equal(
        self, store: Store, table: str, kind: str, value: object
    ) -> None:
        with store.unit_of_work() as uow:
            getattr(uow, table).put(value)
            uow.commit()
        record_id = value.id  # type: ignore[attr-defined]
        with store.unit_of_work(write=False) as uow:
            catalog = getattr(uow, table)
            assert catalog.get(record_id) == value
            assert catalog.all() == [value]
            assert catalog.find("nope") is None
            with pytest.raises(NotFoundError, match=f"unknown {kind} 'nope'") as caught:
                catalog.get("nope")
            assert caught.value.kind == kind

    def test_b1_an_appointment_types_practice_is_read_back_and_shared_stays_shared(
        self, store: Store
    ) -> None:
        own = AppointmentType("hoertest", "Hörtest Premium", organisation_id="org-1")
        shared = AppointmentType("booking-request", "Booking request")
        with store.unit_of_work() as uow:
            uow.appointment_types.put(own)
            uow.appointment_types.put(shared)
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.appointment_types.get("hoertest").organisation_id == "org-1"
            assert uow.appointment_types.get("booking-request").organisation_id is None
            assert uow.appointment_types.all() == [shared, own]

    def test_f1_put_replaces_all_is_ordered_by_id_remove_forgets(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            for ident in ("room-b", "room-a", "room-c"):
                uow.rooms.put(Room(ident, "branch-1", ident))
            uow.rooms.put(Room("room-b", "branch-1", "renamed"))
            uow.rooms.remove("room-c")
            uow.rooms.remove("room-never")
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert [(r.id, r.name) for r in uow.rooms.all()] == [
                ("room-a", "room-a"),
                ("room-b", "renamed"),
            ]

    def test_f1_an_appointment_is_read_back_with_every_field(self, store: Store) -> None:
        full = appt(
            "a-1",
            MONDAY_9,
            status=AppointmentStatus.PROPOSED,
            client_id="c-1",
            comment="Anfrage: Jana Berg <jana@example.org>",
            is_group=True,
            sequence=3,
            double_booked=True,
            created_at=NOW,
            external_id="etermin-77",
            import_id="import-1",
            series_id="series-1",
        )
        put(store, full)
        with store.unit_of_work(write=False) as uow:
            back = uow.appointments.get("a-1")
        assert back == full
        assert back.start.utcoffset() == timedelta(0)
        assert attrs.asdict(back) == attrs.asdict(full)

    def test_f1_an_appointment_id_is_unique(self, store: Store) -> None:
        put(store, appt("a-1", MONDAY_9))
        with pytest.raises(StoreError, match="a-1"), store.unit_of_work() as uow:
            uow.appointments.add(appt("a-1", MONDAY_9 + HOUR))

    def test_f1_updating_an_unknown_appointment_names_it(self, store: Store) -> None:
        with pytest.raises(NotFoundError, match="'a-9'"), store.unit_of_work() as uow:
            uow.appointments.update(appt("a-9", MONDAY_9))

    def test_f1_in_room_is_half_open_and_skips_inactive_unless_asked(self, store: Store) -> None:
        put(
            store,
            appt("before", MONDAY_9 - HOUR),  # 08-09: touches 09:00, no overlap
            appt("inside", MONDAY_9 + timedelta(minutes=15), 30),
            appt("long", MONDAY_9 - 3 * HOUR, 8 * 60, double_booked=True),  # 06-14, long before
            appt("after", MONDAY_9 + HOUR),  # 10-11: starts at the end, no overlap
            appt("gone", MONDAY_9, status=AppointmentStatus.CANCELLED),
            appt("elsewhere", MONDAY_9, room_id="room-2"),
        )
        with store.unit_of_work(write=False) as uow:
            active = uow.appointments.in_room("room-1", MONDAY_9, MONDAY_9 + HOUR)
            everything = uow.appointments.in_room(
                "room-1", MONDAY_9, MONDAY_9 + HOUR, active_only=False
            )
        assert [a.id for a in active] == ["long", "inside"]
        assert [a.id for a in everything] == ["long", "gone", "inside"]

    def test_a5_a10_busy_time_is_in_rooms_overlap_as_plain_rows(self, store: Store) -> None:
        """Issue 16: the busy-time queries answer what the overlap queries answer (active
        only, half-open, long appointments included), as rows without Appointment objects."""
        put(
            store,
            appt("before", MONDAY_9 - HOUR),
            appt("inside", MONDAY_9 + timedelta(minutes=15), 30, type_id="massage"),
            appt("days", MONDAY_9 - 50 * HOUR, 3 * 24 * 60, double_booked=True),  # > a day
            appt("after", MONDAY_9 + HOUR),
            appt("gone", MONDAY_9, status=AppointmentStatus.CANCELLED),
            appt("elsewhere", MONDAY_9, room_id="room-2", calendar_id="cal-ben"),
            appt("series-a", MONDAY_9 + 24 * HOUR, series_id="s-1"),
            appt("series-b", MONDAY_9 + 48 * HOUR, series_id="s-1"),
        )
        window = (MONDAY_9, MONDAY_9 + HOUR)
        with store.unit_of_work(write=False) as uow:
            busy = uow.appointments.busy_in_room("room-1", *window)
            rooms = uow.appointments.in_room("room-1", *window)
            mine = uow.appointments.busy_of_calendars(["cal-anna", "cal-ben"], *window)
            series = uow.appointments.in_series("s-1")
        assert [b.appointment_id for b in busy] == [a.id for a in rooms] == ["days", "inside"]
        inside = busy[1]
        assert (inside.start, inside.end) == (rooms[1].start, rooms[1].end)
        assert (inside.type_id, inside.room_id, inside.calendar_id) == (
            "massage",
            "room-1",
            "cal-anna",
        )
        assert sorted(b.appointment_id for b in mine) == ["days", "elsewhere", "inside"]
        assert [a.id for a in series] == ["series-a", "series-b"]

    def test_f1_range_and_lookup_queries(self, store: Store) -> None:
        put(
            store,
            appt("a-2", MONDAY_9 + HOUR, client_id="c-1", external_id="x-2", import_id="imp"),
            appt("a-1", MONDAY_9, client_id="c-1", import_id="imp"),
            appt("a-3", MONDAY_9 + timedelta(days=1), calendar_id="cal-ben"),
        )
        day = (MONDAY_9 - 9 * HOUR, MONDAY_9 + 15 * HOUR)
        with store.unit_of_work(write=False) as uow:
            q = uow.appointments
            assert [a.id for a in q.in_calendar("cal-anna", *day)] == ["a-1", "a-2"]
            assert [a.id for a in q.in_calendar("cal-ben", *day)] == []
            assert [a.id for a in q.starting_between(MONDAY_9, MONDAY_9 + HOUR)] == ["a-1"]
            assert [a.id for a in q.of_client("c-1")] == ["a-1", "a-2"]
            found = q.by_external_id("x-2")
            assert found is not None
            assert found.id == "a-2"
            assert q.by_external_id("x-9") is None
            assert [a.id for a in q.with_import_id("imp")] == ["a-1", "a-2"]
            assert q.count() == 3

    def test_b4_f1_counting_a_months_active_appointments_per_calendar(self, store: Store) -> None:
        """B4 counts appointments per month without loading them: active ones only (A3), of
        the given calendars only, half-open at the month's end, one appointment left out."""
        may, june = datetime(2026, 5, 1, tzinfo=BERLIN), datetime(2026, 6, 1, tzinfo=BERLIN)
        put(
            store,
            appt("may-1", MONDAY_9),
            appt("may-2", MONDAY_9 + 2 * HOUR),
            appt("may-other", MONDAY_9, calendar_id="cal-ben", room_id="room-2"),
            appt("may-cancelled", MONDAY_9 + 4 * HOUR, status=AppointmentStatus.CANCELLED),
            appt("may-no-show", MONDAY_9 + 5 * HOUR, status=AppointmentStatus.NO_SHOW),
            appt("june-first", june),
            appt("april-last", may - HOUR),
        )
        with store.unit_of_work(write=False) as uow:
            count = uow.appointments.count_active_starting_between
            assert count({"cal-anna"}, may, june) == 2
            assert count({"cal-anna", "cal-ben"}, may, june) == 3
            assert count({"cal-anna"}, may, june, excluding="may-1") == 1
            assert count({"cal-anna"}, june, june + 30 * 24 * HOUR) == 1
            assert count(set(), may, june) == 0

    def test_f1_update_and_delete(self, store: Store) -> None:
        a = appt("a-1", MONDAY_9)
        put(store, a)
        moved = attrs.evolve(a, start=a.start + 2 * HOUR, end=a.end + 2 * HOUR, sequence=1)
        with store.unit_of_work() as uow:
            uow.appointments.update(moved)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.appointments.get("a-1") == moved
            assert uow.appointments.in_room("room-1", MONDAY_9, MONDAY_9 + HOUR) == []
            uow.appointments.delete("a-1")
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.find("a-1") is None
            assert uow.appointments.count() == 0

    def test_f1_a_lengthened_appointment_is_still_found_by_its_overlap(self, store: Store) -> None:
        """A later moment of a long appointment blocks the room, also after it grew."""
        a = appt("a-1", MONDAY_9, 30)
        put(store, a)
        with store.unit_of_work() as uow:
            uow.appointments.update(attrs.evolve(a, end=MONDAY_9 + 10 * HOUR))
            uow.commit()
        late = MONDAY_9 + 9 * HOUR
        with store.unit_of_work(write=False) as uow:
            assert [x.id for x in uow.appointments.in_room("room-1", late, late + HOUR)] == ["a-1"]

    def test_f1_a_client_is_read_back_with_every_field(self, store: Store) -> None:
        client = Client(
            "c-1",
            "org-1",
            "Berg",
            first_name="Jana",
            salutation="Frau",
            email="Jana.Berg@Example.org",
            mobile="+491701234567",
            phone="040 123",
            threema_id="ABCD1234",
            postal_address="Parkweg 1, 20095 Hamburg",
            birthday=date(1980, 2, 29),
            notes="allergy",
            tags={"vip", "import"},
            preferred_channel="sms",
            notification_consent=True,
            consent_changed_at=NOW,
            contact_changed_at=NOW - HOUR,
            external_id="e-1",
            import_id="imp",
        )
        with store.unit_of_work() as uow:
            uow.clients.add(client)
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.clients.get("c-1") == client
            assert uow.clients.by_email("  jana.berg@EXAMPLE.org ") == [client]
            assert uow.clients.by_external_id("e-1") == client
            assert uow.clients.with_import_id("imp") == [client]
            assert uow.clients.all() == [client]
            assert uow.clients.count() == 1
            with pytest.raises(NotFoundError, match="unknown client 'c-2'"):
                uow.clients.get("c-2")

    def test_f1_client_ids_are_unique_and_updates_need_a_known_client(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.clients.add(Client("c-1", "org-1", "Berg"))
            uow.commit()
        with pytest.raises(StoreError, match="c-1"), store.unit_of_work() as uow:
            uow.clients.add(Client("c-1", "org-1", "Kahl"))
        with pytest.raises(NotFoundError), store.unit_of_work() as uow:
            uow.clients.update(Client("c-2", "org-1", "Kahl"))
        with store.unit_of_work() as uow:
            uow.clients.update(Client("c-1", "org-1", "Berg-Kahl", email="bk@example.org"))
            uow.clients.delete("c-1")
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.clients.count() == 0
            assert uow.clients.by_email("bk@example.org") == []

    def test_b3_the_audit_log_is_queryable_by_appointment_client_actor_and_time(
        self, store: Store
    ) -> None:
        with store.unit_of_work() as uow:
            uow.audit.append(entry("e-1", NOW, appointment_id="a-1", after={"start": "x"}))
            uow.audit.append(entry("e-2", NOW + HOUR, client_id="c-1", actor_id="user-anna"))
            uow.audit.append(entry("e-3", NOW + 2 * HOUR, appointment_id="a-1", client_id="c-1"))
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            log = uow.audit
            assert [e.id for e in log.query()] == ["e-1", "e-2", "e-3"]
            assert [e.id for e in log.query(appointment_id="a-1")] == ["e-1", "e-3"]
            assert [e.id for e in log.query(client_id="c-1")] == ["e-2", "e-3"]
            assert [e.id for e in log.query(actor_id="user-anna")] == ["e-2"]
            assert [e.id for e in log.query(since=NOW + HOUR)] == ["e-2", "e-3"]
            assert [e.id for e in log.query(client_id="c-1", actor_id="user-desk")] == ["e-3"]
            assert log.query()[0] == entry("e-1", NOW, appointment_id="a-1", after={"start": "x"})

    def test_b3_the_audit_log_has_no_way_to_change_or_delete(self, store: Store) -> None:
        with store.unit_of_work(write=False) as uow:
            assert not hasattr(uow.audit, "update")
            assert not hasattr(uow.audit, "delete")

    def test_f1_leaving_without_commit_leaves_nothing(self, store: Store) -> None:
        with store.unit_of_work() as uow:
            uow.appointments.add(appt("a-1", MONDAY_9))
            uow.rooms.put(Room("room-1", "branch-1", "Room 1"))
            uow.audit.append(entry("e-1", NOW))
            assert uow.appointments.count() == 1  # a unit of work sees its own changes
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.count() == 0
            assert uow.rooms.all() == []
            assert uow.audit.query() == []

    def test_f1_an_error_inside_the_block_rolls_everything_back(self, store: Store) -> None:
        def book_then_fail() -> None:
            with store.unit_of_work() as uow:
                uow.appointments.add(appt("a-1", MONDAY_9))
                raise RuntimeError("power cut")

        with pytest.raises(RuntimeError):
            book_then_fail()
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.count() == 0

    def test_f1_rollback_forgets_and_commit_keeps_within_one_unit_of_work(
        self, store: Store
    ) -> None:
        with store.unit_of_work() as uow:
            uow.appointments.add(appt("a-1", MONDAY_9))
            uow.rollback()
            assert uow.appointments.count() == 0
            uow.appointments.add(appt("a-2", MONDAY_9))
            uow.commit()
            uow.appointments.add(appt("a-3", MONDAY_9 + HOUR))
        with store.unit_of_work(write=False) as uow:
            assert [
                a.id for a in uow.appointments.starting_between(MONDAY_9, MONDAY_9 + 2 * HOUR)
            ] == ["a-2"]

    def test_f1_a_read_only_unit_of_work_cannot_commit_changes(self, store: Store) -> None:
        with store.unit_of_work(write=False) as uow:
            uow.appointments.add(appt("a-1", MONDAY_9))
            with pytest.raises(StoreError, match="read-only"):
                uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.count() == 0

    def test_f1_a_read_only_unit_of_work_may_commit_when_it_changed_nothing(
        self, store: Store
    ) -> None:
        with store.unit_of_work(write=False) as uow:
            uow.appointments.count()
            uow.commit()

    def test_f1_a_second_writing_unit_of_work_in_the_same_thread_is_an_error(
        self, store: Store
    ) -> None:
        """Nesting would deadlock (memory) or fail mid-way (SQLite): both say so at once."""
        with store.unit_of_work() as outer:
            with pytest.raises(StoreError, match="already"), store.unit_of_work() as inner:
                inner.appointments.count()
            outer.appointments.add(appt("a-1", MONDAY_9))
            outer.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.count() == 1

    def test_f1_a_reader_sees_only_committed_data(self, store: Store) -> None:
        """A reader in another thread (its own SQLite connection) sees nothing of a writer's
        unit of work until it commits, and everything after."""

        def count_in_another_thread() -> int:
            def count() -> int:
                with store.unit_of_work(write=False) as reader:
                    return reader.appointments.count()

            with ThreadPoolExecutor(1) as pool:
                return pool.submit(count).result(timeout=30)

        with store.unit_of_work() as writer:
            writer.appointments.add(appt("a-1", MONDAY_9))
            assert count_in_another_thread() == 0
            writer.commit()
            assert count_in_another_thread() == 1

    def test_a4_appointments_of_any_length_are_found_by_the_overlap_queries(
        self, store: Store
    ) -> None:
        """A4/A5: a three-day appointment (an import, a multi-day course) still blocks the
        room; the store may not assume appointments are short. (It overlaps ``a-1``, so it
        is stored as an explicit double booking, A4.)"""
        long = appt("long", MONDAY_9 - 72 * HOUR, minutes=96 * 60, double_booked=True)
        earlier = appt("earlier", MONDAY_9 - 30 * 24 * HOUR, minutes=30 * 24 * 60)  # ends 9:00
        put(store, long, earlier, appt("a-1", MONDAY_9 + HOUR))
        with store.unit_of_work(write=False) as uow:
            in_room = uow.appointments.in_room("room-1", MONDAY_9, MONDAY_9 + 2 * HOUR)
            in_calendar = uow.appointments.in_calendar("cal-anna", MONDAY_9, MONDAY_9 + 2 * HOUR)
        assert [a.id for a in in_room] == ["long", "a-1"]
        assert [a.id for a in in_calendar] == ["long", "a-1"]

    @pytest.mark.parametrize("odd_id", [42, None, ["x"], "a\x00b", "\ud800", "x" * 5000])
    def test_g7_an_id_no_record_can_have_is_simply_not_found(
        self, store: Store, odd_id: object
    ) -> None:
        """G7: an id no record can have is "not found", never a driver error."""
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.find(odd_id) is None  # type: ignore[arg-type]
            assert uow.clients.find(odd_id) is None  # type: ignore[arg-type]
            assert uow.rooms.find(odd_id) is None  # type: ignore[arg-type]
            with pytest.raises(NotFoundError):
                uow.rooms.get(odd_id)  # type: ignore[arg-type]
