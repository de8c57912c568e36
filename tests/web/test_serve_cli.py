"""G3/G6/H1: ``lemnicore serve --store URL`` serves the booking page of a SQLite practice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from datetime import time as wall
from pathlib import Path

import httpx
import pytest

from lemnicore import OnlineBooking
from lemnicore.cli import main
from lemnicore.plugins.manager import open_store
from lemnicore.testing import MON_FRI, Practice
from lemnicore_web.testing.server import free_port


def test_g6_serve_refuses_to_start_without_a_signing_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEMNICORE_WEB_SECRET", raising=False)
    db = tmp_path / "practice.db"
    open_store(f"sqlite:///{db}").close()
    code = main(["serve", "--store", f"sqlite:///{db}"])
    assert code != 0
    assert "LEMNICORE_WEB_SECRET" in capsys.readouterr().err


def test_h1_serve_answers_the_booking_link_over_http(tmp_path: Path) -> None:
    db = tmp_path / "practice.db"
    store = open_store(f"sqlite:///{db}")
    practice = Practice(store, now=datetime.now(UTC))
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, wall(8), wall(12))
    release = OnlineBooking(store, practice.clock).release(
        practice.owner(anna), room, practice.calendars[anna]
    )
    store.close()
    port = free_port()
    env = os.environ | {"LEMNICORE_WEB_SECRET": "x" * 40}
    server = subprocess.Popen(
        [sys.executable, "-m", "lemnicore", "serve", "--store", f"sqlite:///{db}",
         "--port", str(port), "--frame-ancestor", "https://praxis.example"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/book/{release.token}")
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert answer.status_code == 200
        assert "Kabine 1" in answer.text
        assert "frame-ancestors https://praxis.example" in answer.headers["content-security-policy"]
    finally:
        server.terminate()
        server.communicate(timeout=10)


def test_g6_serve_takes_its_store_and_transport_from_the_configuration(tmp_path: Path) -> None:
    """``lemnicore serve`` follows every command's convention: env, then ``[serve]`` in the
    TOML file; the general ``LEMNICORE_TRANSPORT`` keeps the mail URL out of argv."""
    from lemnicore.cli import build_parser
    from lemnicore.cli.config import Settings, load_settings

    environ = {"LEMNICORE_STORE": "sqlite:///env.db", "LEMNICORE_TRANSPORT": "smtp://h:25"}
    args = build_parser(Settings(environ=environ)).parse_args(["serve"])
    assert (args.store, args.transport) == ("sqlite:///env.db", "smtp://h:25")
    file = tmp_path / "lemnicore.toml"
    file.write_text('[serve]\nport = 8123\nframe_ancestor = ["https://praxis.example"]\n')
    args = build_parser(load_settings(str(file), environ={})).parse_args(["serve"])
    assert (args.port, args.frame_ancestor) == (8123, ["https://praxis.example"])
