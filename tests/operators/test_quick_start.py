"""G4: the README's quick start leaves the user with commands that run as printed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from lemnicore.cli.invocation import command_prefix

SCRIPT = Path(sys.executable).with_name("lemnicore")


def test_g4_the_hint_names_the_script_when_the_shell_would_not_find_lemnicore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / ".nox" / "demo" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "lemnicore"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert command_prefix(str(script)) == ".nox/demo/bin/lemnicore"
    monkeypatch.delenv("NOX_CURRENT_SESSION", raising=False)
    monkeypatch.delenv("TOX_ENV_NAME", raising=False)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    assert command_prefix(str(script)) == "lemnicore"


def test_g4_inside_nox_the_hint_names_the_script_though_nox_put_it_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python3 -m nox -s demo`` runs the demo with .nox/demo/bin first on PATH."""
    bin_dir = tmp_path / ".nox" / "demo" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "lemnicore"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("NOX_CURRENT_SESSION", "demo")
    assert command_prefix(str(script)) == ".nox/demo/bin/lemnicore"


def test_g4_python_m_lemnicore_is_shown_with_its_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    prefix = command_prefix("/somewhere/lemnicore/__main__.py")
    assert prefix == f"{shlex.quote(sys.executable)} -m lemnicore"


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the lemnicore script is not installed")
def test_g4_the_demo_hints_run_as_printed_outside_the_venv(tmp_path: Path) -> None:
    """As after ``python3 -m nox -s demo``: the script is not on PATH."""
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    demo = subprocess.run(
        [str(SCRIPT), "demo", "--now", "2026-05-06T10:15"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    hints = [
        line.split(": ", 1)[1] if line.startswith("A week") else line.split("why? ", 1)[1]
        for line in demo.stdout.splitlines()
        if line.startswith("A week at a time: ") or "why? " in line
    ]
    assert len(hints) == 2, demo.stdout
    for hint in hints:
        assert not hint.startswith("lemnicore ")
        done = subprocess.run(
            hint, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, (hint, done.stderr)
        assert done.stdout.strip()
