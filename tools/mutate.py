"""A small mutation tester: single-operator changes to a module, each run against tests.

Usage::

    .venv/bin/python tools/mutate.py windows            # one target (see TARGETS)
    .venv/bin/python tools/mutate.py windows slots --list   # only list the mutants

For each mutant the module's source is rewritten (``ast`` → ``ast.unparse``), the target's
test files run with ``pytest -x``, and the file is restored. A mutant is *killed* when the
tests fail (or time out), *survives* when they pass. The report gives, per module, killed /
total and the surviving mutants with their line, so each survivor can be pinned by a test
in domain words — or shown equivalent (``EQUIVALENT`` below, with the reason).

Operators (one change per mutant): ``<``↔``<=``, ``>``↔``>=``, ``==``↔``!=``, ``is``↔
``is not``, ``in``↔``not in``, ``and``↔``or``, ``+``↔``-``, an int constant ±1, a bool
constant flipped, ``not x`` → ``x``, ``max``↔``min``, and ``return …`` → ``pass`` inside
an ``if``/``for`` body (an early exit removed).
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "lemnicore"

NOTIFY_TESTS = [
    "tests/notifications/test_planner_reminders.py",
    "tests/notifications/test_planner_confirmations.py",
    "tests/notifications/test_consent_hour.py",
    "tests/notifications/test_multi_zone_chain.py",
    "tests/notifications/test_branch_filter.py",
    "tests/notifications/test_windows.py",
    "tests/notifications/test_planner_edges.py",
    "tests/notifications/test_consent_hour_properties.py",
]
SCHEDULING_TESTS = ["tests/scheduling"]

TARGETS: dict[str, tuple[Path, list[str]]] = {
    "windows": (SRC / "notifications" / "windows.py", NOTIFY_TESTS),
    "planner": (SRC / "notifications" / "planner.py", NOTIFY_TESTS),
    "availability": (SRC / "scheduling" / "availability.py", SCHEDULING_TESTS),
    "intervals": (SRC / "scheduling" / "intervals.py", SCHEDULING_TESTS),
    "slots": (SRC / "scheduling" / "slots.py", SCHEDULING_TESTS),
}

# (target, line, description) → why the change cannot be observed.
EQUIVALENT: dict[tuple[str, int, str], str] = {
    ("windows", 56, "<= → <"): (
        "wraps_midnight differs only when end == start, which DailyWindow refuses"
    ),
    ("windows", 63, "+ → -"): (
        "offsets (-1, 0, 1) become (1, 0, -1): the same three occurrences; only one can lie"
        " within 90 minutes ahead, so the order does not matter"
    ),
    ("windows", 108, "> → >="): "when end == horizon both assign the same instant",
    ("planner", 401, "return → pass"): "a per-run cache: recomputing gives the same answer",
    ("planner", 542, "return → pass"): (
        "the common-case fast path of confirmation(): the full gate sequence that follows"
        " (_confirmation_gates) gives the same answer"
    ),
    ("intervals", 47, "> → >="): "when the ends are equal both keep the same interval",
    ("availability", 66, "0 → 1"): (
        "rrule's until is inclusive and occurrences fall at 00:00: until 00:00 or 01:00 of"
        " valid_until ends on the same day"
    ),
    ("availability", 73, "0 → 1"): (
        "between(..., inc=True) includes the last day's 00:00 occurrence either way"
    ),
    ("availability", 90, "2024 → 2025"): "any year validates a holiday region",
    ("availability", 90, "2024 → 2023"): "any year validates a holiday region",
    ("availability", 90, "2025 → 2026"): "any year range validates a holiday region",
    ("availability", 90, "2025 → 2024"): (
        "an empty year range still raises for an unknown region in holidays"
    ),
    ("availability", 154, "1 → 2"): (
        "one more year of holidays: they cannot fall on the queried days"
    ),
    ("availability", 177, "> → >="): "when the ends are equal both keep the same window",
    ("planner", 206, "12 → 11"): (
        "the quarter after next starts at month index 6, 9, 12 or 15: // 11 and // 12 give"
        " the same years for all four"
    ),
    ("planner", 374, "is → is not"): (
        "Appointment.start is always kept in UTC (attrs converter): to_utc() of it is the"
        " same instant; the test only saves a call"
    ),
    ("planner", 526, "is → is not"): (
        "chooses the fast path or the full gate sequence of confirmation(): both answer the same"
    ),
    ("planner", 529, "is not → is"): (
        "chooses the fast path or the full gate sequence of confirmation(): both answer the same"
    ),
    ("planner", 530, "not x → x"): (
        "chooses the fast path or the full gate sequence of confirmation(): both answer the same"
    ),
    ("planner", 558, "is → is not"): (
        "appointments without client share one cached static reason (NO_CLIENT) either way"
    ),
    ("planner", 512, "< → <="): (
        "only reached outside the confirmation range, where start == confirm_from cannot be"
    ),
    ("planner", 783, "1 → 2"): (
        "the zones of every branch and of the organisation are added to the first"
        " appointment's zone anyway"
    ),
    ("planner", 783, "1 → 0"): (
        "the zones of every branch and of the organisation are added to the first"
        " appointment's zone anyway"
    ),
    ("planner", 787, "2 → 3"): "a wider margin cuts fewer appointments: a speed-up only",
    ("planner", 686, "True → False"): "zip over a list and a map of that same list",
    ("planner", 786, "max → min"): (
        "_reminder_reach only cuts the sorted list as a speed-up; its 2-day margin exceeds"
        " the difference between zones' horizons plus the rest of a day for any quiet window"
        " under 23 h"
    ),
}

SWAP_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}


@dataclass
class Mutant:
    index: int
    line: int
    description: str


def _skipped_nodes(tree: ast.Module) -> set[int]:
    """Nodes not worth mutating: docstrings, annotations, ``__all__``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            skip.update(id(n) for n in ast.walk(first))
        for field in ("annotation", "returns"):
            sub = getattr(node, field, None)
            if isinstance(sub, ast.AST):
                skip.update(id(n) for n in ast.walk(sub))
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip.update(id(n) for n in ast.walk(node))
        if isinstance(node, ast.JoinedStr):
            # Text of messages and details: not rules.
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _points(tree: ast.Module) -> Iterator[tuple[ast.AST, str, int, object]]:
    """(node, kind, line, detail) for every mutation point, in a stable order."""
    skip = _skipped_nodes(tree)
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in SWAP_COMPARE:
                    yield node, "compare", line, i
        elif isinstance(node, ast.BoolOp):
            yield node, "boolop", line, None
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            yield node, "binop", line, None
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            yield node, "int+1", line, None
            yield node, "int-1", line, None
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            yield node, "bool", line, None
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "not", line, None
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("max", "min")
        ):
            yield node, "maxmin", line, None
        elif isinstance(node, ast.If | ast.For):
            for i, stmt in enumerate(node.body):
                if isinstance(stmt, ast.Return):
                    yield node, "return", stmt.lineno, i


