"""G6: ``lemnicore notify serve`` — the notification service as a long-lived scheduler.

One instance per store: a lock file (``flock``) beside a SQLite file, or in the temporary
folder for other stores, keyed by the store URL; a second ``serve`` on the same store
refuses to start. SIGTERM and SIGINT stop it gracefully: a run in progress finishes, then
the loop ends with exit code 0 — what systemd and container runtimes expect.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from lemnicore.cli.arguments import open_cli_store
from lemnicore.cli.output import to_json
from lemnicore.errors import LemnicoreError, StoreError, ValidationError

if TYPE_CHECKING:
    from lemnicore.notifications.transport import Transport

log = logging.getLogger("lemnicore.serve")

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_every(text: str) -> timedelta:
    """``1h``, ``30m``, ``1h30m``, ``90s`` → a positive :class:`timedelta`."""
    found = _DURATION.match(text.strip().lower())
    if not text.strip() or found is None:
        raise ValidationError(
            "--every", f"expected a duration such as 1h, 30m or 90s, got {text!r}"
        )
    hours, minutes, seconds = (int(part or 0) for part in found.groups())
    every = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if every <= timedelta(0):
        raise ValidationError("--every", f"must be longer than zero, got {text!r}")
    return every


def lock_path(store_url: str) -> Path:
    """Where the one-instance lock of ``store_url`` lives."""
    from lemnicore.storage.sqlite import path_from_url

    path = path_from_url(store_url)
    if path is not None:
        return Path(path).with_name(Path(path).name + ".serve.lock")
    digest = hashlib.sha256(store_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"lemnicore-serve-{digest}.lock"


@contextlib.contextmanager
def store_lock(store_url: str) -> Iterator[Path]:
    """Hold the one-instance lock of ``store_url``, or raise :class:`StoreError`."""
    import fcntl  # POSIX; the scheduler is for servers (cron and systemd are POSIX too)

    path = lock_path(store_url)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise StoreError(
                f"another 'lemnicore notify serve' is running for this store "
                f"(pid {holder}, lock {path})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield path
    finally:
        handle.close()  # closing releases the lock


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        log.info("%s received: stopping after the current run", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only; the caller stops us through ``stop``
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def serve(
    store_url: str,
    transports: Sequence[Transport],
    *,
    every: str | None,
    dry_run: bool = False,
    as_json: bool = False,
    stop: threading.Event | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the notification service now and then every ``every`` (default: the policy's
    ``run_interval``, D5) until ``stop`` is set or SIGTERM/SIGINT arrives; returns 0.

    A failing run is logged and the next one happens on time: one bad hour must not end
    the service. Each run prints its report (one JSON line with ``as_json``).
    """
    from lemnicore.clock import SystemClock
    from lemnicore.notifications.cli import print_report, report_document
    from lemnicore.notifications.service import NotificationService

    stop = stop or threading.Event()
    out = out or sys.stdout
    wanted = parse_every(every) if every else None  # a typo fails before anything starts
    with store_lock(store_url) as lock, _stop_on_signals(stop):
        # F3: a dry run only reads (it plans, claims no outbox row, records nothing), so
        # it never migrates or writes the store; its lock is a file beside the store.
        store = open_cli_store(store_url, must_exist=True, read_only=dry_run)
        try:
            service = NotificationService(store, SystemClock(), list(transports))
            interval = wanted or service.policy().run_interval
            with store.unit_of_work(write=False) as uow:
                organisations = uow.organisations.all()
            tz_name = organisations[0].time_zone if organisations else "Europe/Berlin"
            log.info("serving %s every %s (lock %s)", store_url, interval, lock)
            while not stop.is_set():
                started = time.monotonic()
                try:
                    report = service.run(dry_run=dry_run)
                except LemnicoreError as exc:
                    log.error("run failed: %s (next run in %s)", exc, interval)
                else:
                    if as_json:
                        out.write(to_json(report_document(report, tz_name), compact=True) + "\n")
                    else:
                        with contextlib.redirect_stdout(out):
                            print_report(report, tz_name)
                    out.flush()
                elapsed = time.monotonic() - started
                stop.wait(max(0.0, interval.total_seconds() - elapsed))
        finally:
            store.close()
    log.info("stopped")
    return 0
