"""B1: the permission matrix, played cell by cell on every store.

For every row of :data:`lemnicore.access.matrix.PERMISSIONS` (one public service method)
and every column (a role in a relation to Anna's data, see ``world.ACTORS``), a fresh
world is built, the method is called as that actor on Anna's data, and the outcome must be
what the matrix says: allowed (no error) or refused with :class:`AccessDeniedError`
naming the actor and the operation. The relation is the *column's* (who the actor is in
the story), not one the gateway computed — so the test checks the gateway's reading of
the data as well as the table. A meta-test makes every public method of every service
class a row, so no method can be added unguarded; another keeps docs/access.md equal to
the table.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore import (
    AccessDeniedError,
    Actor,
    CancelLinks,
    Channel,
    FreedSlot,
    NotificationPolicy,
    Role,
    SelfCancellation,
    SeriesRequest,
    WorkingTime,
)
from lemnicore.access.matrix import CELLS, PERMISSIONS, Kind, markdown_table, matrix_size

from .world import (  # noqa: F401
    ACTORS,
    WEEK,
    World,
    at,
    memory_world,
    postgres_world,
    set_postgres_cluster,
    sqlite_world,
    world_on,
)

Call = Callable[[World, Actor], object]

SERIES = SeriesRequest(
    "petra",
    "treatment",
    "cal-anna",
    2,
    {1, 3},
    time(9),
    date(2026, 5, 25),
    date(2026, 6, 5),
    ("room-1",),
)
LINKS = CancelLinks(b"matrix-test-secret-0123456789")

CALLS: dict[str, Call] = {
    # -- the appointment book --------------------------------------------------------------
    "AppointmentBook.book": lambda w, a: w.book.book(
        a,
        calendar_id="cal-anna",
        room_id="room-1",
        start=at(6, 11),
        type_id="treatment",
        client_id="petra",
    ),
    "AppointmentBook.move": lambda w, a: w.book.move(a, "visit", start=at(5, 10)),
    "AppointmentBook.change": lambda w, a: w.book.change(a, "visit", comment="neu"),
    "AppointmentBook.cancel": lambda w, a: w.book.cancel(a, "visit"),
    "AppointmentBook.mark_no_show": lambda w, a: w.book.mark_no_show(a, "visit"),
    "AppointmentBook.complete": lambda w, a: w.book.complete(a, "visit"),
    "AppointmentBook.reinstate": lambda w, a: w.book.reinstate(a, "no-show"),
    "AppointmentBook.calendar": lambda w, a: w.book.calendar(a, "cal-anna", *WEEK),
    "AppointmentBook.calendar_for_booking": lambda w, a: w.book.calendar_for_booking(
        a, "cal-anna", *WEEK
    ),
    "AppointmentBook.slot_grid": lambda w, a: w.book.slot_grid(a, "room-1", *WEEK),
    "AppointmentBook.free_slots": lambda w, a: w.book.free_slots(a, "room-1", *WEEK),
    # -- clients ---------------------------------------------------------------------------
    "ClientRecords.register": lambda w, a: w.clients.register(
        a, organisation_id="org-1", last_name="Neu"
    ),
    "ClientRecords.change_contact": lambda w, a: w.clients.change_contact(
        a, "petra", email="neu@example.org"
    ),
    "ClientRecords.set_consent": lambda w, a: w.clients.set_consent(a, ["petra"], False),
    "ClientDirectory.for_booking": lambda w, a: w.directory.for_booking(a, "petra"),
    "ClientDirectory.find_for_booking": lambda w, a: w.directory.find_for_booking(
        a, "org-1", "mei"
    ),
    "ClientDirectory.record": lambda w, a: w.directory.record(a, "petra"),
    "AuditTrail.entries": lambda w, a: w.audit.entries(a, "org-1"),
    # -- grants and communities ------------------------------------------------------------
    "CalendarAccess.grant": lambda w, a: w.access.grant(a, "cal-anna", "zoe"),
    "CalendarAccess.revoke": lambda w, a: w.access.revoke(a, "cal-anna", "dora"),
    "CalendarAccess.grants_of": lambda w, a: w.access.grants_of(a, "cal-anna"),
    "CalendarCommunities.create": lambda w, a: w.communities.create(
        a, "Neu", "cal-anna", ["room-1"]
    ),
    "CalendarCommunities.invite": lambda w, a: w.communities.invite(a, "com-1", "cal-carl"),
    "CalendarCommunities.accept": lambda w, a: w.communities.accept(a, "com-2", "cal-anna"),
    "CalendarCommunities.decline": lambda w, a: w.communities.decline(a, "com-2", "cal-anna"),
    "CalendarCommunities.leave": lambda w, a: w.communities.leave(a, "com-1", "cal-anna"),
    "CalendarCommunities.share_room": lambda w, a: w.communities.share_room(a, "com-1", "room-1"),
    "CalendarCommunities.communities_of": lambda w, a: w.communities.communities_of(a, "cal-anna"),
    "CalendarCommunities.view": lambda w, a: w.communities.view(a, "com-1", "cal-anna", *WEEK),
    "CalendarCommunities.slot_grid": lambda w, a: w.communities.slot_grid(
        a, "com-1", "cal-anna", "room-1", *WEEK
    ),
    # -- practice set-up -------------------------------------------------------------------
    "PracticeSetup.create_organisation": lambda w, a: w.setup.create_organisation(
        a, "org-3", "Clínica do Rio", "Europe/Lisbon"
    ),
    "PracticeSetup.add_branch": lambda w, a: w.setup.add_branch(
        a, "org-1", "LX1", "Lisboa", "Europe/Lisbon"
    ),
    "PracticeSetup.add_room": lambda w, a: w.setup.add_room(a, "branch-1", "Room 2"),
    "PracticeSetup.add_staff_account": lambda w, a: w.setup.add_staff_account(
        a, "org-1", "Empfang", Role.FRONT_DESK
    ),
    "PracticeSetup.set_plan": lambda w, a: w.setup.set_plan(a, "org-1", "XL"),
    "PracticeSetup.add_practitioner": lambda w, a: w.setup.add_practitioner(
        a, "org-1", "Frau Koch"
    ),
    "PracticeSetup.add_appointment_type": lambda w, a: w.setup.add_appointment_type(
        a, "org-1", "Massage", buffer_after=timedelta(minutes=10)
    ),
    "PracticeSetup.overview": lambda w, a: w.setup.overview(a, "org-1"),
    "WorkingHours.set_practitioner_hours": lambda w, a: w.hours.set_practitioner_hours(
        a, "anna", [WorkingTime({0}, time(8), time(12))]
    ),
    "WorkingHours.set_room_hours": lambda w, a: w.hours.set_room_hours(
        a, "room-1", [WorkingTime({0}, time(8), time(12))]
    ),
    "WorkingHours.practitioner_hours": lambda w, a: w.hours.practitioner_hours(a, "anna"),
    "WorkingHours.room_hours": lambda w, a: w.hours.room_hours(a, "room-1"),
    # -- erasure and access request --------------------------------------------------------
    "ClientErasure.erase": lambda w, a: w.erasure.erase(a, "petra"),
    "ClientErasure.erase_requester": lambda w, a: w.erasure.erase_requester(
        a, "org-1", email="req@example.org"
    ),
    "ClientErasure.complete_pending_wipes": lambda w, a: w.erasure.complete_pending_wipes(a),
    "ClientExport.export": lambda w, a: w.export.export(a, "petra"),
    "ClientLogins.create": lambda w, a: w.logins.create(
        a, "petra", "petra.meier@example.org", "noch-ein-Passwort-2"
    ),
    # -- online booking (staff side) -------------------------------------------------------
    "OnlineBooking.release": lambda w, a: w.online.release(a, "room-1", "cal-anna"),
    "OnlineBooking.withdraw": lambda w, a: w.online.withdraw(a, "room-1"),
    "OnlineBooking.requests": lambda w, a: w.online.requests(a, calendar_id="cal-anna"),
    "OnlineBooking.confirm": lambda w, a: w.online.confirm(a, w.request_id, client_id="petra"),
    "OnlineBooking.decline": lambda w, a: w.online.decline(a, w.request_id),
    # -- self-cancel through a signed link (H5) ---------------------------------------------
    "SelfCancellation.outlook": lambda w, a: SelfCancellation(w.store, w.clock, LINKS).outlook(
        a, LINKS.token(w.request_id)
    ),
    "SelfCancellation.cancel": lambda w, a: SelfCancellation(w.store, w.clock, LINKS).cancel(
        a, LINKS.token(w.request_id)
    ),
    # -- notifications (staff side) --------------------------------------------------------
    "NotificationService.record_manual_message": lambda w, a: w.notifications.record_manual_message(
        a, "petra", channel=Channel.PHONE, address="+491701234567", text="angerufen"
    ),
    "NotificationService.last_notification_at": lambda w, a: w.notifications.last_notification_at(
        a, "visit"
    ),
    "NotificationService.work_list": lambda w, a: w.notifications.work_list(a, "org-1"),
    "NotificationService.complete_work_item": lambda w, a: w.notifications.complete_work_item(
        a, "letter-1"
    ),
    "NotificationService.client_history": lambda w, a: w.notifications.client_history(a, "petra"),
    "NotificationService.appointment_history": lambda w, a: w.notifications.appointment_history(
        a, "visit"
    ),
    "NotificationService.why": lambda w, a: w.notifications.why(a, "visit"),
    # -- series (A9) and waiting list (A11) ------------------------------------------------
    "SeriesBook.propose": lambda w, a: w.series.propose(a, SERIES),
    "SeriesBook.book": lambda w, a: w.series.book(a, SERIES),
    "SeriesBook.appointments": lambda w, a: w.series.appointments(a, "series-1"),
    "SeriesBook.move": lambda w, a: w.series.move(a, "series-0", start=at(13, 10), following=True),
    "SeriesBook.cancel": lambda w, a: w.series.cancel(a, "series-0", following=True),
    "WaitingList.add": lambda w, a: w.waiting_list.add(
        a,
        client_id="petra",
        type_id="treatment",
        earliest=date(2026, 5, 4),
        latest=date(2026, 5, 29),
    ),
    "WaitingList.withdraw": lambda w, a: w.waiting_list.withdraw(a, "wait-1"),
    "WaitingList.entries": lambda w, a: w.waiting_list.entries(a, "org-1"),
    "WaitingList.offers": lambda w, a: w.waiting_list.offers(a, "org-1"),
    "WaitingList.slot_freed": lambda w, a: w.waiting_list.slot_freed(a, w.appointment("visit")),
    "WaitingList.offer_slot": lambda w, a: w.waiting_list.offer_slot(
        a, FreedSlot("room-1", at(8, 10), at(8, 10, 30), "treatment", "cal-anna", "anna")
    ),
    "WaitingList.accept": lambda w, a: w.waiting_list.accept(a, "offer-1"),
    "WaitingList.decline": lambda w, a: w.waiting_list.decline(a, "offer-1"),
}
"""One call per actor row: Anna's data, as the column's actor."""

PUBLIC_CALLS: dict[str, Callable[[World], object]] = {
    "OnlineBooking.link": lambda w: w.online.link(_release(w)),
    "OnlineBooking.week": lambda w: w.online.week(w.token),
    "OnlineBooking.hold": lambda w: w.online.hold(w.token, at(7, 10)),
    "OnlineBooking.drop_hold": lambda w: w.online.drop_hold(w.online.hold(w.token, at(7, 10)).id),
    "OnlineBooking.request": lambda w: w.online.request(
        w.token, at(7, 11), last_name="Winter", email="winter@example.org"
    ),
    "ClientLogins.authenticate": lambda w: w.logins.authenticate(
        "petra@example.org", "erstes-Passwort-1"
    ),
    "ClientLogins.change_password": lambda w: w.logins.change_password(
        "petra@example.org", "erstes-Passwort-1", "zweites-Passwort-2"
    ),
    # The hourly job: runs as the system actor of whoever holds the store.
    "NotificationService.policy": lambda w: w.notifications.policy(),
    "NotificationService.save_policy": lambda w: w.notifications.save_policy(NotificationPolicy()),
    "NotificationService.plan": lambda w: w.notifications.plan(),
    "NotificationService.run": lambda w: w.notifications.run(dry_run=True),
    "NotificationService.enqueue": lambda w: w.notifications.enqueue(),
    "NotificationService.reconcile": lambda w: w.notifications.reconcile(),
    "NotificationService.dispatch": lambda w: w.notifications.dispatch(),
    "WaitingList.expire": lambda w: w.waiting_list.expire(),
}
"""Rows without an actor: the public booking page (anonymous) and the hourly job."""


def _release(w: World) -> Any:
    with w.store.unit_of_work(write=False) as uow:
        return uow.online_releases.get(w.token)


WORLDS: dict[str, Callable[[Path, Path], World]] = {
    "memory": lambda template, cell: memory_world(),
    # A copy of a file built once: a real SQLite file per cell, fast.
    "sqlite": sqlite_world,
    # A database created from a template database built once: a real PostgreSQL database
    # per cell, dropped again when the cell's store closes.
    "postgres": lambda template, cell: postgres_world(cell.stem),
}
"""Every store the matrix runs against. Another store joins with one line: a function
opening an empty store of its kind and returning ``world_on(store)``."""
STORES = tuple(WORLDS)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matrix-template")


def _world(kind: str, template: Path, tmp_path: Path, n: int) -> World:
    return WORLDS[kind](template, tmp_path / f"cell-{n}.db")


@pytest.fixture(autouse=True)
def _postgres_for_postgres_cells(request: pytest.FixtureRequest) -> None:
    """The PostgreSQL cells run on the session's throwaway server (F1)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("kind") == "postgres":
        set_postgres_cluster(request.getfixturevalue("postgres_cluster"))


