"""E6/E7 benchmarks (pytest-benchmark): run with
``.venv/bin/pytest benchmarks --benchmark-enable --benchmark-only``.

Each runs one round (they are minutes-scale data sets) in a fresh process, so the peak RSS
it reports is that import's alone. The takeover runs through the shared import pipeline
(``lemnicore import etermin``), with and without the JSON report, and times a floor in the
same run: the same rows bare-``executemany``-d into the same tables. Targets (issue 13):
under 15 s and 300 MB on an idle machine, at most 3× the floor. Times are reported, never
asserted (the machine is shared); the outcome and the memory bound are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).with_name("bench_etermin.py")


def run_script(which: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), which], check=True, capture_output=True, text=True
    ).stdout
    return {
        k.strip(): float(v)
        for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)
    }


@pytest.mark.slow
@pytest.mark.parametrize("which", ["takeover", "takeover-json"])
def test_e6_takeover_of_100k_appointments_and_12k_contacts(benchmark: Any, which: str) -> None:
    result = benchmark.pedantic(run_script, args=(which,), rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    print(json.dumps(result, indent=2))
    assert result["appointments_written"] >= 99_000
    assert result["rerun_created"] == 0
    assert result["peak_rss_mb"] < 300  # issue 13: under 300 MB, with or without the JSON


@pytest.mark.slow
def test_e7_csv_import_of_100k_contacts(benchmark: Any) -> None:
    result = benchmark.pedantic(run_script, args=("csv",), rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    print(json.dumps(result, indent=2))
    assert result["contacts"] == 100_000
