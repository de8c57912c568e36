"""E1–E6 end to end: the fake eTermin API over loopback into a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from lemnicore import SYSTEM_ACTOR, AppointmentStatus, SqliteStore, Store
from lemnicore.importing.reset import reset_import
from lemnicore.importing.runs import CONFIRMATIONS_FUTURE
from lemnicore.testing import FakeClock, Practice
from lemnicore_etermin.plan import plan_takeover
from lemnicore_etermin.takeover import EterminImporter, commit_takeover, dry_run
from lemnicore_etermin.testing import EterminAccount, FakeEterminServer, generate_account

from .conftest import NOW, TODAY, options

TAKEOVER_FIELDS_IGNORED = ("import_id",)


def snapshot(store: Store, *, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """The store's clients and appointments as comparable data."""
    with store.unit_of_work(write=False) as uow:
        clients = uow.clients.all()
        appointments = uow.appointments.starting_between(
            NOW.replace(year=2000), NOW.replace(year=2100)
        )

    def strip(value: Any) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(value).items() if k not in ignore}

    return {
        "clients": [strip(c) for c in clients],
        "appointments": [strip(a) for a in appointments],
    }


def take_over(
    fake: FakeEterminServer, account: EterminAccount, store: Store, practice: Practice, **kw: Any
) -> Any:
    importer = EterminImporter.connect(
        account.public_key, account.private_key, base_url=fake.base_url
    )
    chosen = options(practice, **kw)
    fetched = importer.fetch(chosen, today=TODAY)
    importer.close()
    plan = plan_takeover(fetched, chosen, today=TODAY, now=NOW)
    return plan, commit_takeover(store, plan, clock=FakeClock(NOW), batch_size=2)


