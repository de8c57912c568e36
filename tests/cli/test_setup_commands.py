"""G3/G7 × A1/A2/A5/A10: ``lemnicore setup …`` sets up a practice from the shell, and bad
input ends in one line on stderr naming the option."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from lemnicore import SYSTEM_ACTOR, AuditTrail
from lemnicore.cli import main
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import Practice
from lemnicore.timekeeping import zone

BERLIN = zone("Europe/Berlin")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Praxis am Park (``org-1``) with branch HH1 and Room 1, nothing else set up yet."""
    path = tmp_path / "practice.db"
    store = SqliteStore(path)
    Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC)).add_room("Room 1")
    store.close()
    return path


def store_of(db: Path) -> list[str]:
    return ["--store", f"sqlite:///{db}"]


def show(db: Path) -> dict[str, object]:
    code, out, err = run("setup", "show", "--json", *store_of(db))
    assert code == 0, err
    document: dict[str, object] = json.loads(out)
    return document


def test_a1_setup_practitioner_add_gives_her_a_calendar(db: Path) -> None:
    code, out, err = run(
        "setup", "practitioner", "add", "--name", "Frau Koch", "--id", "koch", *store_of(db)
    )
    assert (code, err) == (0, "")
    assert out == "Added practitioner Frau Koch (koch) with calendar calendar-koch.\n"
    [koch] = show(db)["practitioners"]  # type: ignore[misc]
    assert koch["calendar_id"] == "calendar-koch"
    assert koch["branch_id"] == "branch-1"
    store = SqliteStore(db)
    entries = AuditTrail(store).entries(SYSTEM_ACTOR, "org-1")
    store.close()
    assert [(e.actor_id, e.action) for e in entries] == [("cli", "practice.practitioner_added")]


def test_a10_setup_hours_sets_her_week_and_replaces_it(db: Path) -> None:
    run("setup", "practitioner", "add", "--name", "Frau Koch", "--id", "koch", *store_of(db))
    code, out, _ = run("setup", "hours", "--practitioner", "koch", "--hours", "mon 07:00-09:00",
                       *store_of(db))  # fmt: skip
    assert code == 0
    code, out, err = run(
        "setup",
        "hours",
        "--practitioner",
        "koch",
        "--hours",
        "mon-fri 08:00-12:00,13:00-17:00",
        "--hours",
        "sat 09:00-12:00",
        *store_of(db),
    )
    assert (code, err) == (0, "")
    assert out == (
        "koch works Mon–Fri 08:00–12:00; Mon–Fri 13:00–17:00; Sat 09:00–12:00 (Europe/Berlin).\n"
    )
    [koch] = show(db)["practitioners"]  # type: ignore[misc]
    [hours] = koch["hours"]
    assert hours["working_times"] == [
        {"weekdays": [0, 1, 2, 3, 4], "start": "08:00", "end": "12:00"},
        {"weekdays": [0, 1, 2, 3, 4], "start": "13:00", "end": "17:00"},
        {"weekdays": [5], "start": "09:00", "end": "12:00"},
    ]


