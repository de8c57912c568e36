"""The booking page served by uvicorn on loopback, over a real SQLite file, with a
loopback SMTP server receiving its e-mails (H1–H5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

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