ACTOR_ROWS = sorted(op for op, rule in PERMISSIONS.items() if rule.kind is Kind.ACTOR)
OTHER_ROWS = sorted(op for op, rule in PERMISSIONS.items() if rule.kind is not Kind.ACTOR)


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize("operation", ACTOR_ROWS)
def test_b1_every_cell_of_the_matrix_is_allowed_or_refused_as_the_table_says(
    operation: str, kind: str, sqlite_template: Path, tmp_path: Path
) -> None:
    rule = PERMISSIONS[operation]
    call = CALLS[operation]
    wrong: list[str] = []
    for n, cell in enumerate(CELLS):
        actor = ACTORS[cell]
        world = _world(kind, sqlite_template, tmp_path, n)
        try:
            expected = cell in rule.allowed
            try:
                call(world, actor)
            except AccessDeniedError as refused:
                if expected:
                    wrong.append(f"{cell}: refused but allowed by the matrix: {refused}")
                elif refused.actor_id != actor.id or operation not in refused.action:
                    wrong.append(f"{cell}: refusal does not name actor and operation: {refused}")
            except Exception as error:
                wrong.append(f"{cell}: {type(error).__name__}: {error}")
            else:
                if not expected:
                    wrong.append(f"{cell}: allowed but the matrix refuses it")
        finally:
            world.store.close()
    assert not wrong, f"{operation} on {kind}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize("operation", OTHER_ROWS)
