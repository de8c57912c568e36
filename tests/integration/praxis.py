"""The practice the end-to-end tests run: "Praxis am Park", branch Hamburg Mitte, in SQLite.

Three clients, each with e-mail, mobile number and Threema ID, and a preference:
Eva Meier (no preference: e-mail first), Jonas Weber (SMS), Lina Schmidt (Threema).
Every record and appointment carries a note that must never leave the practice (GDPR).
Transports are built from URLs through the ``lemnicore_register_transports`` hook, the
way ``lemnicore notify run --transport URL`` builds them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import attrs
import icalendar

from lemnicore.notifications.policy import (
    ContactTemplate,
    MessageKind,
    MessageTemplate,
    NotificationPolicy,
)
from lemnicore.notifications.ports import OutboxMessage
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService, RetryPolicy, RunReport
from lemnicore.notifications.transport import Transport, TransportFactory
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import FakeClock, Practice
from lemnicore.timekeeping import zone

BERLIN = zone("Europe/Berlin")
MONDAY_0900 = datetime(2026, 5, 4, 7, tzinfo=UTC)
"""Monday 4 May 2026, 09:00 in Berlin: the clients are registered now (D4: +1 h)."""

SECRET_NOTE = "Diagnose: Bandscheibenvorfall L4/L5"
"""On every client record and appointment; must appear in no message (D13, GDPR)."""

SHORT_REMINDER = (
    "Erinnerung für {client_name}: {weekday} {date} um {time} Uhr, {room}, {branch}, "
    "bei {practitioner}. {practice}"
)
"""SMS and Threema reminder text (D13): names, local date and time, room, branch."""


def practice_policy() -> NotificationPolicy:
    """The default policy (quiet hours 20–06, 24 h before, 6 h guard) with reminder texts
    that name the branch and the practitioner on the short channels (D12, D13)."""
    default = NotificationPolicy()
    texts = [
        t
        for t in default.template.texts
        if not (t.kind is MessageKind.REMINDER and t.channel in (Channel.SMS, Channel.THREEMA))
    ]
    texts += [
        MessageTemplate(Channel.SMS, MessageKind.REMINDER, SHORT_REMINDER),
        MessageTemplate(Channel.THREEMA, MessageKind.REMINDER, SHORT_REMINDER),
    ]
    template = ContactTemplate(default.template.channel_order, texts)
    return attrs.evolve(default, template=template)


@attrs.define
class Praxis:
    """The practice, its people and the appointments booked in it."""

    practice: Practice
    store: SqliteStore
    path: Path
    room: str
    anna: str
    eva: str
    jonas: str
    lina: str
    booked: dict[str, Appointment] = attrs.field(factory=dict)
    transports: list[Transport] = attrs.field(factory=list)

    @property
    def clock(self) -> FakeClock:
        return self.practice.clock

    def at(self, month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
        return self.practice.at(year, month, day, hour, minute)

    def book(self, name: str, client_id: str, start: datetime, minutes: int = 45) -> Appointment:
        appointment = self.practice.appointment(
            self.anna, self.room, start, minutes=minutes, client_id=client_id, comment=SECRET_NOTE
        )
        self.booked[name] = appointment
        return appointment

    def service(
        self,
        urls: Sequence[str],
        *,
        retry: RetryPolicy | None = None,
        wrap: type | None = None,
    ) -> NotificationService:
        """The hourly service with real transports built from ``urls`` (D12)."""
        transports: list[Transport] = transports_from(urls)
        self.transports += transports
        if wrap is not None:
            transports = [wrap(t) for t in transports]
        return NotificationService(
            self.store,
            self.practice.clock,
            transports,
            retry=retry or RetryPolicy(),
            rng=random.Random(2026),
        )

    def outbox(self, state: DeliveryState | None = None) -> list[OutboxMessage]:
        states = [state] if state is not None else list(DeliveryState)
        with self.store.unit_of_work(write=False) as uow:
            rows = [m for s in states for m in uow.notification_log.in_state(s)]
        return sorted(rows, key=lambda m: (m.created_at, m.id))

    def close(self) -> None:
        for transport in self.transports:
            transport.close()
        self.store.close()


def open_praxis(path: Path, now: datetime = MONDAY_0900) -> Praxis:
    """The practice in a fresh SQLite file at ``path``, registered at ``now``."""
    store = SqliteStore(path)
    practice = Practice(store, now=now)
    room = practice.add_room("Raum 3")
    anna = practice.add_practitioner("Anna Berg")
    eva = practice.add_client(
        "Meier", "Eva", email="eva.meier@example.org", mobile="0170 1234567",
        threema_id="EVAMEIER",
    )  # fmt: skip
    jonas = practice.add_client(
        "Weber", "Jonas", email="jonas.weber@example.org", mobile="0151 23456789",
        threema_id="JONASW01", preferred_channel="sms",
    )  # fmt: skip
    lina = practice.add_client(
        "Schmidt", "Lina", email="lina.schmidt@example.org", mobile="0171 2222222",
        threema_id="LINA2026", preferred_channel="threema",
    )  # fmt: skip
    with store.unit_of_work() as uow:
        for client_id in (eva, jonas, lina):
            uow.clients.update(attrs.evolve(uow.clients.get(client_id), notes=SECRET_NOTE))
        uow.commit()
    NotificationService(store, practice.clock).save_policy(practice_policy())
    return Praxis(practice, store, path, room, anna, eva, jonas, lina)


def transports_from(urls: Iterable[str]) -> list[Transport]:
    """Transports as a user gets them: by URL scheme from every installed plugin (D12)."""
    pm = make_plugin_manager()
    factories: dict[str, TransportFactory] = collect_registrations(
        pm.hook.lemnicore_register_transports, "transport"
    )
    return [factories[url.split("://", 1)[0]](url) for url in urls]


def run_hourly(
    service: NotificationService, praxis: Praxis, until: datetime
) -> dict[datetime, RunReport]:
    """Call ``service.run()`` on every full hour from now up to ``until`` (inclusive),
    as cron would; the clock ends at ``until``."""
    reports: dict[datetime, RunReport] = {}
    clock = praxis.practice.clock
    while True:
        reports[clock.now()] = service.run()
        if clock.now() + timedelta(hours=1) > until:
            return reports
        clock.advance(hours=1)


def calendar_parts(email: EmailMessage) -> list[tuple[EmailMessage, icalendar.Calendar]]:
    """Every ``text/calendar`` part of ``email`` with its parsed calendar (D11: one
    appointment per part)."""
    found = []
    for part in email.walk():
        if part.get_content_type() != "text/calendar":
            continue
        assert isinstance(part, EmailMessage)
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        found.append((part, icalendar.Calendar.from_ical(data)))
    return found


def calendar_part(email: EmailMessage) -> tuple[EmailMessage, icalendar.Calendar]:
    """The only ``text/calendar`` part of ``email`` and the calendar parsed from it (D11)."""
    parts = calendar_parts(email)
    assert len(parts) == 1, [p.get_content_type() for p in email.walk()]
    return parts[0]


def body_text(email: EmailMessage) -> str:
    """The plain-text body of ``email``."""
    body = email.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert isinstance(text, str)
    return text


def local(moment: datetime | None) -> str:
    """``moment`` as Berlin wall-clock text, for readable assertions (``-``: never)."""
    return "-" if moment is None else f"{moment.astimezone(BERLIN):%a %d.%m.%Y %H:%M}"
