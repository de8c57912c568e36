"""B5 × E4/E5/E7: a client erased on request stays erased, whatever is imported again.

Erasure keeps only the record's ids (``external_id``, ``import_id``, ``erased=True``).
These tests run the fake eTermin API over loopback into a real SQLite file, erase a client,
and then do what a practice might do next: re-run the takeover, reset and re-import, or
import a CSV contact file with the same people.
"""

from __future__ import annotations

from typing import Any

import pytest

from lemnicore import SYSTEM_ACTOR, ClientErasure, SqliteStore, Store
from lemnicore.importing.reset import reset_import
from lemnicore.testing import FakeClock, Practice
from lemnicore_etermin import report_text
from lemnicore_etermin.csv_contacts import CsvOptions, import_contacts_csv
from lemnicore_etermin.plan import plan_takeover
from lemnicore_etermin.takeover import EterminImporter, commit_takeover, dry_run
from lemnicore_etermin.testing import EterminAccount, FakeEterminServer
from lemnicore_etermin.testing.samples import appointment, small_account

from .conftest import NOW, TODAY, options

ANNA_KEY = "etermin:contact:c-1"
ANNA_TRACES = ("Weber", "Anna", "anna.weber", "Knie", "1234567", "Hauptstraße")


@pytest.fixture
def account() -> EterminAccount:
    """The small account; Anna's appointment 11 carries a note about her knee."""
    account = small_account()
    account.appointments[0]["Notes"] = "Knie rechts"
    return account


def take_over(fake: FakeEterminServer, account: EterminAccount, store: Store, practice: Practice):  # type: ignore[no-untyped-def]
    chosen = options(practice)
    with EterminImporter.connect(
        account.public_key, account.private_key, base_url=fake.base_url
    ) as importer:
        fetched = importer.fetch(chosen, today=TODAY)
    plan = plan_takeover(fetched, chosen, today=TODAY, now=NOW)
    return plan, commit_takeover(store, plan, clock=FakeClock(NOW), batch_size=2)


def erase_anna(store: Store) -> str:
    with store.unit_of_work(write=False) as uow:
        anna = uow.clients.by_external_id(ANNA_KEY)
    assert anna is not None
    assert anna.last_name == "Weber"
    ClientErasure(store, FakeClock(NOW)).erase(SYSTEM_ACTOR, anna.id)
    return anna.id


def traces_of_anna(store: Store) -> list[str]:
    """Every stored client or appointment value that still speaks of Anna."""
    with store.unit_of_work(write=False) as uow:
        clients = uow.clients.all()
        appointments = uow.appointments.starting_between(
            NOW.replace(year=2000), NOW.replace(year=2100)
        )
    values: list[Any] = [repr(c) for c in clients] + [a.comment for a in appointments]
    return [v for v in values if any(t in v for t in ANNA_TRACES)]


def anna_appointments(store: Store, anna_id: str) -> list[Any]:
    with store.unit_of_work(write=False) as uow:
        return uow.appointments.of_client(anna_id)


