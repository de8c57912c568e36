"""G6: every listing and report command can print JSON (``--json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lemnicore.cli import main


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_g6_version_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    from lemnicore import __version__

    assert run_json(["version", "--json"], capsys) == {"name": "lemnicore", "version": __version__}


def test_g6_a_week_of_slots_as_json_says_what_the_table_says(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["slots", "--store", store_url, "--room", "room-1", "--week", "2026-05-05"]
    document = run_json([*args, "--json"], capsys)
    assert isinstance(document, dict)
    assert document["room"] == {"id": "room-1", "name": "Raum 1"}
    assert document["week"] == "2026-05-04"
    taken = [s["start"] for s in document["slots"] if not s["free"]]
    assert taken == ["2026-05-05T15:00:00+02:00", "2026-05-05T16:00:00+02:00"]
    free = sum(s["free"] for s in document["slots"])
    assert main(args) == 0
    table = capsys.readouterr().out
    counts = [int(line.split()[2]) for line in table.splitlines()[2:]]
    assert sum(counts) == free


def test_g6_a_notification_run_as_json(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["notify", "run", "--store", store_url, "--dry-run", "--now", "2026-05-04T16:00"]
    document = run_json([*args, "--json"], capsys)
    assert isinstance(document, dict)
    assert document["dry_run"] is True
    assert document["now"] == "2026-05-04T16:00:00+02:00"
    # D8: on go-live day the confirmation does not hold back the reminder.
    assert [(m["kind"], m["address"], m["appointments"]) for m in document["due"]] == [
        ("confirmation", "eva@example.org", ["appointment-1"]),
        ("reminder", "eva@example.org", ["appointment-1"]),
    ]
    assert document["shortened"] == []
    assert {(s["appointment_id"], s["reason"]) for s in document["skipped"]} >= {
        ("appointment-2", "no_consent")
    }


def test_g6_why_and_policy_as_json(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    why = run_json(
        [
            "notify",
            "why",
            "appointment-2",
            "--store",
            store_url,
            "--now",
            "2026-05-04T16:00",
            "--json",
        ],
        capsys,
    )
    assert isinstance(why, dict)
    assert why["appointment_id"] == "appointment-2"
    assert "no_consent" in {s["reason"] for s in why["skips"]}
    policy = run_json(["notify", "policy", "--store", store_url, "--json"], capsys)
    assert isinstance(policy, dict)
    assert policy["reminders"]["hours_before"] == 24
    assert policy["channel_order"][0] == "email"


def test_g6_imports_and_booking_requests_as_json(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_json(["import", "list", "--store", store_url, "--json"], capsys) == []
    assert run_json(["booking", "requests", "--store", store_url, "--json"], capsys) == []


def test_g6_every_listing_and_report_command_offers_json() -> None:
    """The commands that print a listing or a report (``export csv-contacts`` writes a CSV
    file, its own machine-readable format)."""
    from lemnicore.cli import build_parser

    parser = build_parser()
    listing = [
        ["demo"],
        ["notify", "test-transport"],
        ["version"],
        ["slots"],
        ["notify", "run"],
        ["notify", "serve"],
        ["notify", "why"],
        ["notify", "policy"],
        ["import", "list"],
        ["import", "reset"],
        ["import", "etermin"],
        ["import", "csv-contacts"],
        ["booking", "requests"],
    ]
    for words in listing:
        help_text = _help_of(parser, words)
        assert "--json" in help_text, words


def _help_of(parser: object, words: list[str]) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        parser.parse_args([*words, "--help"])  # type: ignore[attr-defined]
    return out.getvalue()


def test_g6_json_of_an_unknown_value_is_refused_not_guessed(tmp_path: Path) -> None:
    from lemnicore.cli.output import to_json

    with pytest.raises(TypeError, match="Path"):
        to_json({"file": tmp_path})


def test_g6_the_demo_as_json_has_every_room_and_the_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["demo", "--store", f"sqlite:///{tmp_path / 'demo.db'}", "--now", "2026-05-06T10:15"]
    document = run_json([*args, "--json"], capsys)
    assert isinstance(document, dict)
    assert [r["id"] for r in document["rooms"]] == ["demo-room-1", "demo-room-2", "demo-room-3"]
    assert document["from"] == "2026-05-06T10:15:00+02:00"
    assert all(s["start"] >= document["from"] for r in document["rooms"] for s in r["slots"])
    assert sum(document["notifications"]["due"].values()) > 0


def test_g6_a_test_message_as_json_shows_only_the_masked_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lemnicore_notify.testing import FakeSevenGateway

    with FakeSevenGateway() as seven:
        url = seven.transport_url()
        document = run_json(
            ["notify", "test-transport", url, "--to", "0170 1234567", "--json"], capsys
        )
        (received,) = seven.received
    assert isinstance(document, dict)
    assert document["provider"] == "seven.io"
    assert document["message_id"] == received.message_id
    assert document["transport"].startswith("sms+seven://***@gateway.seven.io")
