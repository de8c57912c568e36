"""End-to-end throughput (D10, D11, D15): confirmations from the SQLite outbox through
SMTP to a loopback mail server.

200 clients each have an appointment in the next weeks; the first run of the service
confirms them all, each e-mail with its ``.ics``. Two measurements, each round on a fresh
copy of the same SQLite file:

- ``dispatch``: the 200 confirmations are already in the outbox; one ``dispatch()`` marks
  each row SENDING, sends it over one reused SMTP session, records it SENT with history;
- ``run``: the whole hourly run — plan, render (text + ``.ics``), enqueue, dispatch.

``extra_info["messages_per_second"]`` carries the figure. Run:

    .venv/bin/pytest benchmarks/test_bench_e2e.py --benchmark-enable --benchmark-only
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService
from lemnicore.notifications.transport import Transport
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import FakeClock, Practice
from lemnicore_notify.testing import SmtpSink

CONFIRMATIONS = 200
REGISTERED = datetime(2026, 5, 4, 7, tzinfo=UTC)  # Monday 09:00 in Berlin
FIRST_RUN = REGISTERED + timedelta(hours=1)  # D4: an hour after registration
ROUNDS = 5


def _build(path: Path) -> None:
    """A practice with CONFIRMATIONS clients, one appointment each, 10 a day from Tuesday."""
    store = SqliteStore(path)
    practice = Practice(store, now=REGISTERED)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna Berg")
    for n in range(CONFIRMATIONS):
        client = practice.add_client(f"Kundin{n:03d}", "Eva", email=f"eva{n:03d}@example.org")
        day, hour = divmod(n, 10)
        practice.appointment(
            anna, room, practice.at(2026, 5, 5 + day, 8 + hour), minutes=45, client_id=client
        )
    store.close()


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(before the first run, after it enqueued every confirmation)."""
    folder = tmp_path_factory.mktemp("e2e-bench")
    before = folder / "before.db"
    _build(before)
    after = folder / "after.db"
    shutil.copy(before, after)
    store = SqliteStore(after)
    _plan, enqueued = NotificationService(
        store, FakeClock(FIRST_RUN), [_SMTP_PLACEHOLDER]
    ).enqueue()
    assert len(enqueued) == CONFIRMATIONS
    store.close()
    return before, after


class _EmailOnly:
    """Stands in for the SMTP transport while enqueuing: the planner only asks which
    channels exist (D12); nothing is sent."""

    channels = frozenset({Channel.EMAIL})

    def send(self, message: object) -> object:  # pragma: no cover - never called
        raise AssertionError("enqueue does not send")

    def close(self) -> None:
        pass


_SMTP_PLACEHOLDER: Any = _EmailOnly()


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


def _smtp(sink: SmtpSink) -> Transport:
    """The SMTP transport as a user gets it: by URL through the plugin hook."""
    factories = collect_registrations(
        make_plugin_manager().hook.lemnicore_register_transports, "transport"
    )
    return factories["smtp"](sink.transport_url("praxis@praxis-am-park.de"))


def _measure(
    benchmark: Any,
    sink: SmtpSink,
    tmp_path: Path,
    source: Path,
    step: Callable[[NotificationService], object],
) -> None:
    copies = itertools.count()
    opened: list[tuple[SqliteStore, Transport]] = []

    def setup() -> tuple[tuple[NotificationService], dict[str, Any]]:
        target = tmp_path / f"round-{next(copies)}.db"
        shutil.copy(source, target)
        store = SqliteStore(target)
        transport = _smtp(sink)
        opened.append((store, transport))
        return (NotificationService(store, FakeClock(FIRST_RUN), [transport]),), {}

    try:
        benchmark.pedantic(step, setup=setup, rounds=ROUNDS, iterations=1)
        for store, _transport in opened:
            with store.unit_of_work(write=False) as uow:
                assert len(uow.notification_log.in_state(DeliveryState.SENT)) == CONFIRMATIONS
    finally:
        for store, transport in opened:
            transport.close()
            store.close()
    assert len(sink.messages) == CONFIRMATIONS * ROUNDS
    assert sink.messages[0].email.get_content_type() == "multipart/mixed"  # with the .ics
    benchmark.extra_info["messages_per_round"] = CONFIRMATIONS
    benchmark.extra_info["messages_per_second"] = round(CONFIRMATIONS / benchmark.stats.stats.mean)


def test_bench_e2e_dispatch_200_confirmations_outbox_to_smtp(
    benchmark: Any, sink: SmtpSink, tmp_path: Path, databases: tuple[Path, Path]
) -> None:
    _measure(benchmark, sink, tmp_path, databases[1], NotificationService.dispatch)


def test_bench_e2e_hourly_run_200_confirmations_plan_render_send(
    benchmark: Any, sink: SmtpSink, tmp_path: Path, databases: tuple[Path, Path]
) -> None:
    _measure(benchmark, sink, tmp_path, databases[0], NotificationService.run)
