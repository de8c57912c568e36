"""G5: start-up of the command line — ``lemnicore --help`` and ``lemnicore version``
against the floor ``python -c pass`` (the interpreter alone), in the same run.

Goal: well under a second, under 150 ms on a quiet machine. Each command runs as a fresh
process, as a user starts it; ``extra_info`` carries the medians, the time above the
floor and the ratio. Run:

    .venv/bin/pytest benchmarks/test_bench_startup.py --benchmark-enable --benchmark-only
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(sys.executable).with_name("lemnicore")
FLOOR = [sys.executable, "-c", "pass"]
ROUNDS = 20
# As installed: pip compiles the .pyc files, so start-up reads bytecode. An environment
# with PYTHONDONTWRITEBYTECODE would instead compile every module on every start; the
# warm-up rounds write the .pyc files here.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def start(command: list[str]) -> None:
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV
    )


def median_seconds(command: list[str], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        start(command)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def test_bench_floor_python_pass(benchmark: Any) -> None:
    benchmark.pedantic(start, args=(FLOOR,), rounds=ROUNDS, iterations=1, warmup_rounds=2)
    benchmark.extra_info["median_ms"] = round(benchmark.stats.stats.median * 1000, 1)


@pytest.mark.skipif(not SCRIPT.is_file(), reason="the lemnicore script is not installed")
@pytest.mark.parametrize("args", [["--help"], ["version"]], ids=["help", "version"])
def test_bench_lemnicore_start(benchmark: Any, args: list[str]) -> None:
    command = [str(SCRIPT), *args]
    benchmark.pedantic(start, args=(command,), rounds=ROUNDS, iterations=1, warmup_rounds=2)
    floor = median_seconds(FLOOR)  # measured right after, under the same load
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(
        median_ms=round(median * 1000, 1),
        floor_ms=round(floor * 1000, 1),
        above_floor_ms=round((median - floor) * 1000, 1),
        ratio_to_floor=round(median / floor, 1),
    )
