"""G5: ``pip install lemnicore`` with no extras works — the built wheel, in a fresh venv.

The wheel is built from this checkout (``pip wheel``), installed without extras into a new
virtualenv, and then ``lemnicore --help``, ``lemnicore version`` and the README's example
run there, from a folder outside the checkout. pip takes the dependencies from the index
or its cache. About a minute; it runs in CI with the rest of the suite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.wheel, pytest.mark.slow]


def readme_example() -> str:
    """The first ``python`` block of README.md — what a newcomer copies first."""
    found = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert found is not None
    return found.group(1)


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(work / "dist"),
            str(ROOT),
        ],
        check=True,
        timeout=300,
    )
    (wheel,) = (work / "dist").glob("lemnicore-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=300,
    )
    return work / "venv"


def run(venv_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(venv_dir / "bin" / args[0]), *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_g5_the_wheel_without_extras_answers_help_and_version(
    fresh_venv: Path, tmp_path: Path
) -> None:
    done = run(fresh_venv, "lemnicore", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "slots" in done.stdout
    assert "notify" in done.stdout  # the built-in notification commands stay
    # The adapters are left out with one line each, naming the extra that brings them.
    assert sorted(done.stderr.splitlines()) == [
        "lemnicore: warning: plugin 'etermin' left out: it needs httpx; install lemnicore[etermin]",
        "lemnicore: warning: plugin 'notify' left out: it needs httpx, phonenumbers; "
        "install lemnicore[notify]",
        "lemnicore: warning: plugin 'postgres' left out: it needs psycopg, psycopg_pool; "
        "install lemnicore[postgres]",
        "lemnicore: warning: plugin 'web' left out: it needs starlette, jinja2, uvicorn, "
        "itsdangerous; install lemnicore[web]",
    ]
    version = run(fresh_venv, "lemnicore", "-q", "version", cwd=tmp_path)
    assert (version.returncode, version.stderr) == (0, "")
    assert version.stdout.startswith("lemnicore 0.")


def test_g5_the_readme_example_runs_in_the_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    (tmp_path / "example.py").write_text(readme_example())
    done = run(fresh_venv, "python", "example.py", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    free, taken = done.stdout.splitlines()
    assert free.split()[:3] == ["08:00", "08:30", "09:30"]
    assert taken.startswith("room 'room-1' is already booked then")


def test_g5_the_wheel_carries_the_license(fresh_venv: Path) -> None:
    (info,) = (fresh_venv / "lib").glob("python3*/site-packages/lemnicore-*.dist-info")
    assert "Apache License" in (info / "licenses" / "LICENSE").read_text()
    assert "License-Expression: Apache-2.0" in (info / "METADATA").read_text()