def test_a5_setup_room_hours_opens_the_room_in_its_branch_zone(db: Path) -> None:
    code, out, err = run(
        "setup", "room-hours", "--room", "Room 1", "--hours", "mon-fri 08:00-12:00",
        "--slot-minutes", "20", "--closed", "2026-05-14", *store_of(db),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "Room 1 (room-1) is open Mon–Fri 08:00–12:00 (Europe/Berlin), slots of 20 min.\n"
    [room] = show(db)["rooms"]  # type: ignore[misc]
    [hours] = room["hours"]
    assert hours["slot_minutes"] == 20
    assert hours["closed_days"] == ["2026-05-14"]
    code, out, _ = run("slots", "--room", "room-1", "--week", "2026-05-04", "--json", *store_of(db))
    starts = [datetime.fromisoformat(s["start"]) for s in json.loads(out)["slots"]]
    assert starts[0].astimezone(BERLIN).time() == time(8)
    assert starts[1].astimezone(BERLIN).time() == time(8, 20)


def test_a10_setup_type_add_with_cleaning_time(db: Path) -> None:
    code, out, err = run(
        "setup", "type", "add", "--name", "Massage", "--minutes", "30",
        "--buffer-after", "10", "--id", "massage", *store_of(db),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "Added appointment type Massage (massage): 30 min, room blocked 10 min after.\n"
    types = {t["id"]: t for t in show(db)["appointment_types"]}  # type: ignore[attr-defined]
    assert types["massage"]["buffer_after_minutes"] == 10
    assert types["massage"]["minutes"] == 30


def test_a1_setup_show_lists_the_practice_as_text(db: Path) -> None:
    run("setup", "practitioner", "add", "--name", "Frau Koch", "--id", "koch", *store_of(db))
    run("setup", "hours", "--practitioner", "koch", "--hours", "mon 08:00-12:00", *store_of(db))
    code, out, _ = run("setup", "show", *store_of(db))
    assert code == 0
    assert "Praxis am Park (org-1), plan M, Europe/Berlin" in out
    assert "room-1  Room 1: no working times" in out
    assert "koch  Frau Koch (calendar calendar-koch): Mon 08:00–12:00 (Europe/Berlin)" in out
    assert "treatment  Treatment: 30 min" in out


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["hours", "--practitioner", "koch", "--hours", "mon 08:00-12:00,11:00-13:00"], "--hours"),
        (["hours", "--practitioner", "koch", "--hours", "mon 12:00-08:00"], "--hours"),
        (["hours", "--practitioner", "koch", "--hours", "someday 08:00-12:00"], "--hours"),
        (["hours", "--practitioner", "koch", "--hours", "mon 8-12"], "--hours"),
        (["hours", "--practitioner", "koch", "--hours", "mon 08:00-25:00"], "--hours"),
        (["hours", "--practitioner", "nobody", "--hours", "mon 08:00-12:00"], "--practitioner"),
        (["hours", "--practitioner", "koch", "--hours", "mon 08:00-12:00",
          "--time-zone", "Mars/Olympus"], "--time-zone"),
        (["room-hours", "--room", "Room 9", "--hours", "mon 08:00-12:00"], "--room"),
        (["room-hours", "--room", "room-1", "--hours", "mon 08:00-12:00",
          "--holidays", "XX-YY"], "--holidays"),
        (["practitioner", "add", "--name", "Twin", "--id", "koch"], "--id"),
        (["practitioner", "add", "--name", "Nomad", "--branch", "branch-9"], "--branch"),
        (["practitioner", "add", "--name", "X", "--organisation", "org-9"], "--organisation"),
        (["type", "add", "--name", "Again", "--id", "treatment"], "--id"),
    ],
)  # fmt: skip
def test_g7_bad_setup_input_is_one_line_naming_the_option_and_changes_nothing(
    db: Path, argv: list[str], option: str
) -> None:
    run("setup", "practitioner", "add", "--name", "Frau Koch", "--id", "koch", *store_of(db))
    before = show(db)
    code, out, err = run("setup", *argv, *store_of(db))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"lemnicore: error: {option}: "), err
    assert show(db) == before


@pytest.mark.parametrize(
    "argv",
    [
        ["type", "add", "--name", "X", "--buffer-after", "-5"],
        ["type", "add", "--name", "X", "--minutes", "0"],
        ["room-hours", "--room", "room-1", "--hours", "mon 08:00-12:00", "--slot-minutes", "x"],
        ["room-hours", "--room", "room-1", "--hours", "mon 08:00-12:00", "--closed", "14.5."],
        ["hours", "--practitioner", "koch"],
    ],
)
def test_g7_malformed_options_are_usage_errors(db: Path, argv: list[str]) -> None:
    code, _, err = run("setup", *argv, *store_of(db))
    assert code == 2
    assert "error: argument" in err or "required" in err


def test_g7_a_store_with_two_organisations_needs_organisation(tmp_path: Path) -> None:
    from lemnicore.scheduling.practice import Organisation

    path = tmp_path / "two.db"
    store = SqliteStore(path)
    Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    with store.unit_of_work() as uow:
        uow.organisations.put(Organisation("org-2", "Zweite Praxis"))
        uow.commit()
    store.close()
    code, _, err = run("setup", "show", *store_of(path))
    assert code == 1
    assert err == (
        "lemnicore: error: --organisation: say which organisation; the store holds: org-1, org-2\n"
    )
    code, out, _ = run("setup", "show", "--organisation", "org-2", "--json", *store_of(path))
    assert code == 0
    assert json.loads(out)["organisation"]["name"] == "Zweite Praxis"


def test_g7_a_missing_store_file_is_one_line(tmp_path: Path) -> None:
    code, _, err = run("setup", "show", "--store", f"sqlite:///{tmp_path / 'none.db'}")
    assert code == 1
    assert err.count("\n") == 1
    assert "does not exist" in err
    assert not (tmp_path / "none.db").exists()


def test_a10_weekly_hours_read_the_ways_a_practice_writes_them() -> None:
    from lemnicore.cli.weekly_hours import hours_text, weekly_hours

    read = weekly_hours(["mon,wed-thu 08:00-12:00; Saturday 9:00–12:30", "sun 10:00-11:00"])
    assert [(sorted(w.weekdays), w.start, w.end) for w in read] == [
        ([0, 2, 3], time(8), time(12)),
        ([5], time(9), time(12, 30)),
        ([6], time(10), time(11)),
    ]
    assert hours_text(read) == "Mon, Wed–Thu 08:00–12:00; Sat 09:00–12:30; Sun 10:00–11:00"