def test_b1_anonymous_and_job_rows_work_without_an_actor(
    operation: str, kind: str, sqlite_template: Path, tmp_path: Path
) -> None:
    world = _world(kind, sqlite_template, tmp_path, 0)
    try:
        PUBLIC_CALLS[operation](world)
    finally:
        world.store.close()


SERVICE_MODULES = (
    "lemnicore.services",
    "lemnicore.online.service",
    "lemnicore.online.cancellation",
    "lemnicore.notifications.service",
)


def _service_classes() -> list[type]:
    import importlib
    import pkgutil

    import lemnicore.services

    modules = [importlib.import_module(m) for m in SERVICE_MODULES[1:]]
    modules += [
        importlib.import_module(f"lemnicore.services.{info.name}")
        for info in pkgutil.iter_modules(lemnicore.services.__path__)
    ]
    found: dict[str, type] = {}
    for module in modules:
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and "store" in inspect.signature(value.__init__).parameters
            ):
                found[name] = value
    return [found[n] for n in sorted(found)]


def _public_methods(cls: type) -> list[str]:
    return sorted(
        f"{cls.__name__}.{name}"
        for name, member in vars(cls).items()
        if not name.startswith("_") and inspect.isfunction(member)
    )


def test_b1_every_public_service_method_is_a_row_of_the_matrix() -> None:
    classes = _service_classes()
    names = {c.__name__ for c in classes}
    assert {"AppointmentBook", "ClientErasure", "NotificationService", "OnlineBooking"} <= names
    methods = [m for cls in classes for m in _public_methods(cls)]
    missing = sorted(set(methods) - set(PERMISSIONS))
    assert not missing, f"public service methods missing from the permission matrix: {missing}"
    stale = sorted(set(PERMISSIONS) - set(methods))
    assert not stale, f"matrix rows naming no public method: {stale}"
    assert set(CALLS) == set(ACTOR_ROWS)
    assert set(PUBLIC_CALLS) == set(OTHER_ROWS)


def test_b1_actor_rows_take_the_actor_first_and_the_others_take_none() -> None:
    for cls in _service_classes():
        for name in _public_methods(cls):
            params = list(inspect.signature(getattr(cls, name.split(".")[1])).parameters)
            takes_actor = len(params) > 1 and params[1] == "actor"
            assert takes_actor == (PERMISSIONS[name].kind is Kind.ACTOR), name


def test_b1_docs_access_shows_the_matrix_as_it_is() -> None:
    text = (Path(__file__).parents[2] / "docs" / "access.md").read_text(encoding="utf-8")
    assert markdown_table() in text, (
        "regenerate the table: lemnicore.access.matrix.markdown_table()"
    )
    assert f"{matrix_size()} cells" in text


def test_b1_the_matrix_has_a_column_actor_for_every_cell() -> None:
    assert set(ACTORS) == set(CELLS)
    assert matrix_size() == len(ACTOR_ROWS) * len(CELLS) + len(OTHER_ROWS)
