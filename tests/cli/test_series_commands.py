"""G3/A9: ``lemnicore series propose|book`` on the demo practice."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from lemnicore.cli import main
from lemnicore.storage.sqlite.store import SqliteStore

DEMO_NOW = "2026-05-06T10:15"  # as in conftest.py


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def series_args(db: Path, *extra: str, count: str = "6") -> list[str]:
    return [
        "--store", f"sqlite:///{db}",
        "--client", "demo-client-01",
        "--type", "demo-treatment",
        "--calendar", "demo-calendar-anna",
        "--count", count,
        "--weekdays", "TU,TH",
        "--time", "09:00",
        "--from", "2026-05-11",
        "--until", "2026-06-30",
        "--room", "demo-room-1",
        "--room", "demo-room-2",
        "--now", DEMO_NOW,
        *extra,
    ]  # fmt: skip


def test_a9_series_propose_lists_the_slots_and_books_nothing(demo_db: Path) -> None:
    store = SqliteStore(demo_db)
    with store.unit_of_work(write=False) as uow:
        before = uow.appointments.count()
    store.close()
    code, out, _ = run("series", "propose", *series_args(demo_db))
    assert code == 0
    assert out.startswith("Proposed 6 of 6:")
    assert "Tue 12.05.2026" in out
    assert "Thu 28.05.2026" in out
    store = SqliteStore(demo_db)
    with store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == before
    store.close()


def test_a9_series_book_books_them_all_with_one_series_id(demo_db: Path) -> None:
    # September: the demo's May is already beyond its plan's 100 appointments (B4).
    args = series_args(demo_db)
    args[args.index("--from") + 1], args[args.index("--until") + 1] = "2026-09-01", "2026-10-30"
    code, out, _ = run("series", "book", *args)
    assert code == 0
    series_id = out.split()[2]
    store = SqliteStore(demo_db)
    with store.unit_of_work(write=False) as uow:
        assert len(uow.appointments.in_series(series_id)) == 6
    store.close()


def test_a9_series_book_over_the_plan_books_nothing_and_says_why(demo_db: Path) -> None:
    code, _, err = run("series", "book", *series_args(demo_db))
    assert code == 1
    assert "appointments_per_month" in err


def test_a9_series_propose_says_when_fewer_fit(demo_db: Path) -> None:
    code, out, _ = run("series", "propose", *series_args(demo_db, count="40"))
    assert code == 1
    assert "Note: only" in out
    assert "of 40 treatments fit" in out


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [("--weekdays", "XX", "expected weekdays such as TU,TH"), ("--time", "nine", "09:00")],
)
def test_a9_series_bad_arguments_are_named(
    demo_db: Path, flag: str, value: str, message: str
) -> None:
    args = series_args(demo_db)
    args[args.index(flag) + 1] = value
    code, _, err = run("series", "propose", *args)
    assert code == 2
    assert flag in err
    assert message in err
