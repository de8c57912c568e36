"""G3: the import commands, run through ``lemnicore.cli.main`` against the fake over
loopback and a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lemnicore import SqliteStore
from lemnicore.cli import main
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager
from lemnicore.testing import Practice
from lemnicore_etermin.source import EterminPlugin
from lemnicore_etermin.testing import EterminAccount, FakeEterminServer


@pytest.fixture
def db(tmp_path: Path) -> str:
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=datetime.now(UTC))
    practice.add_room("Raum 1")
    practice.add_practitioner("Frau Koch")
    store.close()
    return f"sqlite:///{tmp_path / 'practice.db'}"


def test_e1_the_etermin_importer_registers_through_the_importer_hook() -> None:
    importers = collect_registrations(
        make_plugin_manager().hook.lemnicore_register_importers, "importer"
    )
    # G5: registered lazily; the real plugin is imported when the command is used.
    assert isinstance(importers["etermin"].load(), EterminPlugin)


def test_g3_dry_run_then_import_then_list_then_reset(
    fake: FakeEterminServer,
    account: EterminAccount,
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_file = tmp_path / "private.key"
    key_file.write_text(account.private_key + "\n")
    common = [
        "import", "etermin", "--public-key", account.public_key, "--private-key-file",
        str(key_file), "--store", db, "--base-url", fake.base_url,
        "--from", "-3650", "--to", "3650", "--calendar", "1001=room-1", "--calendar", "1002=room-1",
    ]  # fmt: skip
    report_file = tmp_path / "report.json"
    assert main([*common, "--dry-run", "--report-json", str(report_file)]) == 0
    out, err = capsys.readouterr()
    assert "dry run" in out
    assert "share room 'room-1'" in out  # A8
    assert "fetching [" in err
    report = json.loads(report_file.read_text())
    assert report["status"] == "dry_run"
    assert {"record_id": "contact 3", "field": "LastName"}.items() <= next(
        i for i in report["issues"] if i["record_id"] == "contact 3" and i["field"] == "LastName"
    ).items()
    assert main([*common, "--confirmations", "future", "--reminders-from", "2026-06-01"]) == 0
    out, err = capsys.readouterr()
    assert "Written: 3 clients, 4 appointments" in out
    assert "writing [" in err
    assert account.private_key not in out + err
    assert main(["import", "list", "--store", db]) == 0
    listing = capsys.readouterr().out
    import_id = listing.split()[0]
    assert "committed" in listing
    assert main(["import", "reset", import_id, "--store", db]) == 0
    assert "4 appointments and 3 clients removed" in capsys.readouterr().out


def test_g3_a_wrong_key_is_a_clear_error(
    fake: FakeEterminServer, db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key_file = tmp_path / "private.key"
    key_file.write_text("not-the-key")
    code = main(
        ["import", "etermin", "--public-key", "pk-test", "--private-key-file", str(key_file),
         "--store", db, "--base-url", fake.base_url, "--list-calendars"]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "refused the API keys" in err
    assert "not-the-key" not in err


def test_g3_csv_import_and_export(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "kontakte.csv"
    source.write_bytes(
        "Anrede;Nachname;Vorname\r\nFrau;Weber;Anna\r\nHerr;;Jörg\r\n".encode("cp1252")
    )
    args = ["import", "csv-contacts", str(source), "--store", db, "--columns", "Anrede,Nachname,Vorname",
            "--encoding", "windows-1252", "--skip-header", "--tag", "Altbestand"]  # fmt: skip
    assert main(args) == 1
    assert "line 3: last_name: missing" in capsys.readouterr().err
    assert main([*args, "--skip-bad-lines"]) == 0
    assert "1 contacts imported" in capsys.readouterr().out
    exported = tmp_path / "export.csv"
    assert main(["export", "csv-contacts", "--store", db, "--output", str(exported),
                 "--columns", "salutation,last_name,first_name,tags"]) == 0  # fmt: skip
    assert exported.read_text("utf-8-sig").splitlines()[1] == "Frau;Weber;Anna;Altbestand"


def _etermin(db: str, fake: FakeEterminServer, *extra: str) -> list[str]:
    return ["import", "etermin", "--store", db, "--base-url", fake.base_url, *extra]


def test_e1_the_keys_can_come_from_the_environment_and_files_not_only_argv(
    fake: FakeEterminServer,
    account: EterminAccount,
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private = tmp_path / "private.key"
    private.write_text(account.private_key + "\n")
    monkeypatch.setenv("LEMNICORE_ETERMIN_PUBLIC_KEY", account.public_key)
    monkeypatch.setenv("LEMNICORE_ETERMIN_PRIVATE_KEY_FILE", str(private))
    assert main(_etermin(db, fake, "--list-calendars")) == 0
    assert "1001\tRaum 1" in capsys.readouterr().out
    public = tmp_path / "public.key"
    public.write_text(account.public_key + "\n")
    monkeypatch.delenv("LEMNICORE_ETERMIN_PUBLIC_KEY")
    assert main(_etermin(db, fake, "--public-key-file", str(public), "--list-calendars")) == 0
    assert "1001\tRaum 1" in capsys.readouterr().out
    assert main(_etermin(db, fake, "--list-calendars")) == 1
    assert "LEMNICORE_ETERMIN_PUBLIC_KEY" in capsys.readouterr().err


def test_e2_a_mapping_to_a_calendar_the_account_lacks_is_refused_naming_it(
    fake: FakeEterminServer,
    account: EterminAccount,
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private = tmp_path / "private.key"
    private.write_text(account.private_key)
    monkeypatch.setenv("LEMNICORE_ETERMIN_PRIVATE_KEY_FILE", str(private))
    code = main(
        _etermin(db, fake, "--public-key", account.public_key, "--dry-run",
                 "--calendar", "1001=room-1", "--calendar", "999=room-1")
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "no calendar '999'" in err
    assert "1001 (Raum 1)" in err
    assert not [r for r in fake.requests if r.resource == "appointment"]


def test_e1_a_wrong_base_url_is_named_and_a_malformed_one_is_not_retried(
    fake: FakeEterminServer,
    account: EterminAccount,
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    private = tmp_path / "private.key"
    private.write_text(account.private_key)
    monkeypatch.setenv("LEMNICORE_ETERMIN_PRIVATE_KEY_FILE", str(private))
    monkeypatch.setenv("LEMNICORE_ETERMIN_PUBLIC_KEY", account.public_key)
    wrong = fake.base_url + "v1/"
    args = ["import", "etermin", "--store", db, "--list-calendars"]
    assert main([*args, "--base-url", wrong]) == 1
    assert f"{wrong}calendar" in capsys.readouterr().err
    assert main([*args, "--base-url", "etermin.net/api"]) == 1
    assert "'etermin.net/api'" in capsys.readouterr().err
