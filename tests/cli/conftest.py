"""One demo practice per test session, copied for each test that needs it: building it takes
a few hundred bookings, and most CLI tests only read it."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import attrs
import pytest

from lemnicore.cli import main

DEMO_NOW = "2026-05-06T10:15"  # a Wednesday morning in Europe/Berlin, an ordinary week


@attrs.frozen
class DemoRun:
    db: Path
    code: int
    out: str
    err: str


def run_demo_quietly(db: Path, now: str = DEMO_NOW) -> DemoRun:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--store", f"sqlite:///{db}", "--now", now])
    return DemoRun(db, code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def first_demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``lemnicore demo`` on a new file at :data:`DEMO_NOW` — do not write to its file."""
    return run_demo_quietly(tmp_path_factory.mktemp("demo") / "demo.db")


@pytest.fixture
def demo_db(first_demo_run: DemoRun, tmp_path: Path) -> Path:
    """A private copy of the demo practice."""
    for suffix in ("", "-wal", "-shm"):
        source = first_demo_run.db.with_name(first_demo_run.db.name + suffix)
        if source.exists():
            shutil.copy(source, tmp_path / f"demo.db{suffix}")
    return tmp_path / "demo.db"
