"""G7: every failure a user can cause at the command line is one line on stderr naming the
cause, with a documented exit code; ``--debug`` adds the traceback; a closed pipe is quiet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lemnicore.cli import main
from lemnicore.cli.failures import EXIT_ERROR, EXIT_FILE, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

NOW = "2026-05-06T10:15"


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("lemnicore: error: ")
    return lines[0]


def test_g7_output_piped_into_a_reader_that_stops_early_ends_quietly_with_exit_0() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "lemnicore", "demo", "--store", "memory://", "--now", NOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == EXIT_OK
    assert "Traceback" not in err
    assert "BrokenPipe" not in err


@pytest.mark.parametrize(
    "command",
    [
        ["demo", "--store", "memory://", "--now", "9999-12-30T10:00"],
        ["demo", "--store", "memory://", "--now", "0001-01-01T00:00+00:00"],
        ["slots", "--store", "memory://", "--room", "r", "--week", "0001-01-01"],
        ["slots", "--store", "memory://", "--room", "r", "--week", "9999-12-31"],
    ],
)
def test_g7_a_date_beyond_the_calendar_is_a_usage_error_not_an_overflow_traceback(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(command)
    assert exit_info.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "must lie between 1900-01-01 and 2999-12-31" in err.splitlines()[-1]
    assert "Overflow" not in err


@pytest.mark.parametrize("now", ["9999-12-30T10:00", "0001-01-01T00:00"])
def test_g7_notify_run_at_a_date_beyond_the_calendar_is_one_line(
    now: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:///{tmp_path / 'p.db'}"
    assert main(["demo", "--store", store, "--now", NOW]) == EXIT_OK
    capsys.readouterr()
    assert main(["notify", "run", "--store", store, "--dry-run", "--now", now]) == EXIT_ERROR
    line = one_error_line(capsys.readouterr().err)
    assert "--now: must lie between 1900-01-01 and 2999-12-31" in line


def test_g7_debug_shows_the_traceback_as_well(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slots", "--store", "nope://", "--room", "x", "--debug"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("lemnicore: error: no storage plugin opens 'nope://'")


def test_g7_a_missing_csv_file_is_a_usage_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "kontakte.csv"
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "csv-contacts", str(missing), "--store", "memory://", "--columns", "email"])
    assert exit_info.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"no such file: {str(missing)!r}" in err
    assert "Traceback" not in err


def test_g7_a_missing_private_key_file_is_a_usage_error_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "private.key"
    with pytest.raises(SystemExit) as exit_info:
        main(
            ["import", "etermin", "--public-key", "pk", "--private-key-file", str(missing),
             "--store", "memory://"]
        )  # fmt: skip
    assert exit_info.value.code == EXIT_USAGE
    assert f"no such file: {str(missing)!r}" in capsys.readouterr().err


def test_g7_output_into_a_missing_folder_is_a_usage_error_naming_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no-such-folder" / "contacts.csv"
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "csv-contacts", "--store", "memory://", "--output", str(target)])
    assert exit_info.value.code == EXIT_USAGE
    assert f"the folder {str(target.parent)!r} does not exist" in capsys.readouterr().err


def test_g7_an_os_error_inside_a_command_is_one_line_naming_the_file_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from lemnicore.cli.failures import run_reporting_failures

    def command() -> int:
        (tmp_path / "gone" / "report.json").write_text("{}")
        return 0

    assert run_reporting_failures(command) == EXIT_FILE
    line = one_error_line(capsys.readouterr().err)
    assert "report.json" in line
    assert "no such file or directory" in line


def test_g7_an_unexpected_error_is_one_line_exit_70_and_points_at_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lemnicore.cli.failures import run_reporting_failures

    def command() -> int:
        raise RuntimeError("a plugin broke\nin two lines")

    assert run_reporting_failures(command) == EXIT_INTERNAL
    line = one_error_line(capsys.readouterr().err)
    assert "RuntimeError: a plugin broke in two lines" in line
    assert "--debug" in line


def test_g7_a_message_with_a_lone_surrogate_still_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["slots", "--store", "sqlite:///x\ud800.db", "--room", "r"]) == EXIT_ERROR
    one_error_line(capsys.readouterr().err)
