"""The ``lemnicore`` command line (G3): help everywhere, clear errors, ``python -m``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lemnicore import __version__
from lemnicore.cli import build_parser, main
from lemnicore.cli.registry import CommandRegistry
from lemnicore.plugins.manager import make_plugin_manager

WEEK = "2026-05-06"


@pytest.fixture
def demo_url(demo_db: Path) -> str:
    """The store URL of a private copy of the demo practice."""
    return f"sqlite:///{demo_db}"


def every_command_path() -> list[tuple[str, ...]]:
    """Every command and every command group that any installed plugin registers."""
    registry = CommandRegistry()
    make_plugin_manager().hook.lemnicore_register_commands(commands=registry)
    paths: set[tuple[str, ...]] = {()}
    for path in registry.commands:
        paths.update(path[:depth] for depth in range(1, len(path) + 1))
    return sorted(paths)


@pytest.mark.parametrize("path", every_command_path(), ids=" ".join)
def test_g3_help_everywhere(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    """G3: ``--help`` works on the top level, on every group and every command."""
    with pytest.raises(SystemExit) as exit_info:
        main([*path, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {' '.join(('lemnicore', *path))}")


def test_g3_builtin_commands_are_there() -> None:
    help_text = build_parser().format_help()
    for command in ("demo", "slots", "version"):
        assert command in help_text


def test_g3_version_command_and_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out == f"lemnicore {__version__}\n"
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"lemnicore {__version__}\n"


def test_g3_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "required: COMMAND" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["slots", "--room", "x"], ["demo"]])
def test_f1_unknown_store_url_is_one_line_on_stderr_and_exit_1(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """F1: no plugin opens ``postgres-typo://`` — a clear error, no traceback."""
    assert main([*command, "--store", "postgres-typo://db"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "lemnicore: error: no storage plugin opens 'postgres-typo://db' "
        "(built in: memory://, sqlite:///path/to/file.db)\n"
    )


def test_g3_slots_of_a_room_by_id_for_one_week(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A5/C2: one line per day, Monday to Sunday, with the free ranges."""
    assert main(["slots", "--store", demo_url, "--room", "demo-room-2", "--week", WEEK]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        "Free slots in Treatment room 2 (demo-room-2), week of Mon 04.05.2026 (Europe/Berlin):"
    )
    days = [line.split()[0] for line in lines[2:]]
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert lines[-1] == "  Sun 10.05.    0  closed"


def test_g3_slots_finds_a_room_by_its_name(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slots", "--store", demo_url, "--room", "exercise ROOM", "--week", WEEK]) == 0
    assert "(demo-room-3)" in capsys.readouterr().out


def test_g3_slots_unknown_room_lists_the_rooms_there_are(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slots", "--store", demo_url, "--room", "Room 9"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("lemnicore: error: --room: 'Room 9': no such room; rooms: ")
    assert "demo-room-1 (Treatment room 1)" in err


def test_g3_slots_unknown_calendar_is_named(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["slots", "--store", demo_url, "--room", "demo-room-1", "--calendar", "nobody"])
    assert code == 1
    assert "nobody" in capsys.readouterr().err


def test_g3_slots_bad_week_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["slots", "--room", "demo-room-1", "--week", "2026-13-01"])
    assert exit_info.value.code == 2
    assert "expected a date as YYYY-MM-DD, got '2026-13-01'" in capsys.readouterr().err


def test_g3_slots_on_a_missing_file_neither_creates_it_nor_fails_silently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.db"
    assert main(["slots", "--store", f"sqlite:///{missing}", "--room", "demo-room-1"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not missing.exists()


def test_g3_a_file_that_is_not_a_database_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("shopping list\n" * 200)
    assert main(["slots", "--store", f"sqlite:///{notes}", "--room", "demo-room-1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"lemnicore: error: the store {str(notes)!r} is damaged or not a database"
    )
    assert "Traceback" not in err


def test_g3_demo_bad_now_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--store", "memory://", "--now", "next tuesday"])
    assert exit_info.value.code == 2
    assert "--now: expected a date-time" in capsys.readouterr().err


def test_g3_python_dash_m_lemnicore_runs_the_same_command_line() -> None:
    """``python -m lemnicore`` works where the console script is not on PATH."""
    done = subprocess.run(
        [sys.executable, "-m", "lemnicore", "version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, f"lemnicore {__version__}\n")
    failed = subprocess.run(
        [sys.executable, "-m", "lemnicore", "slots", "--store", "nope://", "--room", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    assert failed.stderr.startswith("lemnicore: error: no storage plugin opens 'nope://'")


@pytest.mark.parametrize(
    "command",
    [
        ["notify", "run", "--dry-run"],
        ["notify", "why", "appointment-1"],
        ["notify", "policy"],
        ["booking", "requests"],
        ["import", "list"],
        ["import", "reset", "import-1"],
        ["export", "csv-contacts"],
    ],
    ids=" ".join,
)
def test_g3_a_command_on_a_mistyped_store_path_says_so_and_creates_no_file(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """G3/F1: a command that works on an existing practice refuses a ``sqlite:///`` path
    that does not exist, naming it — instead of creating an empty practice file there."""
    typo = tmp_path / "pratice.db"
    code = main([*command, "--store", f"sqlite:///{typo}"])
    err = capsys.readouterr().err
    assert code == 1
    assert "does not exist" in err
    assert str(typo.name) in err
    assert not typo.exists()