def _apply(node: ast.AST, kind: str, detail: object) -> str:
    if kind == "compare":
        assert isinstance(node, ast.Compare)
        assert isinstance(detail, int)
        old = node.ops[detail]
        new = SWAP_COMPARE[type(old)]()
        node.ops[detail] = new
        return f"{SYMBOL[type(old)]} → {SYMBOL[type(new)]}"
    if kind == "boolop":
        assert isinstance(node, ast.BoolOp)
        was_and = isinstance(node.op, ast.And)
        node.op = ast.Or() if was_and else ast.And()
        return "and → or" if was_and else "or → and"
    if kind == "binop":
        assert isinstance(node, ast.BinOp)
        was_add = isinstance(node.op, ast.Add)
        node.op = ast.Sub() if was_add else ast.Add()
        return "+ → -" if was_add else "- → +"
    if kind in ("int+1", "int-1"):
        assert isinstance(node, ast.Constant)
        old_value = node.value
        node.value = old_value + (1 if kind == "int+1" else -1)
        return f"{old_value} → {node.value}"
    if kind == "bool":
        assert isinstance(node, ast.Constant)
        node.value = not node.value
        return f"{not node.value} → {node.value}"
    if kind == "not":
        return "not x → x"
    if kind == "maxmin":
        assert isinstance(node, ast.Call)
        assert isinstance(node.func, ast.Name)
        old_name = node.func.id
        node.func.id = "min" if old_name == "max" else "max"
        return f"{old_name} → {node.func.id}"
    if kind == "return":
        assert isinstance(node, ast.If | ast.For)
        assert isinstance(detail, int)
        node.body[detail] = ast.Pass()
        return "return → pass"
    raise ValueError(kind)


