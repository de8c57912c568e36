"""E4/E5, D16/D17, C6 in the core: import runs, their catalog in both stores, data reset,
client logins."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import attrs
import pytest

from lemnicore import (
    SYSTEM_ACTOR,
    Client,
    MemoryStore,
    NotFoundError,
    SqliteStore,
    Store,
    ValidationError,
)
from lemnicore.access.logins import ClientLogin, hash_password, verify_password
from lemnicore.importing.reset import reset_import
from lemnicore.importing.runs import ImportRun
from lemnicore.testing import FakeClock, Practice

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)


def stores(tmp_path: Path) -> list[Store]:
    return [MemoryStore(), SqliteStore(tmp_path / "runs.db")]


def test_e4_import_runs_are_kept_in_both_stores(tmp_path: Path) -> None:
    run = ImportRun(
        id="run-1",
        source="etermin",
        started_at=NOW,
        window_from=date(2024, 12, 20),
        window_to=date(2026, 11, 20),
        confirmations="confirm_future",
        reminders_from=date(2026, 6, 1),
        counts={"clients_created": 3},
    )
    for store in stores(tmp_path):
        with store.unit_of_work() as uow:
            uow.import_runs.put(run)
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.import_runs.get("run-1") == run
        store.close()


def test_d16_unknown_confirmation_options_are_refused() -> None:
    with pytest.raises(ValidationError, match="confirmations"):
        ImportRun(id="r", source="x", started_at=NOW, confirmations="sometimes")


def test_d17_reminders_only_from_the_chosen_date() -> None:
    none = ImportRun(id="r", source="x", started_at=NOW)
    later = attrs.evolve(none, reminders_from=date(2026, 6, 1))
    assert not none.reminders_allowed_for(date(2030, 1, 1))
    assert not later.reminders_allowed_for(date(2026, 5, 31))
    assert later.reminders_allowed_for(date(2026, 6, 1))


def test_e5_reset_removes_only_what_the_import_created(tmp_path: Path) -> None:
    for store in stores(tmp_path):
        practice = Practice(store, now=NOW)
        room = practice.add_room("Raum 1")
        pid = practice.add_practitioner("Frau Koch")
        by_hand = practice.add_client("Hand")
        own = practice.appointment(pid, room, practice.at(2026, 5, 5, 9), client_id=by_hand)
        imported = Client(
            id="c-imp", organisation_id="org-1", last_name="Import", import_id="run-1"
        )
        booked = practice.appointment(pid, room, practice.at(2026, 5, 5, 10))
        with store.unit_of_work() as uow:
            uow.import_runs.put(
                ImportRun(id="run-1", source="etermin", started_at=NOW, status="committed")
            )
            uow.clients.add(imported)
            uow.appointments.update(attrs.evolve(booked, import_id="run-1", client_id="c-imp"))
            uow.commit()
        report = reset_import(store, "run-1", actor=SYSTEM_ACTOR, clock=FakeClock(NOW))
        assert (report.appointments_removed, report.clients_removed) == (1, 1)
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.find(booked.id) is None
            assert uow.clients.find("c-imp") is None
            assert uow.appointments.get(own.id).client_id == by_hand
            assert uow.import_runs.get("run-1").status == "reset"
            (entry,) = [e for e in uow.audit.query() if e.action == "import.reset"]
        assert entry.subject_id == "run-1"
        assert entry.after is not None
        assert entry.after["appointments_removed"] == 1
        again = reset_import(store, "run-1", actor=SYSTEM_ACTOR, clock=FakeClock(NOW))
        assert (again.appointments_removed, again.clients_removed) == (0, 0)
        store.close()


def test_e5_resetting_an_unknown_import_is_a_clear_error() -> None:
    with pytest.raises(NotFoundError, match="nope"):
        reset_import(MemoryStore(), "nope", actor=SYSTEM_ACTOR, clock=FakeClock(NOW))


def test_c6_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("geheim-123", n=2**4), hash_password("geheim-123", n=2**4)
    assert first.startswith("scrypt$16$8$1$")
    assert first != second
    assert verify_password("geheim-123", first)
    assert not verify_password("Geheim-123", first)
    assert not verify_password("geheim-123", "md5$abc")


def test_c6_login_ids_are_e_mails_compared_without_case(tmp_path: Path) -> None:
    login = ClientLogin(
        login_id=" Anna@Example.ORG ",
        client_id="c-1",
        password_hash=hash_password("x-long-enough", n=16),
    )
    assert login.id == "anna@example.org"
    with pytest.raises(ValidationError, match="login_id"):
        ClientLogin(login_id="anna", client_id="c-1", password_hash=login.password_hash)
    store = SqliteStore(tmp_path / "logins.db")
    with store.unit_of_work() as uow:
        uow.client_logins.put(login)
        uow.commit()
    with store.unit_of_work(write=False) as uow:
        assert uow.client_logins.get("anna@example.org") == login
    store.close()


def test_clients_can_be_added_in_batches(tmp_path: Path) -> None:
    for store in stores(tmp_path):
        batch = [Client(id=f"c-{n}", organisation_id="o", last_name=f"N{n}") for n in range(5)]
        with store.unit_of_work() as uow:
            uow.clients.add_many(batch)
            uow.commit()
        with store.unit_of_work(write=False) as uow:
            assert uow.clients.count() == 5
        store.close()
