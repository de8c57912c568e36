"""Workers for the PostgreSQL storms: importable functions that ``spawn`` child processes
run, each opening its own store on the one database (several app servers, F1/F2)."""

from __future__ import annotations

import os
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from lemnicore.access.actors import Actor, Role
from lemnicore.errors import LemnicoreError, OverlapError, PlanLimitError, SlotTakenError
from lemnicore.online.service import OnlineBooking
from lemnicore.plugins.manager import open_store
from lemnicore.scheduling.appointments import Appointment
from lemnicore.services.booking import AppointmentBook
from lemnicore.services.entitlements import UNLIMITED, Entitlements
from lemnicore.testing import FakeClock

OFFSET = timedelta(minutes=3)
LENGTH = timedelta(minutes=30)
# Contender k asks for [w + 3k min, w + 3k + 30 min) in one-hour window w: with 8
# contenders any two overlap, and nobody reaches into the next window.

Outcome = tuple[int, int, str, tuple[str, ...]]  # window, contender, won/lost/error, detail


def contend(
    url: str,
    now_iso: str,
    first_iso: str,
    calendar_id: str,
    room_id: str,
    contender: int,
    windows: int,
    barrier: Any,
    results: Any,
) -> None:
    """One contender's bookings, one per window, in its own order. Even contenders book
    through :class:`AppointmentBook` (check, then insert); odd ones insert straight through
    the storage port with no check at all, so only the database's constraint stops them."""
    outcomes: list[Outcome] = []
    store = open_store(url)
    try:
        # Plans are another test's business: 300 appointments exceed every plan's month.
        book = AppointmentBook(
            store, FakeClock(datetime.fromisoformat(now_iso)), entitlements=UNLIMITED
        )
        desk = Actor(id=f"user-desk-{contender}", role=Role.FRONT_DESK, organisation_id="org-1")
        first = datetime.fromisoformat(first_iso)
        order = list(range(windows))
        random.Random(contender).shuffle(order)
        barrier.wait(timeout=60)
        for window in order:
            start = first + timedelta(hours=window) + contender * OFFSET
            try:
                if contender % 2 == 0:
                    booked = book.book(
                        desk,
                        calendar_id=calendar_id,
                        room_id=room_id,
                        start=start,
                        end=start + LENGTH,
                        type_id="treatment",
                    ).id
                else:
                    booked = f"raw-{contender}-{window}"
                    with store.unit_of_work() as uow:
                        uow.appointments.add(
                            Appointment(
                                booked, calendar_id, room_id, start, start + LENGTH, "treatment"
                            )
                        )
                        uow.commit()
            except OverlapError as exc:
                outcomes.append((window, contender, "lost", exc.conflicting_ids))
            except Exception as exc:
                outcomes.append((window, contender, "error", (repr(exc),)))
            else:
                outcomes.append((window, contender, "won", (booked,)))
    finally:
        store.close()
        results.put(outcomes)


def request_slots(
    url: str,
    now_iso: str,
    slots: list[tuple[str, str]],
    contender: int,
    barrier: Any,
    results: Any,
) -> None:
    """C4: ask for every slot (booking token, start) once, in this contender's own order."""
    outcomes: list[tuple[str, str]] = []
    store = open_store(url)
    try:
        online = OnlineBooking(store, FakeClock(datetime.fromisoformat(now_iso)))
        order = list(slots)
        random.Random(contender).shuffle(order)
        barrier.wait(timeout=60)
        for token, start in order:
            try:
                online.request(
                    token,
                    datetime.fromisoformat(start),
                    last_name=f"P{contender}",
                    email=f"p{contender}@example.org",
                )
            except SlotTakenError:
                outcomes.append((f"{token} {start}", "taken"))
            except Exception as exc:
                outcomes.append((f"{token} {start}", f"error: {exc!r}"))
            else:
                outcomes.append((f"{token} {start}", f"won by P{contender}"))
    finally:
        store.close()
        results.put(outcomes)


def book_within_plan(
    url: str,
    now_iso: str,
    calendar_id: str,
    rooms: list[str],
    starts: list[str],
    barrier: Any,
    results: Any,
) -> None:
    """B4: book a free time in each room; the plan allows only so many a month."""
    outcomes: list[str] = []
    store = open_store(url)
    try:
        book = AppointmentBook(
            store, FakeClock(datetime.fromisoformat(now_iso)), entitlements=Entitlements()
        )
        desk = Actor(id="user-desk", role=Role.FRONT_DESK, organisation_id="org-1")
        barrier.wait(timeout=60)
        for room_id, start in zip(rooms, starts, strict=True):
            begin = datetime.fromisoformat(start)
            try:
                book.book(
                    desk,
                    calendar_id=calendar_id,
                    room_id=room_id,
                    start=begin,
                    end=begin + LENGTH,
                    type_id="treatment",
                )
            except PlanLimitError:
                outcomes.append("refused")
            except LemnicoreError as exc:
                outcomes.append(f"error: {exc!r}")
            else:
                outcomes.append("booked")
    finally:
        store.close()
        results.put(outcomes)


class _ProviderClock:
    """Real seconds passing from a fixed daytime instant, the same in every worker."""

    def __init__(self, base: datetime, t0: float) -> None:
        self.base = base
        self.t0 = t0

    def now(self) -> datetime:
        return self.base + timedelta(seconds=time.time() - self.t0)


class _SlowProvider:
    """A real SMTP transport behind a provider that takes a while to answer."""

    def __init__(self, inner: Any, delay: float, marker: Path) -> None:
        self.inner = inner
        self.delay = delay
        self.marker = marker

    @property
    def channels(self) -> Any:
        return self.inner.channels

    def send(self, message: Any) -> Any:
        self.marker.touch()  # "this worker is sending now": the test kills it in here
        time.sleep(self.delay)
        return self.inner.send(message)

    def close(self) -> None:
        self.inner.close()


def dispatch_worker(
    url: str,
    smtp_url: str,
    base_iso: str,
    t0: float,
    stale_after: float,
    markers: str,
    stop: Any,
) -> None:
    """D15/F4: a notification worker on its own host: dispatch until told to stop."""
    from lemnicore.notifications.service import NotificationService, RetryPolicy
    from lemnicore_notify.smtp import SmtpTransport

    store = open_store(url)
    service = NotificationService(
        store,
        _ProviderClock(datetime.fromisoformat(base_iso), t0),
        [_SlowProvider(SmtpTransport(smtp_url), 0.1, Path(markers) / str(os.getpid()))],
        retry=RetryPolicy(stale_after=timedelta(seconds=stale_after)),
    )
    try:
        while not stop.is_set():
            if not service.dispatch():
                time.sleep(0.05)
    finally:
        store.close()