class _DropNot(ast.NodeTransformer):
    def __init__(self, target: ast.AST) -> None:
        self.target = target

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if node is self.target:
            return node.operand
        return self.generic_visit(node)


def mutants(source: str) -> Iterator[tuple[Mutant, str]]:
    base = ast.parse(source)
    count = sum(1 for _ in _points(base))
    for index in range(count):
        tree = copy.deepcopy(base)
        node, kind, line, detail = list(_points(tree))[index]
        description = _apply(node, kind, detail)
        if kind == "not":
            tree = _DropNot(node).visit(tree)
        ast.fix_missing_locations(tree)
        yield Mutant(index, line, description), ast.unparse(tree)


PRELOAD = ("pytest", "hypothesis", "attrs", "cattrs", "dateutil.rrule", "icalendar", "pluggy")
"""Imported once by the parent, so each forked test run starts warm. lemnicore itself is
never imported by the parent: every child imports the mutated source afresh."""


def _pytest_args(tests: list[str]) -> list[str]:
    existing = [t for t in tests if (ROOT / t).exists()]
    return [
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "lemnicore.testing.pytest_plugin",
        "--no-header",
        "-o",
        "addopts=",
        *existing,
    ]


def _run_tests(tests: list[str], timeout: float) -> bool:
    """True if the tests pass (the mutant survives). Forks a warm child where possible."""
    if not hasattr(os, "fork"):
        cmd = [sys.executable, "-m", "pytest", *_pytest_args(tests)]
        try:
            result = subprocess.run(  # noqa: S603 - our own interpreter and test paths
                cmd, cwd=ROOT, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return False
        return result.returncode == 0
    pid = os.fork()
    if pid == 0:  # the child: run the tests in-process and report by exit code
        code = 3
        try:
            import pytest

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.chdir(ROOT)
            code = int(pytest.main(_pytest_args(tests)))
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return False
        time.sleep(0.05)


def _drop_bytecode(path: Path) -> None:
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink()


def mutate(
    name: str, *, only_list: bool, timeout: float, lines: frozenset[int] = frozenset()
) -> tuple[int, int, list[Mutant]]:
    path, tests = TARGETS[name]
    original = path.read_text()
    killed, total, survivors = 0, 0, []
    try:
        for mutant, text in mutants(original):
            if lines and mutant.line not in lines:
                continue
            if only_list:
                print(f"{name}:{mutant.line}: {mutant.description}")
                continue
            equivalent = EQUIVALENT.get((name, mutant.line, mutant.description))
            if equivalent is not None:
                print(f"  = {name}:{mutant.line} {mutant.description} (equivalent: {equivalent})")
                continue
            total += 1
            path.write_text(text)
            _drop_bytecode(path)
            if _run_tests(tests, timeout):
                survivors.append(mutant)
                print(f"  SURVIVED {name}:{mutant.line} {mutant.description}", flush=True)
            else:
                killed += 1
    finally:
        path.write_text(original)
        _drop_bytecode(path)
    return killed, total, survivors


def main() -> int:
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    for name in PRELOAD:
        __import__(name)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--lines", default="", help="only mutants on these lines (1,5,9)")
    args = parser.parse_args()
    summary = []
    for name in args.targets:
        started = time.monotonic()
        print(f"{name}: {TARGETS[name][0].relative_to(ROOT)}", flush=True)
        lines = frozenset(int(n) for n in args.lines.split(",") if n)
        killed, total, _ = mutate(name, only_list=args.list, timeout=args.timeout, lines=lines)
        if not args.list:
            share = 100 * killed / total if total else 100.0
            took = time.monotonic() - started
            line = f"{name}: {killed}/{total} killed ({share:.1f} %) in {took:.0f} s"
            print(line, flush=True)
            summary.append(line)
    for line in summary:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
