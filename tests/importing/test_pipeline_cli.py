"""E1/E3/E6/A8/G3: ``lemnicore import NAME`` from the shared pipeline, run through
``lemnicore.cli.main`` against a real SQLite file (and the fake eTermin over loopback)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore import SqliteStore
from lemnicore.cli import main
from lemnicore.importing.issues import IMPORTED, SKIPPED, WARNING, Issue
from lemnicore.importing.pipeline import ImportTarget
from lemnicore.importing.plan import ImportPlan
from lemnicore.importing.report import report_text, stream_report_json
from lemnicore.importing.runs import ImportRun
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager
from lemnicore.plugins.markers import hookimpl
from lemnicore.testing import Practice
from lemnicore.timekeeping import zone

CALENDARS = Path(__file__).parent / "calendars"
BERLIN = zone("Europe/Berlin")


@pytest.fixture
def db(tmp_path: Path) -> str:
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=datetime.now(UTC))
    practice.add_room("Raum 1")
    practice.add_room("Raum 2")
    practice.add_practitioner("Frau Koch")
    store.close()
    return f"sqlite:///{tmp_path / 'practice.db'}"


def _calendar_file(tmp_path: Path, start: datetime) -> Path:
    """A small Google-style export with one appointment at ``start`` (local) and a series."""
    day = start.strftime("%Y%m%dT%H%M%S")
    end = (start + timedelta(minutes=30)).strftime("%Y%m%dT%H%M%S")
    text = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Google Inc//Google Calendar 70.9054//EN
X-WR-CALNAME:Raum 1
X-WR-TIMEZONE:Europe/Berlin
BEGIN:VEVENT
UID:one@google.com
DTSTART;TZID=Europe/Berlin:{day}
DTEND;TZID=Europe/Berlin:{end}
SUMMARY:Sehtest
END:VEVENT
BEGIN:VEVENT
UID:weekly@google.com
DTSTART;TZID=Europe/Berlin:{(start + timedelta(days=1)).strftime("%Y%m%dT%H%M%S")}
DURATION:PT50M
RRULE:FREQ=WEEKLY;COUNT=4
SUMMARY:Therapie
END:VEVENT
BEGIN:VEVENT
UID:holiday@google.com
DTSTART;VALUE=DATE:{start:%Y%m%d}
SUMMARY:Betriebsausflug
END:VEVENT
END:VCALENDAR
"""
    path = tmp_path / "raum1.ics"
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    return path


def test_e1_the_ics_and_etermin_importers_register_through_the_importer_hook() -> None:
    importers = collect_registrations(
        make_plugin_manager().hook.lemnicore_register_importers, "importer"
    )
    assert {"etermin", "ics"} <= set(importers)


