"""F4/D15 on PostgreSQL: two notification workers share one outbox; one is killed with
SIGKILL again and again in the middle of its run.

Rows are claimed with row locks, so the two live workers never hand the same key to the
SMTP server. A worker that dies leaves its row ``sending``; the other one reconciles it
after ``stale_after`` and sends it again under the same key (the same ``Message-ID``).
Nothing is lost. The one duplicate that can reach the SMTP server is the documented crash
window: killed after the server accepted the message and before the outbox recorded it —
at most one per kill, and it carries the same ``Message-ID``, so mail clients show it once.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time as _time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService
from lemnicore.plugins.manager import open_store
from lemnicore.storage.ports import Store
from lemnicore.testing import Practice
from lemnicore_notify.smtp import SmtpTransport
from lemnicore_notify.testing import SmtpSink

from . import storm

TUESDAY_10 = datetime(2026, 5, 5, 8, 0, tzinfo=UTC)  # 10:00 in Berlin: no quiet hours
CLIENTS = 80
KILLS = 4
STALE_AFTER = 2.0


def outbox(store: Store) -> list[object]:
    with store.unit_of_work(write=False) as uow:
        return [m for state in DeliveryState for m in uow.notification_log.in_state(state)]


@pytest.mark.slow
def test_f4_two_workers_one_killed_repeatedly_nothing_lost_nothing_sent_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    store = open_store(postgres_url)
    practice = Practice(store, now=TUESDAY_10 - timedelta(days=2))
    anna = practice.add_practitioner("Anna")
    room = practice.add_room("Raum 1")
    for n in range(CLIENTS):
        client = practice.add_client(f"Client {n}", email=f"client{n}@example.org")
        # Wednesday from 08:00, so every reminder is due on Tuesday at 10:00 (D5).
        practice.appointment(
            anna,
            room,
            practice.at(2026, 5, 6, 8) + timedelta(minutes=5 * n),
            minutes=5,
            client_id=client,
        )
    with SmtpSink() as sink:
        smtp_url = sink.transport_url()
        enqueuing = NotificationService(store, practice.clock, [SmtpTransport(smtp_url)])
        practice.clock.set(TUESDAY_10)
        _, enqueued = enqueuing.enqueue()
        pending = [m for m in enqueued if m.state is DeliveryState.PENDING]
        assert len(pending) >= CLIENTS
        store.close()

        # Workers fork from a clean server process with lemnicore already imported, so a
        # restarted worker is dispatching within moments (and inherits no thread).
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(
            [storm.__name__, "lemnicore_postgres.store", "lemnicore_notify.smtp"]
        )
        stop = ctx.Event()
        t0 = _time.time()
        args = (
            postgres_url,
            smtp_url,
            TUESDAY_10.isoformat(),
            t0,
            STALE_AFTER,
            str(tmp_path),
            stop,
        )
        steady = ctx.Process(target=storm.dispatch_worker, args=args)
        steady.start()
        kills = 0
        rng = random.Random(11)
        store = open_store(postgres_url)
        try:
            while kills < KILLS:
                victim = ctx.Process(target=storm.dispatch_worker, args=args)
                victim.start()
                sending = tmp_path / str(victim.pid)
                deadline = _time.monotonic() + 30
                while not sending.exists() and _time.monotonic() < deadline:
                    _time.sleep(0.01)
                assert sending.exists(), "the worker never began to send"
                # Somewhere in its send: waiting for the provider, or just past hand-over.
                _time.sleep(rng.uniform(0.0, 0.15))
                os.kill(victim.pid, signal.SIGKILL)  # type: ignore[arg-type]
                victim.join()
                assert victim.exitcode == -signal.SIGKILL
                kills += 1
            survivor = ctx.Process(target=storm.dispatch_worker, args=args)
            survivor.start()
            deadline = _time.monotonic() + 90
            while _time.monotonic() < deadline:
                states = Counter(m.state for m in outbox(store))  # type: ignore[attr-defined]
                if set(states) == {DeliveryState.SENT}:
                    break
                _time.sleep(0.2)
        finally:
            stop.set()
            for worker in (steady, locals().get("survivor")):
                if worker is not None:
                    worker.join(timeout=30)
        rows = outbox(store)
        store.close()
        delivered = Counter(str(m.email["Message-ID"]) for m in sink.messages)

    sent_ids = {m.provider_message_id for m in rows}  # type: ignore[attr-defined]
    assert {m.state for m in rows} == {DeliveryState.SENT}  # type: ignore[attr-defined]
    # 0 lost: every message of the outbox reached the SMTP server …
    assert set(delivered) == sent_ids
    assert len(sent_ids) == len(rows) == len(pending)
    # … and 0 sent twice by two workers: a repeat only ever follows a kill inside the
    # crash window (after the server accepted, before the outbox recorded it).
    twice = {message_id: n for message_id, n in delivered.items() if n > 1}
    assert all(n == 2 for n in twice.values())
    assert len(twice) <= kills
    resent = {m.provider_message_id for m in rows if m.attempts > 1}  # type: ignore[attr-defined]
    assert set(twice) <= resent
    # The kills did land mid-run: rows a dead worker left ``sending`` were sent again.
    assert resent
