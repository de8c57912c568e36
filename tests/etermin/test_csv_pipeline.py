"""E7 on the shared import pipeline (E1–E6): the CSV contact import as an importer.

Through the API (``run_import`` with :class:`CsvContactsImporter`, and the
``import_contacts_csv`` wrapper) and through ``lemnicore import csv-contacts`` against a
real SQLite file: dry run, idempotent re-run, reset, all-or-nothing, skipped bad lines,
login ids, deleting the existing contacts first, progress, erased clients (B5).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from lemnicore import SYSTEM_ACTOR, ClientErasure, SqliteStore, Store
from lemnicore.access.logins import ClientLogin, hash_password, verify_password
from lemnicore.cli import main
from lemnicore.importing.issues import SKIPPED, FaultyRecordsError
from lemnicore.importing.pipeline import ImportOutcome, ImportTarget, run_import
from lemnicore.importing.report import report_text
from lemnicore.importing.reset import reset_import
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager
from lemnicore.testing import FakeClock, Practice
from lemnicore_etermin.csv_contacts import (
    CsvContactsImporter,
    CsvContactsPlugin,
    CsvOptions,
    import_contacts_csv,
)
from lemnicore_etermin.errors import CsvImportError

from .conftest import NOW, TODAY

COLUMNS = "external_id,last_name,first_name,email,login_id,password"
FILE = (
    b"c-1;Weber;Anna;anna@example.org;anna@example.org;geheim-123\r\n"
    b"c-2;M\xc3\xbcller;J\xc3\xb6rg;;;\r\n"
    b"c-3;Koch;Eva;eva@example.org;eva@example.org;geheim-456\r\n"
)


def fast_hash(password: str) -> str:
    """scrypt with small parameters: the format is the same, the test stays quick."""
    return hash_password(password, n=2**4)


@pytest.fixture
def practice(tmp_path: Path) -> Iterator[Practice]:
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=NOW)
    yield practice
    store.close()


def importer(practice: Practice, data: bytes = FILE, **kw: Any) -> CsvContactsImporter:
    kw.setdefault("columns", COLUMNS)
    return CsvContactsImporter(
        data,
        CsvOptions(**kw),
        ImportTarget.of_store(practice.store),
        clock=practice.clock,
        hasher=fast_hash,
    )


def run(practice: Practice, data: bytes = FILE, *, dry: bool = False, **kw: Any) -> ImportOutcome:
    return run_import(
        SYSTEM_ACTOR,
        importer(practice, data, **kw),
        practice.store,
        clock=practice.clock,
        today=TODAY,
        dry=dry,
    )


def people(store: Store) -> list[tuple[str, str | None]]:
    with store.unit_of_work(write=False) as uow:
        return sorted((c.last_name, c.import_id) for c in uow.clients.all())


def logins(store: Store) -> list[tuple[str, str]]:
    with store.unit_of_work(write=False) as uow:
        names = {c.id: c.last_name for c in uow.clients.all()}
        return sorted((x.id, names.get(x.client_id, "?")) for x in uow.client_logins.all())


def test_e1_e7_csv_contacts_registers_as_a_lazy_importer_without_window_options() -> None:
    importers = collect_registrations(
        make_plugin_manager().hook.lemnicore_register_importers, "importer"
    )
    plugin = importers["csv-contacts"]
    assert plugin.uses_window is False  # type: ignore[attr-defined]
    assert isinstance(plugin.load(), CsvContactsPlugin)  # type: ignore[attr-defined]


def test_e3_e7_a_dry_run_writes_nothing_and_reports_what_a_commit_would_do(
    practice: Practice,
) -> None:
    outcome = run(practice, dry=True, tag="Altbestand", must_change_password=True)
    assert outcome.run.status == "dry_run"
    assert people(practice.store) == []
    assert logins(practice.store) == []
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.import_runs.all() == []
    assert (outcome.run.counts["clients"], outcome.run.counts["logins"]) == (3, 2)
    text = report_text(outcome.plan, outcome.run)
    assert "nothing was written" in text
    assert "Contacts: 3 to import from 3 lines; 2 with a login" in text
    assert "Tag: 'Altbestand' on every imported contact" in text
    assert "Window" not in text
    assert "Notifications" not in text


def test_e4_e7_a_commit_then_a_rerun_creates_nothing_new(practice: Practice) -> None:
    first = run(practice, tag="Altbestand")
    assert first.run.status == "committed"
    assert (first.run.counts["clients_created"], first.run.counts["logins_created"]) == (3, 2)
    assert people(practice.store) == [
        ("Koch", first.run.id),
        ("Müller", first.run.id),
        ("Weber", first.run.id),
    ]
    assert logins(practice.store) == [("anna@example.org", "Weber"), ("eva@example.org", "Koch")]
    with practice.store.unit_of_work(write=False) as uow:
        assert all("Altbestand" in c.tags for c in uow.clients.all())

    again = run(practice, tag="Altbestand")

    assert again.run.status == "committed"
    assert again.run.counts["clients_created"] == 0
    assert again.run.counts["logins_created"] == 0
    assert again.run.counts["clients_existing"] == 3
    assert [x for x, _ in people(practice.store)] == ["Koch", "Müller", "Weber"]
    assert len(logins(practice.store)) == 2


def test_e5_e7_reset_removes_exactly_the_imports_clients_and_logins(practice: Practice) -> None:
    hand = practice.add_client("Hand", "Hanna")
    with practice.store.unit_of_work() as uow:
        uow.client_logins.put(ClientLogin("hanna@example.org", hand, fast_hash("hanna-123")))
        uow.commit()
    outcome = run(practice)

    report = reset_import(practice.store, outcome.run.id, actor=SYSTEM_ACTOR, clock=practice.clock)

    assert (report.clients_removed, report.logins_removed) == (3, 2)
    assert people(practice.store) == [("Hand", None)]
    assert logins(practice.store) == [("hanna@example.org", "Hand")]


def test_e7_all_or_nothing_a_bad_line_means_nothing_is_written(practice: Practice) -> None:
    data = FILE + b"c-4;;Ohne;;;\r\nc-5;Lang;Lea;kein-mail;;\r\n"
    with pytest.raises(CsvImportError) as caught:
        import_contacts_csv(
            practice.store,
            data,
            CsvOptions(columns=COLUMNS),
            organisation_id="org-1",
            clock=practice.clock,
            hasher=fast_hash,
        )
    assert [(line, field) for line, field, _ in caught.value.problems] == [
        (4, "last_name"),
        (5, "email"),
    ]
    assert people(practice.store) == []
    assert logins(practice.store) == []
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.import_runs.all() == []
        assert uow.audit.query() == []


def test_e3_e7_a_dry_run_lists_the_bad_lines_and_says_a_commit_would_refuse(
    practice: Practice,
) -> None:
    outcome = run(practice, FILE + b"c-4;;Ohne;;;\r\n", dry=True)
    faulty = [(i.record_id, i.field, i.action) for i in outcome.plan.issues]
    assert faulty == [("line 4", "last_name", SKIPPED)]
    text = report_text(outcome.plan, outcome.run)
    assert "a commit refuses them all and writes nothing" in text
    assert "line 4: missing" in text
    assert people(practice.store) == []


def test_e7_skip_bad_lines_imports_the_rest_and_names_each_bad_line_and_field(
    practice: Practice,
) -> None:
    data = FILE + b"c-4;;Ohne;;;\r\nc-5;Lang;Lea;01.13.1980;;\r\n"
    report = import_contacts_csv(
        practice.store,
        data,
        CsvOptions(columns=COLUMNS, skip_bad_lines=True),
        organisation_id="org-1",
        clock=practice.clock,
        hasher=fast_hash,
    )
    assert report.lines_imported == 3
    assert [(p.line, p.field) for p in report.problems] == [(4, "last_name"), (5, "email")]
    assert report.lines_skipped == 2
    assert [x for x, _ in people(practice.store)] == ["Koch", "Müller", "Weber"]


def test_e7_a_login_id_used_twice_is_an_error_naming_every_line(practice: Practice) -> None:
    data = FILE + b"c-4;Lang;Lea;;ANNA@example.org;geheim-789\r\n"
    with pytest.raises(FaultyRecordsError) as caught:
        run(practice, data)
    assert [(i.record_id, i.field, i.reason) for i in caught.value.issues] == [
        (f"line {n}", "login_id", "'anna@example.org' is used on lines 1, 4") for n in (1, 4)
    ]
    assert people(practice.store) == []


def test_c6_e7_a_login_id_the_store_has_already_is_an_error_naming_its_line(
    practice: Practice,
) -> None:
    hand = practice.add_client("Hand", "Hanna")
    with practice.store.unit_of_work() as uow:
        uow.client_logins.put(ClientLogin("eva@example.org", hand, fast_hash("hanna-123")))
        uow.commit()
    dry = run(practice, dry=True)
    assert [(i.record_id, i.field) for i in dry.plan.faulty_records] == [("line 3", "login_id")]
    with pytest.raises(FaultyRecordsError) as caught:
        run(practice)
    assert [(i.record_id, i.reason) for i in caught.value.issues] == [
        ("line 3", "'eva@example.org' exists already")
    ]
    assert people(practice.store) == [("Hand", None)]
    # With --skip-bad-lines the others come; the stored login stays its owner's.
    outcome = run(practice, skip_bad_lines=True)
    assert outcome.run.counts["clients_created"] == 2
    assert logins(practice.store) == [("anna@example.org", "Weber"), ("eva@example.org", "Hand")]


def test_e7_delete_existing_is_counted_by_the_dry_run_and_keeps_appointments(
    practice: Practice,
) -> None:
    room = practice.add_room("Raum 1")
    pid = practice.add_practitioner("Frau Koch")
    old = practice.add_client("Altkunde", "Otto")
    with practice.store.unit_of_work() as uow:
        uow.client_logins.put(ClientLogin("otto@example.org", old, fast_hash("otto-1234")))
        uow.commit()
    booked = practice.appointment(pid, room, practice.at(2026, 5, 5, 9), client_id=old)

    dry = run(practice, dry=True, delete_existing=True)
    assert (dry.run.counts["clients_deleted"], dry.run.counts["appointments_kept"]) == (1, 1)
    assert "Existing contacts to be deleted first: 1; their 1 appointments kept" in report_text(
        dry.plan, dry.run
    )
    assert people(practice.store) == [("Altkunde", None)]  # the dry run wrote nothing

    outcome = run(practice, delete_existing=True)

    assert (outcome.run.counts["clients_deleted"], outcome.run.counts["appointments_kept"]) == (
        1,
        1,
    )
    assert [x for x, _ in people(practice.store)] == ["Koch", "Müller", "Weber"]
    assert [x for x, _ in logins(practice.store)] == ["anna@example.org", "eva@example.org"]
    with practice.store.unit_of_work(write=False) as uow:
        kept = uow.appointments.get(booked.id)
        audit = uow.audit.query(client_id=old)
    assert kept.client_id is None
    assert "Former client: Otto Altkunde" in kept.comment
    assert [(e.action, e.subject_id) for e in audit if e.action == "client.deleted"] == [
        ("client.deleted", outcome.run.id)
    ]


def test_e6_e7_progress_is_reported_for_every_phase(practice: Practice, tmp_path: Path) -> None:
    seen: dict[str, list[tuple[int, int]]] = {}
    run_import(
        SYSTEM_ACTOR,
        importer(practice),
        practice.store,
        clock=practice.clock,
        today=TODAY,
        progress=lambda phase, done, total: seen.setdefault(phase, []).append((done, total)),
        report_json=tmp_path / "report.json",
    )
    assert list(seen) == ["fetch", "plan", "write", "report"]
    assert [seen[p][-1] for p in ("fetch", "plan", "write")] == [(3, 3)] * 3
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    assert (report["source"], report["window"], report["counts"]["clients_created"]) == (
        "csv-contacts",
        None,
        3,
    )


def test_b5_e7_a_client_erased_on_request_is_not_imported_again(practice: Practice) -> None:
    run(practice)
    with practice.store.unit_of_work(write=False) as uow:
        anna = uow.clients.by_external_id("etermin:contact:c-1")
    assert anna is not None
    ClientErasure(practice.store, FakeClock(NOW)).erase(SYSTEM_ACTOR, anna.id)

    dry = run(practice, dry=True)
    assert [(i.record_id, i.action) for i in dry.plan.issues] == [("line 1", SKIPPED)]
    text = report_text(dry.plan, dry.run)
    assert "Clients erased on request (B5): 1, skipped" in text
    assert "Faulty" not in text  # left out on purpose: no reason to refuse the commit
    report = import_contacts_csv(
        practice.store,
        FILE,
        CsvOptions(columns=COLUMNS, delete_existing=True),
        organisation_id="org-1",
        clock=practice.clock,
        hasher=fast_hash,
    )

    assert report.lines_imported == 2  # Jörg and Eva again, after deleting them
    assert [(p.line, p.reason) for p in report.left_out] == [(1, "erased on request, skipped (B5)")]
    with practice.store.unit_of_work(write=False) as uow:
        assert [c.id for c in uow.clients.all() if c.last_name == "Weber"] == []
        assert uow.clients.get(anna.id).erased
        assert "anna@example.org" not in {x.id for x in uow.client_logins.all()}


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> str:
    store = SqliteStore(tmp_path / "practice.db")
    Practice(store, now=datetime.now(UTC)).add_client("Hand", "Hanna")
    store.close()
    return f"sqlite:///{tmp_path / 'practice.db'}"


def _csv(tmp_path: Path, data: bytes = FILE) -> list[str]:
    source = tmp_path / "kontakte.csv"
    source.write_bytes(data)
    return ["import", "csv-contacts", str(source), "--columns", COLUMNS]


def test_g3_e7_the_command_dry_runs_commits_lists_and_resets(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lemnicore_etermin.csv_contacts.hash_password", fast_hash)
    args = [*_csv(tmp_path), "--store", db, "--tag", "Altbestand", "--must-change-password"]
    report = tmp_path / "report.json"
    assert main([*args, "--dry-run", "--report-json", str(report)]) == 0
    out, err = capsys.readouterr()
    assert "Test import (dry run) of csv-contacts — nothing was written" in out
    assert all(word in err for word in ("fetching", "planning", "writing", "reporting"))
    assert json.loads(report.read_text("utf-8"))["counts"]["clients"] == 3

    assert main(args) == 0
    assert "Written: 3 contacts imported, 2 logins created" in capsys.readouterr().out
    assert main(["import", "list", "--store", db, "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["source"], listed["status"], listed["counts"]["clients_created"]) == (
        "csv-contacts",
        "committed",
        3,
    )
    store = SqliteStore(Path(db.removeprefix("sqlite:///")))
    try:
        with store.unit_of_work(write=False) as uow:
            anna = uow.client_logins.get("anna@example.org")
    finally:
        store.close()
    assert anna.must_change_password
    assert verify_password("geheim-123", anna.password_hash)

    assert main(["import", "reset", listed["id"], "--store", db]) == 0
    assert "3 clients removed" in capsys.readouterr().out
    store = SqliteStore(Path(db.removeprefix("sqlite:///")))
    try:
        assert people(store) == [("Hand", None)]
        assert logins(store) == []
    finally:
        store.close()


def test_g7_e7_a_faulty_file_names_every_line_and_writes_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = FILE + b"c-4;Lang;Lea;;anna@example.org;geheim-789\r\n"
    assert main([*_csv(tmp_path, data), "--store", db]) == 1
    err = capsys.readouterr().err
    assert "Nothing imported; fix these records (or use --skip-bad-lines):" in err
    assert "line 1: login_id: 'anna@example.org' is used on lines 1, 4" in err
    assert "line 4: login_id: 'anna@example.org' is used on lines 1, 4" in err
    assert err.strip().splitlines()[-1] == (
        "lemnicore: error: records: 2 problem(s) in the source, nothing imported"
    )
    store = SqliteStore(Path(db.removeprefix("sqlite:///")))
    try:
        assert people(store) == [("Hand", None)]
    finally:
        store.close()


def test_e7_the_window_options_are_not_offered_for_contacts(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for option in (["--from", "-10"], ["--confirmations", "future"], ["--list-calendars"]):
        with pytest.raises(SystemExit) as caught:
            main([*_csv(tmp_path), "--store", db, *option])
        assert caught.value.code == 2
        assert "unrecognized arguments" in capsys.readouterr().err


class CrashError(Exception):
    """Stands in for a power cut between two batches."""


def test_e4_e7_an_interrupted_import_resumes_under_its_id_and_does_not_delete_again(
    practice: Practice,
) -> None:
    practice.add_client("Altkunde", "Otto")

    def crash_after_the_first_batch(phase: str, done: int, total: int) -> None:
        if phase == "write" and done >= 1:
            raise CrashError

    with pytest.raises(CrashError):
        run_import(
            SYSTEM_ACTOR,
            importer(practice, delete_existing=True),
            practice.store,
            clock=practice.clock,
            today=TODAY,
            progress=crash_after_the_first_batch,
            batch_size=1,
        )
    with practice.store.unit_of_work(write=False) as uow:
        [interrupted] = uow.import_runs.all()
    assert interrupted.status == "running"
    assert people(practice.store) == [("Weber", interrupted.id)]  # Otto deleted first

    outcome = run(practice, delete_existing=True)

    assert outcome.run.id == interrupted.id
    assert people(practice.store) == [
        ("Koch", interrupted.id),
        ("Müller", interrupted.id),
        ("Weber", interrupted.id),
    ]  # Weber, written before the crash, neither deleted nor doubled
    assert logins(practice.store) == [("anna@example.org", "Weber"), ("eva@example.org", "Koch")]
    assert (outcome.run.counts["clients_created"], outcome.run.counts["clients_deleted"]) == (3, 1)