def test_e8_g3_ics_dry_run_import_rerun_and_reset_through_the_cli(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tomorrow = datetime.now(BERLIN).replace(hour=9, minute=0, second=0, microsecond=0)
    tomorrow += timedelta(days=2)
    ics = _calendar_file(tmp_path, tomorrow)
    args = ["import", "ics", f"{ics}=room-1", "--store", db]
    assert main([*args, "--list-calendars"]) == 0
    assert capsys.readouterr().out == f"{ics}\tRaum 1\n"

    report_file = tmp_path / "report.json"
    assert main([*args, "--dry-run", "--report-json", str(report_file)]) == 0
    out, err = capsys.readouterr()
    assert "Test import (dry run) of ics" in out
    assert "all-day event: not an appointment" in out
    for label in ("fetching", "planning", "writing", "reporting"):
        assert f"{label} [" in err  # E6: every phase shows progress in records
    assert "records" in err
    report = json.loads(report_file.read_text())
    assert report["counts"]["appointments"] == 5

    assert main(args) == 0
    assert "Written: 0 clients, 5 appointments" in capsys.readouterr().out
    assert main(args) == 0
    assert "Written: 0 clients, 0 appointments" in capsys.readouterr().out
    assert main(["import", "list", "--store", db]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in listing] == ["ics", "ics"]
    assert main(["import", "reset", listing[0].split()[0], "--store", db]) == 0
    assert "5 appointments and 0 clients removed" in capsys.readouterr().out


def test_a8_g3_an_import_meeting_a_hand_entered_appointment_is_reported_in_the_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = datetime.now(BERLIN).replace(hour=9, minute=0, second=0, microsecond=0)
    start += timedelta(days=2)
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=datetime.now(UTC))
    practice.add_room("Raum 1")
    koch = practice.add_practitioner("Frau Koch")
    by_hand = practice.appointment(koch, "room-1", start + timedelta(minutes=15), minutes=30)
    store.close()
    db = f"sqlite:///{tmp_path / 'practice.db'}"
    ics = _calendar_file(tmp_path, start)
    assert main(["import", "ics", f"{ics}=room-1", "--store", db, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"appointment {by_hand.id} (already in the room)" in out
    assert "1 of them with appointments already in the room" in out
    assert main(["import", "ics", f"{ics}=room-1", "--store", db]) == 0
    store = SqliteStore(Path(db.removeprefix("sqlite:///")))
    with store.unit_of_work(write=False) as uow:
        imported = uow.appointments.by_external_id("ics:one@google.com")
        untouched = uow.appointments.get(by_hand.id)
    store.close()
    assert imported is not None
    assert imported.double_booked
    assert untouched == by_hand


def _plan(issues: list[Issue]) -> tuple[ImportPlan, ImportRun]:
    target = ImportTarget(organisation_id="org-1")
    now = datetime(2026, 5, 4, 7, tzinfo=UTC)
    plan = ImportPlan(
        source="test", import_id=None, options=target, window_from=date(2026, 1, 1),
        window_to=date(2026, 12, 31), appointment_types=(), clients=(), appointments=(),
        deleted_keys=frozenset(), issues=tuple(issues), merges=(), overlaps=(), shared_rooms={},
        counts={},
    )  # fmt: skip
    return plan, ImportRun(id="dry-run", source="test", started_at=now, status="dry_run")


def test_e3_the_report_counts_by_reason_first_lists_every_changed_record_and_notes_last() -> None:
    notes = [Issue("contact", f"contact {n}", "Email", "missing: no e-mail messages possible")
             for n in range(47)]  # fmt: skip
    skipped = [
        Issue("appointment", f"appointment {n}", "StartDateTime",
              f"2024-0{n % 9 + 1}-01 is outside 2025-01-01…2026-12-31", SKIPPED)
        for n in range(11)
    ]  # fmt: skip
    doubt = Issue("appointment", "appointment 99", "client", "possible duplicate …", WARNING)
    plan, run = _plan([*notes, *skipped, doubt])
    text = report_text(plan, run)
    overview = text.index("Records by reason:")
    left_out, look, harmless = (text.index("\nLeft out:\n"), text.index("\nNeeds a look:\n"),
                                text.index("\nNotes (imported as they are):\n"))  # fmt: skip
    assert overview < left_out < look < harmless
    assert "       11  appointment · StartDateTime · … is outside …" in text
    assert all(f"appointment {n}: " in text for n in range(11))  # every skipped record
    assert sum(f"contact {n}: " in text for n in range(47)) == 5  # five examples of the note …
    assert "… and 42 more (see --report-json)" in text  # … and where the rest are


def test_e6_the_json_report_is_streamed_and_is_the_same_document() -> None:
    plan, run = _plan([Issue("contact", f"contact {n}", "Email", "missing", IMPORTED)
                       for n in range(25_000)])  # fmt: skip
    seen: list[tuple[int, int]] = []

    class Sink:
        chunks = 0

        def write(self, text: str) -> int:
            Sink.chunks += 1
            parts.append(text)
            return len(text)

    parts: list[str] = []
    stream_report_json(Sink(), plan, run, progress=lambda d, t: seen.append((d, t)))  # type: ignore[arg-type]
    document = json.loads("".join(parts))
    assert len(document["issues"]) == 25_000
    assert document["issue_summary"]["imported"] == {"contact · Email · missing": 25_000}
    assert Sink.chunks > 25_000  # written record by record, never as one string
    assert seen[0] == (0, 25_000)
    assert seen[-1] == (25_000, 25_000)


class _Birthdays:
    """A third-party importer: one appointment per line of a text file."""

    name = "birthdays"
    help = "a test importer"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def open(self, args: argparse.Namespace, target: ImportTarget) -> Any:
        from lemnicore.importing.ical.importer import (
            CalendarFileImporter,
            FileMapping,
        )
        from lemnicore.importing.ical.reading import CalendarFile

        calendar = next(iter(target.calendars))
        data = args.file.read_bytes()
        return CalendarFileImporter(
            [CalendarFile("x.ics", data)], [FileMapping("x.ics", "room-2", calendar)], target
        )


class _ThirdParty:
    @hookimpl
    def lemnicore_register_importers(self, register: Any) -> None:
        register("birthdays", _Birthdays())


def test_e1_a_third_party_importer_gets_the_command_dry_run_and_report(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import lemnicore.plugins.manager as manager

    original = manager.make_plugin_manager
    monkeypatch.setattr(
        manager,
        "make_plugin_manager",
        lambda **kw: original(plugins=[_ThirdParty()], **kw),
    )
    start = datetime.now(BERLIN).replace(hour=9, minute=0, second=0, microsecond=0)
    ics = _calendar_file(tmp_path, start + timedelta(days=3))
    assert main(["import", "birthdays", str(ics), "--store", db, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Test import (dry run) of ics" in out
    assert "Appointments: 5" in out


def test_g3_an_unwritable_report_path_is_refused_before_anything_is_imported(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = datetime.now(BERLIN).replace(hour=9, minute=0, second=0, microsecond=0)
    ics = _calendar_file(tmp_path, start + timedelta(days=3))
    missing = tmp_path / "no-such-folder" / "report.json"
    args = ["import", "ics", f"{ics}=room-1", "--store", db, "--report-json", str(missing)]
    with pytest.raises(SystemExit) as usage:  # G7: a usage error, exit 2
        main(args)
    assert usage.value.code == 2
    assert "--report-json" in capsys.readouterr().err
    assert main(["import", "list", "--store", db]) == 0
    assert capsys.readouterr().out == "No imports.\n"
