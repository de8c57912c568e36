"""G6: ``lemnicore notify serve`` — a long-lived scheduler, one per store, stopped cleanly
by SIGTERM (what systemd and container runtimes send)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from lemnicore.cli.scheduler import lock_path, parse_every
from lemnicore.errors import ValidationError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and flock")


def serve(store_url: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lemnicore", "-v", "notify", "serve", "--store", store_url, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_g6_serve_runs_at_once_refuses_a_second_instance_and_stops_on_sigterm(
    store_url: str,
) -> None:
    first = serve(store_url, "--every", "1h", "--dry-run", "--json")
    try:
        assert first.stdout is not None
        report = json.loads(first.stdout.readline())  # the first run happens at start
        assert report["dry_run"] is True  # the system clock: the May appointments are past
        assert {s["appointment_id"] for s in report["skipped"]} <= {
            "appointment-1",
            "appointment-2",
        }

        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "lemnicore",
                "notify",
                "serve",
                "--store",
                store_url,
                "--dry-run",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "another 'lemnicore notify serve' is running for this store" in second.stderr
        assert f"pid {first.pid}" in second.stderr

        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
    finally:
        first.kill()
        first.wait()
    assert first.returncode == 0
    assert "SIGTERM received: stopping after the current run" in err
    assert err.rstrip().endswith("lemnicore: info: stopped")


def test_g6_after_a_stop_the_store_can_be_served_again(store_url: str) -> None:
    for _ in range(2):
        process = serve(store_url, "--every", "30m", "--dry-run", "--json")
        assert process.stdout is not None
        json.loads(process.stdout.readline())
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
        assert process.returncode == 0


def test_g6_serve_without_transport_explains_and_sends_nothing(store_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lemnicore", "notify", "serve", "--store", store_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no transport configured" in done.stdout


@pytest.mark.parametrize(
    ("text", "every"),
    [
        ("1h", timedelta(hours=1)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(minutes=90)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_g6_every_reads_hours_minutes_seconds(text: str, every: timedelta) -> None:
    assert parse_every(text) == every


@pytest.mark.parametrize("text", ["", "0m", "1d", "h", "10", "-1h"])
def test_g6_a_bad_interval_names_the_option(text: str) -> None:
    with pytest.raises(ValidationError, match="--every"):
        parse_every(text)


def test_g6_the_lock_sits_beside_a_sqlite_file_and_elsewhere_per_url(tmp_path: Path) -> None:
    assert lock_path(f"sqlite:///{tmp_path}/p.db") == tmp_path / "p.db.serve.lock"
    one, other = lock_path("postgresql://db/a"), lock_path("postgresql://db/b")
    assert one != other
    assert one.name.startswith("lemnicore-serve-")


def test_g6_a_bad_every_fails_before_taking_the_lock(store_url: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lemnicore", "notify", "serve", "--store", store_url,
         "--dry-run", "--every", "soon"],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "--every: expected a duration such as 1h, 30m or 90s, got 'soon'" in done.stderr
    assert not (tmp_path / "practice.db.serve.lock").exists()
