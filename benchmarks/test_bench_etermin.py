"""E6/E7 benchmarks (pytest-benchmark): run with
``.venv/bin/pytest benchmarks --benchmark-enable --benchmark-only``.

Each runs one round (they are minutes-scale data sets) in a fresh process, so the peak RSS
it reports is that import's alone; targets: takeover < 30 s and < 500 MB, CSV < 10 s.
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
def test_e6_takeover_of_100k_appointments_and_20k_contacts(benchmark: Any) -> None:
    result = benchmark.pedantic(run_script, args=("takeover",), rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    print(json.dumps(result, indent=2))
    assert result["appointments_written"] >= 99_000
    assert result["rerun_created"] == 0
    assert result["peak_rss_mb"] < 500


@pytest.mark.slow
def test_e7_csv_import_of_100k_contacts(benchmark: Any) -> None:
    result = benchmark.pedantic(run_script, args=("csv",), rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    print(json.dumps(result, indent=2))
    assert result["contacts"] == 100_000