def test_b5_e4_rerunning_the_takeover_does_not_bring_an_erased_client_back(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    take_over(fake, account, store, practice)
    anna = erase_anna(store)
    assert traces_of_anna(store) == []

    plan, run = take_over(fake, account, store, practice)

    assert traces_of_anna(store) == []
    assert run.counts["clients_erased"] == 1
    assert run.counts["clients_created"] == 0
    assert [a.comment for a in anna_appointments(store, anna)] == [""]
    erased = [i for i in plan.issues if "erased" in i.reason]
    assert erased == []  # the plan alone does not know the store …
    text = report_text(plan, run)
    assert "1 erased on request, skipped" in text  # … the run does
    assert "Weber" not in text


def test_b5_e4_a_new_appointment_of_an_erased_client_is_anonymous_busy_time(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    """Anna's contact is gone from eTermin, so the re-run would know her only from her
    appointments (a different external id): the link of appointment 11 to her erased record
    still identifies her. Her new appointment 15 keeps its time, not its note."""
    store, practice = practice_db
    take_over(fake, account, store, practice)
    anna = erase_anna(store)
    account.contacts.pop(0)
    account.appointments.append(
        appointment(15, "2026-05-12T09:00:00", "2026-05-12T09:30:00", Notes="Knie links")
    )
    account.changed()

    _, run = take_over(fake, account, store, practice)

    assert traces_of_anna(store) == []
    assert run.counts["clients_erased"] == 1
    assert run.counts["appointments_created"] == 1
    new = [
        a for a in anna_appointments(store, anna) if a.external_id == "etermin:appointment:ext-15"
    ]
    assert len(new) == 1
    assert new[0].comment == ""
    assert new[0].blocks_room


def test_b5_e5_a_reset_keeps_the_erased_record_so_a_reimport_cannot_restore_it(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    _, first = take_over(fake, account, store, practice)
    anna = erase_anna(store)

    report = reset_import(store, first.id, actor=SYSTEM_ACTOR, clock=FakeClock(NOW))
    assert report.clients_erased_kept == (anna,)
    assert report.clients_removed == 2  # Jörg and Lena
    with store.unit_of_work(write=False) as uow:
        shell = uow.clients.get(anna)
    assert shell.erased
    assert shell.external_id == ANNA_KEY

    _, again = take_over(fake, account, store, practice)

    assert traces_of_anna(store) == []
    assert again.counts["clients_erased"] == 1
    # Appointment 11 is back as anonymous busy time, without "Knie rechts".
    assert [a.comment for a in anna_appointments(store, anna)] == [""]


def test_b5_e3_the_dry_run_names_the_erased_record_without_its_data(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    from lemnicore_etermin.erasures import ErasedClients, respect_erasures

    store, practice = practice_db
    plan, _ = take_over(fake, account, store, practice)
    erase_anna(store)
    with store.unit_of_work(write=False) as uow:
        screened = respect_erasures(plan, ErasedClients.in_store(uow))
    assert [(i.record_id, i.reason) for i in screened.issues if "erased" in i.reason] == [
        ("contact 1", "erased on request, skipped (same external id)")
    ]
    text = report_text(screened, dry_run(screened, clock=FakeClock(NOW)))
    assert not any(t in text for t in ANNA_TRACES)
    assert "erased on request" in text


CSV_COLUMNS = "external_id,last_name,first_name,email"


def test_b5_e7_a_csv_import_skips_lines_of_erased_clients_and_reports_them(
    fake: FakeEterminServer, account: EterminAccount, practice_db: tuple[SqliteStore, Practice]
) -> None:
    store, practice = practice_db
    take_over(fake, account, store, practice)
    erase_anna(store)
    data = (
        "c-1;Weber;Anna;anna.weber@example.org\r\n"
        "c-2;Müller;Jörg;\r\n"
        "c-9;Neu;Nina;nina@example.org\r\n"
    ).encode()

    report = import_contacts_csv(
        store, data, CsvOptions(columns=CSV_COLUMNS), organisation_id="org-1", clock=practice.clock
    )

    assert traces_of_anna(store) == []
    assert report.lines_imported == 1  # only Nina is new
    assert [(s.line, s.reason) for s in report.left_out] == [
        (1, "erased on request, skipped (B5)"),
        (2, "already in the store (same external id), left as it is"),
    ]
    assert "erased on request, skipped" in report.to_text()
    with store.unit_of_work(write=False) as uow:
        nina = uow.clients.by_external_id("etermin:contact:c-9")
    assert nina is not None
    assert nina.first_name == "Nina"


def test_b5_e7_deleting_contacts_first_keeps_the_erased_record(practice: Practice) -> None:
    data = b"c-1;Weber;Anna;anna@example.org\r\n"
    import_contacts_csv(
        practice.store,
        data,
        CsvOptions(columns=CSV_COLUMNS),
        organisation_id="org-1",
        clock=practice.clock,
    )
    anna = erase_anna_by_key(practice.store, ANNA_KEY)
    report = import_contacts_csv(
        practice.store,
        data,
        CsvOptions(columns=CSV_COLUMNS, delete_existing=True),
        organisation_id="org-1",
        clock=practice.clock,
    )
    assert report.lines_imported == 0
    assert [s.line for s in report.left_out] == [1]
    assert practice.client(anna).erased


def test_e7_the_same_external_id_on_two_lines_is_an_error_naming_both(
    practice: Practice,
) -> None:
    from lemnicore_etermin.errors import CsvImportError

    data = b"c-1;Weber;Anna;\r\nc-1;Weber;Anne;\r\n"
    with pytest.raises(CsvImportError, match="line 1: external_id: 'c-1' is used on lines 1, 2"):
        import_contacts_csv(
            practice.store,
            data,
            CsvOptions(columns=CSV_COLUMNS),
            organisation_id="org-1",
            clock=practice.clock,
        )


def erase_anna_by_key(store: Store, key: str) -> str:
    with store.unit_of_work(write=False) as uow:
        found = uow.clients.by_external_id(key)
    assert found is not None
    ClientErasure(store, FakeClock(NOW)).erase(SYSTEM_ACTOR, found.id)
    return found.id


def test_e7_the_external_id_column_round_trips_and_erased_records_are_not_exported(
    practice: Practice,
) -> None:
    from lemnicore_etermin.csv_contacts import export_contacts_csv

    data = b"c-1;Weber;Anna;anna@example.org\r\nc-2;Berg;Ole;\r\n"
    import_contacts_csv(
        practice.store,
        data,
        CsvOptions(columns=CSV_COLUMNS),
        organisation_id="org-1",
        clock=practice.clock,
    )
    erase_anna_by_key(practice.store, ANNA_KEY)
    with practice.store.unit_of_work(write=False) as uow:
        exported = export_contacts_csv(uow.clients.all(), CSV_COLUMNS, header=False)
    assert exported.decode("utf-8-sig") == "c-2;Berg;Ole;\r\n"
