"""G3: ``lemnicore notify run | why | policy`` on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from lemnicore.cli import main
from lemnicore.plugins import manager
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    bob = practice.add_client("Kurz", "Bob", email="bob@example.org", consent=False)
    practice.appointment(anna, room, practice.at(2026, 5, 5, 15), client_id=eva)
    practice.appointment(anna, room, practice.at(2026, 5, 5, 16), client_id=bob)
    store.close()
    return f"sqlite:///{path}"


def test_g3_dry_run_shows_what_would_be_sent_and_why_not(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["notify", "run", "--store", store_url, "--dry-run", "--now", "2026-05-04T16:00"])
    out = capsys.readouterr().out
    assert code == 0
    assert "would send: confirmation via email to eva@example.org [appointment-1]" in out
    assert "appointment-2 confirmation: no_consent" in out


def test_g3_run_without_transport_explains_what_to_do(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notify", "run", "--store", store_url]) == 2
    assert "no transport configured" in capsys.readouterr().out


def test_g3_run_sends_through_transports_from_the_hook(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        manager, "BUILTIN_PLUGINS", (*manager.BUILTIN_PLUGINS, "lemnicore.testing.transports")
    )
    args = ["notify", "run", "--store", store_url, "--transport", "capture://cli"]
    assert main([*args, "--now", "2026-05-04T16:00+02:00"]) == 0
    out = capsys.readouterr().out
    assert "sent: confirmation to eva@example.org" in out
    # D8: the confirmation and tomorrow's reminder, planned in one run, both go out.
    assert "sent: reminder to eva@example.org" in out
    assert [m.address for m in CapturingTransport.named("cli").delivered] == [
        "eva@example.org",
        "eva@example.org",
    ]
    assert main(["notify", "run", "--store", store_url, "--transport", "nope://x"]) == 1
    assert "no transport plugin serves nope://" in capsys.readouterr().err


def test_g3_why_explains_an_appointment(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["notify", "why", "appointment-2", "--store", store_url, "--now", "2026-05-04T16:00"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Reminder due at 04.05.2026 16:00" in out
    assert "reminder: no_consent" in out


def test_g3_policy_shows_and_changes_main_options(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notify", "policy", "--store", store_url]) == 0
    assert "quiet hours:        20:00-06:00" in capsys.readouterr().out
    code = main(
        [
            "notify",
            "policy",
            "--store",
            store_url,
            "--hours-before",
            "10",
            "--quiet-hours",
            "none",
            "--blackout",
            "23:00-04:00",
            "--branches",
            "hh1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "10 h before" in out
    assert "blackout windows:   23:00-04:00" in out
    assert "branches:           HH1" in out  # D2: saved as the branch spells its code
    assert main(["notify", "policy", "--store", store_url, "--min-hours-between", "120"]) == 1
    assert (
        "reminder.min_hours_between: must be a whole number from 1 to 99" in capsys.readouterr().err
    )
