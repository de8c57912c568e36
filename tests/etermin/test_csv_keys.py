"""E4 × E7: a CSV contact file without an ``external_id`` column is still idempotent.

The common file is an Excel list of name, postcode and e-mail. Its lines carry no source
id, so each contact gets a key made from its normalised contact data, kept as the client's
external id: importing the same file again (or a re-ordered, re-encoded, differently
delimited copy) creates nothing new, an interrupted run resumed adds only what is missing
(E4 "batched and resumable", "idempotent"), two identical lines are one contact, and lines
whose contact data differ stay two contacts (E4: never merged on conflicting data). A line
whose person is in the store already by e-mail (entered by hand) leaves the stored client
as it is (E4 "else same normalised e-mail"); a person erased on request is not brought
back (B5).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lemnicore import SYSTEM_ACTOR, ClientErasure, SqliteStore, Store
from lemnicore.access.logins import hash_password
from lemnicore.importing.issues import MERGED, SKIPPED
from lemnicore.importing.pipeline import ImportOutcome, ImportTarget, run_import
from lemnicore.importing.report import report_text
from lemnicore.testing import FakeClock, Practice
from lemnicore_etermin.csv_contacts import (
    CsvContactsImporter,
    CsvImportReport,
    CsvOptions,
    contact_content_key,
    import_contacts_csv,
)

from .conftest import NOW, TODAY

COLUMNS = "last_name,first_name,postcode,email"
FILE = (
    "Weber;Anna;20095;anna@example.org\r\nMüller;Jörg;10115;\r\nKoch;Eva;80331;eva@example.org\r\n"
).encode()


def fast_hash(password: str) -> str:
    return hash_password(password, n=2**4)


class CrashError(Exception):
    """Stands in for a power cut between two batches."""


@pytest.fixture
def practice(tmp_path: Path) -> Iterator[Practice]:
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=NOW)
    yield practice
    store.close()


def importer(practice: Practice, data: bytes = FILE, **kw: Any) -> CsvContactsImporter:
    kw.setdefault("columns", COLUMNS)
    return CsvContactsImporter(
        data, CsvOptions(**kw), ImportTarget.of_store(practice.store), clock=practice.clock
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


def report(practice: Practice, data: bytes = FILE, **kw: Any) -> CsvImportReport:
    kw.setdefault("columns", COLUMNS)
    return import_contacts_csv(
        practice.store,
        data,
        CsvOptions(**kw),
        organisation_id="org-1",
        clock=practice.clock,
        hasher=fast_hash,
    )


def people(store: Store) -> list[tuple[str, str, str | None]]:
    with store.unit_of_work(write=False) as uow:
        return sorted((c.last_name, c.first_name, c.email) for c in uow.clients.all())


def test_e4_e7_the_same_file_without_external_ids_imported_twice_creates_nothing_new(
    practice: Practice,
) -> None:
    first = run(practice)
    assert first.run.counts["clients_created"] == 3
    with practice.store.unit_of_work(write=False) as uow:
        keys = sorted(c.external_id or "" for c in uow.clients.all())
    assert all(k.startswith("csv-contacts:") for k in keys)
    assert "anna@example.org" not in "".join(keys)  # a digest, not the data itself

    again = report(practice)

    assert again.lines_imported == 0
    assert len(people(practice.store)) == 3
    assert [(p.line, p.reason) for p in again.left_out] == [
        (line, "already in the store (same contact data), left as it is") for line in (1, 2, 3)
    ]


def test_e4_e7_a_reordered_reencoded_differently_delimited_copy_is_the_same_contacts(
    practice: Practice,
) -> None:
    report(practice, tag="Januar")
    copy = (
        "E-Mail,PLZ,Vorname,Nachname\r\n"
        "EVA@Example.org ,80331,Eva,  KOCH\r\n"
        '"anna@example.org",20095,Anna,Weber\r\n'
        "\r\n"
        ",10115,Jörg,Müller\r\n"
    ).encode("cp1252")

    again = report(
        practice,
        copy,
        columns="email,postcode,first_name,last_name",
        delimiter=",",
        encoding="windows-1252",
        skip_header=True,
        tag="Februar",  # the tag is what the import adds, not who the person is
    )

    assert again.lines_imported == 0
    assert len(people(practice.store)) == 3


def test_e4_e7_an_interrupted_import_without_external_ids_resumes_adding_only_whats_missing(
    practice: Practice,
) -> None:
    def crash_after_the_first_batch(phase: str, done: int, total: int) -> None:
        if phase == "write" and done >= 1:
            raise CrashError

    with pytest.raises(CrashError):
        run_import(
            SYSTEM_ACTOR,
            importer(practice),
            practice.store,
            clock=practice.clock,
            today=TODAY,
            progress=crash_after_the_first_batch,
            batch_size=1,
        )
    assert [p[0] for p in people(practice.store)] == ["Weber"]

    resumed = run(practice)

    assert resumed.run.counts["clients_created"] == 3  # the run's total, over both attempts
    assert [p[0] for p in people(practice.store)] == ["Koch", "Müller", "Weber"]


def test_e4_e7_two_identical_lines_are_one_contact_the_second_reported_with_both_lines(
    practice: Practice,
) -> None:
    data = FILE + b"Weber ; anna ;20095;Anna@Example.org\r\n"

    outcome = run(practice, data, dry=True)

    assert outcome.run.counts["clients"] == 3
    [issue] = [i for i in outcome.plan.issues if i.record_id == "line 4"]
    assert issue.action == MERGED
    assert "line 1" in issue.reason
    assert [(m.kept, m.merged) for m in outcome.plan.merges] == [("line 1", "line 4")]
    text = report_text(outcome.plan, outcome.run)
    assert "Faulty" not in text
    assert "Duplicates (E4): 1 lines merged into an earlier line" in text

    done = report(practice, data)  # all-or-nothing: a duplicate line is not an error

    assert done.lines_imported == 3
    assert [(p.line, p.reason) for p in done.left_out] == [
        (4, "same contact as line 1 (duplicate line), merged")
    ]


def test_e4_e7_the_same_person_with_another_email_is_two_contacts_and_a_possible_duplicate(
    practice: Practice,
) -> None:
    data = b"Weber;Anna;07.03.1980;anna@example.org\r\nWeber;Anna;07.03.1980;anna.weber@example.com\r\n"

    outcome = run(practice, data, columns="last_name,first_name,birthday,email")

    assert outcome.run.counts["clients_created"] == 2
    assert [(m.kept, m.merged) for m in outcome.plan.possible_duplicates] == [("line 1", "line 2")]
    assert "different e-mail addresses" in outcome.plan.possible_duplicates[0].rule
    assert outcome.plan.merges == ()


def test_e4_e7_a_line_whose_email_and_name_a_hand_entered_client_has_leaves_it_as_it_is(
    practice: Practice,
) -> None:
    hand = practice.add_client("Weber", "Anna", email="Anna@Example.org", mobile="0170 1111111")
    data = b"Weber;Anna;anna@example.org;0170 2222222\r\n"
    columns = "last_name,first_name,email,mobile"

    dry = run(practice, data, dry=True, columns=columns)
    assert dry.run.counts["clients"] == 0
    assert "Already in the store by e-mail and name (E4): 1" in report_text(dry.plan, dry.run)

    done = report(practice, data, columns=columns, tag="Import")

    assert done.lines_imported == 0
    assert [(p.line, p.reason) for p in done.left_out] == [
        (1, "already in the store by e-mail, left as it is")
    ]
    with practice.store.unit_of_work(write=False) as uow:
        [stored] = uow.clients.all()
    assert (stored.id, stored.mobile, stored.tags, stored.import_id) == (
        hand,
        "+491701111111",
        frozenset(),
        None,
    )  # the hand-entered data are not overwritten, not even tagged


def test_e4_e7_a_family_sharing_an_email_is_not_merged_into_the_stored_client(
    practice: Practice,
) -> None:
    """Parents and children often share one address: a different name is conflicting
    data, so the line is imported and reported for a person to decide (E4)."""
    practice.add_client("Weber", "Anna", email="anna@example.org")
    data = b"Weber;Max;anna@example.org\r\n"

    outcome = run(practice, data, columns="last_name,first_name,email")

    assert outcome.run.counts["clients_created"] == 1
    assert len(people(practice.store)) == 2
    [doubt] = outcome.plan.possible_duplicates
    assert doubt.merged == "line 1"
    assert "same e-mail" in doubt.rule


def test_b5_e7_a_person_erased_on_request_is_not_brought_back_by_a_file_without_ids(
    practice: Practice,
) -> None:
    run(practice)
    with practice.store.unit_of_work(write=False) as uow:
        [anna] = [c for c in uow.clients.all() if c.last_name == "Weber"]
    ClientErasure(practice.store, FakeClock(NOW)).erase(SYSTEM_ACTOR, anna.id)

    dry = run(practice, dry=True)
    assert [(i.record_id, i.action) for i in dry.plan.issues] == [("line 1", SKIPPED)]

    again = report(practice, delete_existing=True)  # the erased record survives a delete

    assert again.lines_imported == 2
    assert (1, "erased on request, skipped (B5)") in [(p.line, p.reason) for p in again.left_out]
    assert ("Weber", "Anna", "anna@example.org") not in people(practice.store)


def test_e4_e7_the_content_key_ignores_case_spacing_tag_password_and_line() -> None:
    one = contact_content_key(
        organisation_id="org-1",
        last_name="Weber",
        first_name="Anna Maria",
        email="anna@example.org",
        birthday=None,
        phones=("0170 1234567",),
        postcode="20095",
    )
    assert one.startswith("csv-contacts:")
    assert one == contact_content_key(
        organisation_id="org-1",
        last_name=" WEBER ",
        first_name="anna  maria",
        email="Anna@Example.ORG",
        birthday=None,
        phones=("0170 1234567",),
        postcode=" 20095",
    )
    assert one != contact_content_key(
        organisation_id="org-1",
        last_name="Weber",
        first_name="Anna Maria",
        email="anna@example.com",
        birthday=None,
        phones=("0170 1234567",),
        postcode="20095",
    )
    # Another practice's key for the same person differs: a store holding several
    # organisations does not take one practice's contact for another's.
    assert one != contact_content_key(
        organisation_id="org-2",
        last_name="Weber",
        first_name="Anna Maria",
        email="anna@example.org",
        birthday=None,
        phones=("0170 1234567",),
        postcode="20095",
    )


def test_c6_e7_an_identical_line_with_the_same_login_is_merged_not_a_login_used_twice(
    practice: Practice,
) -> None:
    data = b"Weber;anna@example.org;geheim-123\r\nWeber;anna@example.org;geheim-123\r\n"

    done = report(practice, data, columns="last_name,login_id,password")

    assert (done.lines_imported, done.logins_created) == (1, 1)
    assert [p.line for p in done.left_out] == [2]


def test_e7_the_same_contact_with_another_login_is_an_error_naming_the_first_line(
    practice: Practice,
) -> None:
    data = b"Weber;anna@example.org;geheim-123\r\nWeber;weber@example.org;geheim-456\r\n"

    done = report(practice, data, columns="last_name,login_id,password", skip_bad_lines=True)

    assert [(p.line, p.field, p.reason) for p in done.problems] == [
        (2, "login_id", "same contact as line 1 with another login")
    ]
    assert done.lines_imported == 1


def test_e7_a_repeat_of_a_faulty_line_is_not_imported_either_and_says_why(
    practice: Practice,
) -> None:
    data = (
        b"Weber;x@example.org;geheim-123\r\n"
        b"Weber;x@example.org;geheim-123\r\n"
        b"Koch;x@example.org;geheim-456\r\n"  # the login id of line 1 again: both faulty
    )
    columns = "last_name,login_id,password"

    done = report(practice, data, columns=columns, skip_bad_lines=True)

    assert done.lines_imported == 0
    assert (2, "line", "same contact as line 1, which is faulty") in [
        (p.line, p.field, p.reason) for p in done.problems
    ]


def test_c6_e4_e7_a_line_found_in_the_store_by_email_says_its_login_was_not_created(
    practice: Practice,
) -> None:
    practice.add_client("Weber", "", email="anna@example.org")
    data = b"Weber;anna@example.org;anna@example.org;geheim-123\r\n"

    done = report(practice, data, columns="last_name,email,login_id,password")

    assert (done.lines_imported, done.logins_created) == (0, 0)
    assert [p.reason for p in done.left_out] == [
        "already in the store by e-mail, left as it is; its login not created"
    ]


def test_e4_e7_a_resumed_run_keeps_apart_what_a_clean_run_keeps_apart(
    practice: Practice,
) -> None:
    """Line 2 shares e-mail and name with line 1 but not the phone: two contacts. After a
    crash that wrote line 1 only, line 1's client is this import's own, not a client
    "already in the store by e-mail": the resumed run imports line 2 all the same."""
    data = (
        b"Weber;Anna;anna@example.org;0170 1111111\r\nWeber;Anna;anna@example.org;0170 2222222\r\n"
    )
    columns = "last_name,first_name,email,mobile"

    def crash_after_the_first_batch(phase: str, done: int, total: int) -> None:
        if phase == "write" and done >= 1:
            raise CrashError

    with pytest.raises(CrashError):
        run_import(
            SYSTEM_ACTOR,
            importer(practice, data, columns=columns),
            practice.store,
            clock=practice.clock,
            today=TODAY,
            progress=crash_after_the_first_batch,
            batch_size=1,
        )

    resumed = run(practice, data, columns=columns)

    assert resumed.run.counts["clients_created"] == 2
    assert len(people(practice.store)) == 2
    assert [(m.kept, m.merged) for m in resumed.plan.possible_duplicates] == [("line 1", "line 2")]


def test_e4_e7_an_export_read_back_into_the_same_practice_creates_nothing_new(
    practice: Practice,
) -> None:
    from lemnicore_etermin.csv_contacts import EXPORT_DEFAULT, export_contacts_csv

    data = (
        "Frau;Weber;Anna;Hauptstraße 1;20095;Hamburg;anna@example.org;0170 1234567;;07.03.1980\r\n"
        "Herr;Müller;Jörg;;10115;Berlin;;;+49 30 1234567;\r\n"
    ).encode()
    report(practice, data, columns=",".join(EXPORT_DEFAULT))
    with practice.store.unit_of_work(write=False) as uow:
        exported = export_contacts_csv(uow.clients.all())

    again = report(practice, exported, columns=",".join(EXPORT_DEFAULT), skip_header=True)

    assert again.lines_imported == 0
    assert len(people(practice.store)) == 2
