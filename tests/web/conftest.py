"""The booking page served by uvicorn on loopback, over a real SQLite file, with a
loopback SMTP server receiving its e-mails (H1–H5)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest

from lemnicore.plugins.manager import open_store
from lemnicore.testing import MON_FRI, Practice
from lemnicore_notify.smtp import SmtpTransport
from lemnicore_notify.testing.smtp_sink import SmtpSink
from lemnicore_web import StaffLogin, WebConfig, create_app
from lemnicore_web.site import BookingSite
from lemnicore_web.testing import LiveServer
from lemnicore_web.testing.server import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
STAFF_LOGIN = "anna@praxis.example"
STAFF_PASSWORD = "anna-secret-1"


@attrs.define
class Booking:
    practice: Practice
    site: BookingSite
    server: LiveServer
    sink: SmtpSink
    token: str
    room: str
    anna: str
    client_id: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def page(self) -> str:
        return f"{self.server.url}/book/{self.token}"


@pytest.fixture
def booking(tmp_path: Path) -> Iterator[Booking]:
    """Kabine 1, Mon–Fri 08:00–12:00 in 30-minute slots, released for Anna's calendar;
    Petra Meier is a client of long standing (D4's hour is long past)."""
    store = open_store(f"sqlite:///{tmp_path / 'practice.db'}")
    practice = Practice(store, now=NOW - timedelta(days=2))
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    client_id = practice.add_client("Meier", "Petra", email="petra@example.org")
    practice.clock.set(NOW)
    with SmtpSink() as sink:
        port = free_port()
        config = WebConfig(
            public_url=f"http://127.0.0.1:{port}",
            secret_key=b"a test secret of thirty-two bytes",
            frame_ancestors=("https://praxis.example",),
            staff=(StaffLogin.with_password(STAFF_LOGIN, STAFF_PASSWORD, practice.owner(anna)),),
        )
        transport = SmtpTransport(sink.transport_url())
        app = create_app(store, config=config, clock=practice.clock, transport=transport)
        site: BookingSite = app.state.site
        release = site.online.release(practice.owner(anna), room, practice.calendars[anna])
        with LiveServer(app, port=port) as server:
            yield Booking(practice, site, server, sink, release.token, room, anna, client_id)
        transport.close()
    store.close()


# -- a real browser: Debian's Chromium through Playwright (never `playwright install`) ------

CHROMIUM = Path(os.environ.get("LEMNICORE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def _missing(what: str) -> None:
    # In CI a missing browser is a broken set-up, not a reason to skip the journey.
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set: the browser tests must run)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """axe-core's ``axe.min.js``: from ``LEMNICORE_AXE_JS``, else ``npm pack axe-core`` into
    a temporary directory (nothing vendored into git)."""
    given = os.environ.get("LEMNICORE_AXE_JS")
    if given:
        return Path(given).read_text(encoding="utf-8")
    npm = shutil.which("npm")
    if npm is None:
        _missing("npm is missing: cannot fetch axe-core")
    target = tmp_path_factory.mktemp("axe")
    try:
        subprocess.run(
            [npm, "pack", "axe-core@4", "--silent", "--pack-destination", str(target)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        [archive] = target.glob("axe-core-*.tgz")
        with tarfile.open(archive) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            return member.read().decode("utf-8")
    except (subprocess.SubprocessError, OSError, ValueError) as error:
        _missing(f"could not fetch axe-core from npm: {error}")
        raise
