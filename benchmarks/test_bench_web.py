"""H1/H2 benchmark: the booking page's week (HTML) and week JSON over real HTTP, with
50 000 stored appointments in SQLite, served by ``lemnicore serve`` (uvicorn, one process)
and driven by a loopback asyncio load generator (httpx) with 1 and 8 concurrent clients.

The floor is a static response (``/healthz``) through the same server, middleware and
client in the same run: the ratio says what the week costs above bare HTTP.

Run: ``.venv/bin/pytest benchmarks/test_bench_web.py --benchmark-enable --benchmark-only -s``
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

import httpx
import pytest

from lemnicore import SYSTEM_ACTOR, Appointment, OnlineBooking, SqliteStore
from lemnicore.testing import Practice
from lemnicore_web.testing.server import free_port

SECONDS = 3.0


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """50 000 appointments around today in 5 rooms; room 1 released; the server's URL."""
    path: Path = tmp_path_factory.mktemp("web-bench") / "practice.db"
    store = SqliteStore(path)
    now = datetime.now(UTC)
    practice = Practice(store, now=now)
    rooms = [practice.add_room(f"Kabine {n}") for n in range(5)]
    people = [practice.add_practitioner(f"P{n}") for n in range(5)]
    for room in rooms:
        practice.add_working_time(room, range(6), wall(7), wall(21), slot_minutes=30)
    appointments: list[Appointment] = []
    first = now.date() - timedelta(days=200)
    n = 0
    while len(appointments) < 50_000:
        day = first + timedelta(days=n // (5 * 28))
        r, k = (n // 28) % 5, n % 28
        n += 1
        if day.weekday() == 6 or (k + r + day.toordinal()) % 5 == 0:
            continue
        start = practice.at(day.year, day.month, day.day, 7) + timedelta(minutes=30 * k)
        appointments.append(
            Appointment(
                id=f"a{n}",
                calendar_id=practice.calendars[people[r]],
                room_id=rooms[r],
                start=start,
                end=start + timedelta(minutes=30),
                type_id="treatment",
                comment="x",
            )
        )
    with store.unit_of_work() as uow:
        uow.appointments.add_many(appointments)  # type: ignore[attr-defined]
        uow.commit()
    token = (
        OnlineBooking(store, practice.clock)
        .release(SYSTEM_ACTOR, rooms[0], practice.calendars[people[0]])
        .token
    )
    store.close()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lemnicore", "serve", "--store", f"sqlite:///{path}",
         "--port", str(port)],
        env=os.environ | {"LEMNICORE_WEB_SECRET": "b" * 40},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/healthz")
            break
        except httpx.TransportError:
            assert server.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.1)
    week = (now.date() + timedelta(days=14)).isoformat()
    try:
        yield url, token, week
    finally:
        server.terminate()
        server.wait(timeout=10)


async def _load(url: str, clients: int, seconds: float) -> tuple[float, float, int]:
    """Requests per second, p95 latency (ms) and request count of ``clients`` workers
    fetching ``url`` back to back for ``seconds``."""
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < stop:
            began = time.perf_counter()
            answer = await client.get(url)
            latencies.append(time.perf_counter() - began)
            assert answer.status_code == 200

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits) as client:
        await client.get(url)  # warm up
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.perf_counter() - began
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return len(latencies) / elapsed, p95, len(latencies)


@pytest.mark.parametrize("clients", [1, 8])
def test_bench_h1_h2_week_page_and_json_against_a_static_floor(
    benchmark: Any, served: tuple[str, str, str], clients: int
) -> None:
    url, token, week = served
    targets = {
        "floor (static /healthz)": f"{url}/healthz",
        "week page (HTML)": f"{url}/book/{token}?week={week}",
        "week JSON": f"{url}/api/v1/booking/{token}/week?week={week}",
    }
    figures: dict[str, tuple[float, float, int]] = {}

    def run() -> None:
        for name, target in targets.items():
            figures[name] = asyncio.run(_load(target, clients, SECONDS))

    benchmark.pedantic(run, rounds=1, iterations=1)
    floor_rps = figures["floor (static /healthz)"][0]
    for name, (rps, p95, count) in figures.items():
        key = name.split(" (")[0].replace(" ", "_")
        benchmark.extra_info[f"{key}_rps"] = round(rps, 1)
        benchmark.extra_info[f"{key}_p95_ms"] = round(p95, 2)
        benchmark.extra_info[f"{key}_floor_ratio"] = round(floor_rps / rps, 2)
        print(
            f"\n{clients} client(s) {name:26} {rps:8.1f} req/s  p95 {p95:7.2f} ms  "
            f"({count} requests; {floor_rps / rps:5.2f}x the floor's time)"
        )