def test_e4_an_import_writes_clients_and_appointments_under_one_import_id(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    _, run = take_over(fake, account, store, practice)
    with store.unit_of_work(write=False) as uow:
        clients = uow.clients.with_import_id(run.id)
        appointments = uow.appointments.with_import_id(run.id)
        stored_run = uow.import_runs.get(run.id)
    # Anna (contact 1 + appointment 11), Jörg (contact 2 + appointment 12), Lena (14).
    assert sorted(c.last_name for c in clients) == ["Fischer", "Müller", "Weber"]
    assert len(appointments) == 4
    assert stored_run.status == "committed"
    assert stored_run.counts["appointments_created"] == 4
    anna = next(c for c in clients if c.last_name == "Weber")
    assert anna.notes == "Allergie\nLatex"
    assert anna.birthday == date(1980, 3, 7)
    assert anna.mobile == "+49 170 1234567"
    assert [a.room_id for a in appointments] == ["room-1", "room-1", "room-1", "room-2"]


def test_e4_a_rerun_changes_nothing(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    take_over(fake, account, store, practice)
    before = snapshot(store)
    _, again = take_over(fake, account, store, practice)
    assert snapshot(store) == before
    assert again.counts["clients_created"] == 0
    assert again.counts["appointments_created"] == 0
    assert again.counts["appointments_existing"] == 4


def test_e5_reset_then_reimport_gives_the_same_state(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    _, first = take_over(fake, account, store, practice)
    after_first = snapshot(store, ignore=TAKEOVER_FIELDS_IGNORED)
    report = reset_import(store, first.id, actor=SYSTEM_ACTOR, clock=FakeClock(NOW))
    assert (report.appointments_removed, report.clients_removed) == (4, 3)
    assert snapshot(store) == {"clients": [], "appointments": []}
    # Repeatable: a second reset finds nothing more.
    assert (
        reset_import(store, first.id, actor=SYSTEM_ACTOR, clock=FakeClock(NOW)).appointments_removed
        == 0
    )
    take_over(fake, account, store, practice)
    assert snapshot(store, ignore=TAKEOVER_FIELDS_IGNORED) == after_first
    with store.unit_of_work(write=False) as uow:
        assert uow.import_runs.get(first.id).status == "reset"
        actions = [e.action for e in uow.audit.query() if e.subject_id == first.id]
    assert "import.reset" in actions


def test_e5_reset_leaves_hand_entered_data_alone(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    mine = practice.add_client("Handeingabe", email="hand@example.org")
    pid = next(iter(practice.calendars))
    own = practice.appointment(pid, "room-2", practice.at(2026, 5, 11, 9), client_id=mine)
    _, run = take_over(fake, account, store, practice)
    with store.unit_of_work(write=False) as uow:
        anna = next(c for c in uow.clients.with_import_id(run.id) if c.last_name == "Weber")
    # Staff book an imported client by hand before the reset.
    kept = practice.appointment(pid, "room-2", practice.at(2026, 5, 12, 9), client_id=anna.id)
    report = reset_import(store, run.id, actor=SYSTEM_ACTOR, clock=FakeClock(NOW))
    with store.unit_of_work(write=False) as uow:
        assert uow.clients.get(mine).last_name == "Handeingabe"
        assert uow.appointments.get(own.id).client_id == mine
        assert uow.appointments.get(kept.id).client_id == anna.id
        assert uow.clients.find(anna.id) is not None
    assert report.clients_kept == (anna.id,)


def test_e3_a_dry_run_commits_nothing(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    importer = EterminImporter.connect(
        account.public_key, account.private_key, base_url=fake.base_url
    )
    chosen = options(practice)
    plan = plan_takeover(importer.fetch(chosen, today=TODAY), chosen, today=TODAY, now=NOW)
    importer.close()
    run = dry_run(plan, clock=FakeClock(NOW))
    assert run.status == "dry_run"
    assert run.counts["clients"] == 3
    assert snapshot(store) == {"clients": [], "appointments": []}
    with store.unit_of_work(write=False) as uow:
        assert uow.import_runs.all() == []


def test_d16_d17_options_are_recorded_on_the_run(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    _, run = take_over(
        fake,
        account,
        store,
        practice,
        confirmations=CONFIRMATIONS_FUTURE,
        reminders_from=date(2026, 6, 1),
    )
    with store.unit_of_work(write=False) as uow:
        stored = uow.import_runs.get(run.id)
    assert stored.sends_confirmations
    assert stored.reminders_from == date(2026, 6, 1)
    assert not stored.reminders_allowed_for(date(2026, 5, 31))
    assert stored.reminders_allowed_for(date(2026, 6, 1))


def test_appointments_deleted_in_etermin_after_an_import_are_cancelled_on_the_next_run(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    take_over(fake, account, store, practice)
    account.delete_appointment("ext-11", on=TODAY)
    _, again = take_over(fake, account, store, practice)
    with store.unit_of_work(write=False) as uow:
        found = uow.appointments.by_external_id("etermin:appointment:ext-11")
    assert found is not None
    assert found.status == AppointmentStatus.CANCELLED
    assert again.counts["appointments_cancelled"] == 1


def test_e1_keys_are_never_stored(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    take_over(fake, account, store, practice)
    store.close()
    for path in Path(store.path).parent.glob("practice.db*"):
        data = path.read_bytes()
        assert account.private_key.encode() not in data
        assert account.public_key.encode() not in data


def test_e6_progress_is_reported_while_fetching_and_writing(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    fetched_steps: list[tuple[int, int]] = []
    written_steps: list[tuple[int, int]] = []
    importer = EterminImporter.connect(
        account.public_key, account.private_key, base_url=fake.base_url
    )
    chosen = options(practice)
    fetched = importer.fetch(
        chosen, today=TODAY, progress=lambda d, t: fetched_steps.append((d, t))
    )
    importer.close()
    plan = plan_takeover(fetched, chosen, today=TODAY, now=NOW)
    commit_takeover(
        store,
        plan,
        clock=FakeClock(NOW),
        batch_size=2,
        progress=lambda d, t: written_steps.append((d, t)),
    )
    assert fetched_steps[-1][0] == fetched_steps[-1][1]
    # E6: the fetch counts records (calendars, contacts, appointments, deletions), not
    # requests; the small account's appointments lie in a few months of the window.
    records = (
        len(account.calendars)
        + len(account.contacts)
        + len(account.appointments)
        + len(account.deleted)
    )
    assert fetched_steps[-1] == (records, records)
    assert all(done <= total for done, total in fetched_steps)
    assert written_steps == [(0, 7), (2, 7), (3, 7), (5, 7), (7, 7)]


def test_e4_a_killed_import_leaves_a_consistent_store_and_the_rerun_completes_it(
    tmp_path: Path,
) -> None:
    """A child process dies (os._exit) half-way through writing; the store holds only whole
    batches, and running the import again finishes it under the same import id."""
    account = generate_account(seed=3, today=TODAY, appointments=400, contacts=80)
    script = textwrap.dedent(
        """
        import os, sys
        from datetime import date, datetime, UTC
        from lemnicore import SqliteStore
        from lemnicore.testing import FakeClock, Practice
        from lemnicore_etermin.plan import CalendarMapping, TakeoverOptions, plan_takeover
        from lemnicore_etermin.takeover import EterminImporter, commit_takeover

        db, base_url, public, private, mode = sys.argv[1:6]
        today, now = date(2026, 5, 4), datetime(2026, 5, 4, 7, tzinfo=UTC)
        store = SqliteStore(db)
        if mode == "setup":
            p = Practice(store, now=now)
            p.add_room("Raum 1")
            p.add_practitioner("Frau Koch")
            sys.exit(0)
        options = TakeoverOptions(
            organisation_id="org-1",
            calendars=[CalendarMapping(c, "room-1", "calendar-1") for c in ("1001", "1002", "1003")],
        )
        importer = EterminImporter.connect(public, private, base_url=base_url)
        plan = plan_takeover(importer.fetch(options, today=today), options, today=today, now=now)

        def die_half_way(done, total):
            if mode == "crash" and done >= total // 2:
                os._exit(9)

        commit_takeover(store, plan, clock=FakeClock(now), batch_size=50, progress=die_half_way)
        importer.close()
        store.close()
        """
    )
    runner = tmp_path / "run_import.py"
    runner.write_text(script)

    def run(db: Path, mode: str) -> int:
        return subprocess.run(
            [
                sys.executable,
                str(runner),
                str(db),
                fake.base_url,
                account.public_key,
                account.private_key,
                mode,
            ],
            check=False,
            cwd=tmp_path,
        ).returncode

    crashed, clean = tmp_path / "crashed.db", tmp_path / "clean.db"
    with FakeEterminServer(account) as fake:
        assert run(crashed, "setup") == 0
        assert run(clean, "setup") == 0
        assert run(crashed, "crash") == 9
        with _Closing(SqliteStore(crashed)) as store:
            with store.unit_of_work(write=False) as uow:
                (half_run,) = uow.import_runs.all()
                written = uow.appointments.count()
                # Consistent: every appointment's client exists; only whole batches written.
                clients = {c.id for c in uow.clients.all()}
                dangling = [
                    a
                    for a in uow.appointments.with_import_id(half_run.id)
                    if a.client_id and a.client_id not in clients
                ]
            assert half_run.status == "running"
            assert half_run.counts["appointments_created"] == written
            assert 0 < written < 400
            assert dangling == []
        assert run(crashed, "resume") == 0
        assert run(clean, "resume") == 0
    with _Closing(SqliteStore(crashed)) as a, _Closing(SqliteStore(clean)) as b:
        assert snapshot(a, ignore=TAKEOVER_FIELDS_IGNORED) == snapshot(
            b, ignore=TAKEOVER_FIELDS_IGNORED
        )
        with a.unit_of_work(write=False) as uow:
            (finished,) = uow.import_runs.all()
            assert finished.id == half_run.id
            assert finished.status == "committed"
            assert {x.import_id for x in uow.clients.all()} == {finished.id}


class _Closing:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def __enter__(self) -> SqliteStore:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()


def test_e3_e4_every_data_problem_arrives_over_loopback_and_is_reported(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    """The hand-made account holds one of each data-quality problem; fetched over HTTP,
    each shows up in the plan with its record id and field."""
    _, practice = practice_db
    chosen = options(practice)
    with EterminImporter.connect(
        account.public_key, account.private_key, base_url=fake.base_url
    ) as importer:
        plan = plan_takeover(importer.fetch(chosen, today=TODAY), chosen, today=TODAY, now=NOW)
    found = {(i.record_id, i.field, i.action) for i in plan.issues}
    assert {
        ("contact 3", "LastName", "skipped"),  # no name
        ("contact 2", "Email", "imported"),  # missing e-mail (lower-case field names)
        ("contact 1", "Notes", "fixed"),  # literal \n
        ("appointment 14", "Email", "fixed"),  # lena(at)example.org
        ("appointment 14", "Birthday", "fixed"),  # 31.02.1990
        ("appointment 12", "client", "merged"),  # Joerg MUELLER = Jörg Müller
    } <= found
    assert plan.counts["blocks"] == 1


def test_e4_a_generated_messy_account_merges_by_every_rule(
    practice_db: tuple[SqliteStore, Practice],
) -> None:
    store, practice = practice_db
    account = generate_account(seed=5, today=TODAY, appointments=1500, contacts=300, calendars=2)
    with FakeEterminServer(account) as server:
        _, run = take_over(server, account, store, practice)
        plan, _ = take_over(server, account, store, practice)
    rules = {m.rule for m in plan.merges}
    assert rules >= {"same e-mail", "same name and birth date", "same name and phone"}
    assert run.counts["blocks"] > 0
    assert run.counts["overlaps"] > 0
    with store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == run.counts["appointments_created"]
        assert uow.clients.count() == run.counts["clients_created"]


def test_b4_a_takeover_is_never_refused_by_the_plan_but_its_appointments_fill_their_month(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    """Imports are not bookings under the plan (B4): all four May records are written on a
    plan allowing two a month. Afterwards they occupy May like any other appointment."""
    from lemnicore import AppointmentBook, Entitlements, Plan, PlanLimitError

    store, practice = practice_db
    with store.unit_of_work() as uow:
        uow.organisations.put(attrs.evolve(uow.organisations.get("org-1"), plan="Tiny"))
        uow.commit()
    _, run = take_over(fake, account, store, practice)
    assert run.counts["appointments_created"] == 4  # 3 appointments and a blocked time

    book = AppointmentBook(
        store,
        practice.clock,
        entitlements=Entitlements({"Tiny": Plan("Tiny", appointments_per_month=2)}),
    )
    pid = next(iter(practice.calendars))

    def book_at(start: Any) -> None:
        book.book(
            practice.owner(pid),
            calendar_id=practice.calendars[pid],
            room_id="room-2",
            start=start,
            type_id="treatment",
        )

    with pytest.raises(PlanLimitError, match="2026-05 has 4 already"):
        book_at(practice.at(2026, 5, 20, 9))
    book_at(practice.at(2026, 6, 2, 9))