# -- bootstrapping a store: organisation and branches (A1, B1) --------------------------------


def test_a1_an_operator_bootstraps_a_new_store_with_an_organisation_and_a_branch(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new.db"
    code, out, err = run(
        "setup", "organisation", "create", "--id", "org-lx", "--name", "Clínica do Tejo",
        "--time-zone", "Europe/Lisbon", "--plan", "L", *store_of(path),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "Created organisation Clínica do Tejo (org-lx), Europe/Lisbon, plan L.\n"
    code, out, err = run(
        "setup", "branch", "add", "--code", "LX1", "--name", "Lisboa Baixa", "--id", "lx1",
        "--json", *store_of(path),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "id": "lx1",
        "organisation_id": "org-lx",
        "code": "LX1",
        "name": "Lisboa Baixa",
        "time_zone": "Europe/Lisbon",  # the organisation's zone by default
    }
    code, out, _ = run("setup", "branch", "add", "--code", "OPO1", "--name", "Porto",
                       "--time-zone", "Atlantic/Madeira", *store_of(path))  # fmt: skip
    assert code == 0
    assert out.endswith("Atlantic/Madeira.\n")
    document = show(path)
    assert document["organisation"]["plan"] == "L"  # type: ignore[index]
    assert sorted(b["code"] for b in document["branches"]) == ["LX1", "OPO1"]  # type: ignore[attr-defined]
    store = SqliteStore(path)
    entries = AuditTrail(store).entries(SYSTEM_ACTOR, "org-lx")
    store.close()
    assert sorted((e.actor_id, e.action) for e in entries) == [
        ("cli", "practice.branch_added"),
        ("cli", "practice.branch_added"),
        ("cli", "practice.organisation_created"),
    ]


def test_a1_organisation_create_answers_in_json(tmp_path: Path) -> None:
    code, out, _ = run(
        "setup", "organisation", "create", "--id", "org-lx", "--name", "Clínica",
        "--time-zone", "Europe/Lisbon", "--default-consent", "--json",
        *store_of(tmp_path / "new.db"),
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "id": "org-lx",
        "name": "Clínica",
        "time_zone": "Europe/Lisbon",
        "plan": "M",
        "default_notification_consent": True,
    }


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["organisation", "create", "--id", "org-1", "--name", "Praxis Neu",
          "--time-zone", "Europe/Berlin"], "--id"),
        (["organisation", "create", "--id", "org-9", "--name", "Praxis Neu",
          "--time-zone", "Berlin"], "--time-zone"),
        (["organisation", "create", "--id", "org-9", "--name", "Praxis Neu",
          "--time-zone", "Europe/Berlin", "--plan", "XXL"], "--plan"),
        (["branch", "add", "--code", "hh1", "--name", "Hamburg Nord"], "--code"),
        (["branch", "add", "--code", "H H", "--name", "Hamburg Nord"], "--code"),
        (["branch", "add", "--code", "HH2", "--name", "Hamburg Nord",
          "--time-zone", "Europe/Hamburg"], "--time-zone"),
        (["branch", "add", "--code", "HH2", "--name", "Hamburg Nord", "--id", "branch-1"],
         "--id"),
        (["branch", "add", "--code", "HH2", "--name", "X", "--organisation", "org-9"],
         "--organisation"),
    ],
)  # fmt: skip
def test_g7_a1_bad_organisation_or_branch_input_is_one_line_and_changes_nothing(
    db: Path, argv: list[str], option: str
) -> None:
    before = show(db)
    code, out, err = run("setup", *argv, *store_of(db))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"lemnicore: error: {option}: "), err
    assert "Praxis am Park" not in err  # a taken id says nothing about its organisation
    assert show(db) == before


def test_g7_a_bad_zone_leaves_no_new_store_file_behind(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    code, _, err = run("setup", "organisation", "create", "--id", "org-lx", "--name", "C",
                       "--time-zone", "Lisbon", *store_of(path))  # fmt: skip
    assert code == 1
    assert err.startswith("lemnicore: error: --time-zone: ")
    assert not path.exists()


def test_g7_branch_add_needs_an_existing_store(tmp_path: Path) -> None:
    code, _, err = run("setup", "branch", "add", "--code", "LX1", "--name", "Lisboa",
                       "--store", f"sqlite:///{tmp_path / 'none.db'}")  # fmt: skip
    assert code == 1
    assert "does not exist" in err
    assert not (tmp_path / "none.db").exists()
