"""D1–D15 end to end: 90 simulated days of hourly runs in a busy practice (memory store).

A seeded practice with 300 clients, random bookings, moves and cancellations; the service
runs every hour; the transport crashes the dispatcher now and then *after* the provider
accepted a message (before it was recorded) and fails transiently now and then. At the end:

- every eligible appointment got exactly one reminder, before it began and no earlier
  than its due time minus the longest quiet-hours reach (D5, D6);
- no message left in quiet hours or a blackout window (D6, D7);
- no cancelled appointment was reminded after its cancellation (D1);
- no (appointment, sequence) got two reminders or two confirmations, despite the crashes
  (D15: the capturing transport honours idempotency keys like a provider).
"""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime, time, timedelta

import pytest

from lemnicore.errors import OverlapError
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.service import NotificationService
from lemnicore.notifications.transport import Delivery, OutgoingMessage, TransientTransportError
from lemnicore.notifications.windows import DailyWindow
from lemnicore.scheduling.appointments import AppointmentStatus
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.memory import MemoryStore
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport, SimulatedCrash
from lemnicore.timekeeping import zone

BERLIN = zone("Europe/Berlin")
START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # Monday; the March DST switch is inside
DAYS = int(__import__("os").environ.get("SIM_DAYS", "90"))
H = 24
QUIET = DailyWindow(time(20), time(6))
BLACKOUT = DailyWindow(time(13), time(14))


class RecordingTransport(CapturingTransport):
    """Remembers when (simulated time) each message was first delivered."""

    def __init__(self, practice: Practice, rng: random.Random) -> None:
        super().__init__(frozenset({Channel.EMAIL, Channel.SMS}))
        self.practice = practice
        self.rng = rng
        self.sent_at: list[tuple[datetime, OutgoingMessage]] = []

    def send(self, message: OutgoingMessage) -> Delivery:
        if self.rng.random() < 0.02:
            self.fail_next(TransientTransportError("503 Service Unavailable"))
        return super().send(message)  # may raise the simulated crash after delivering

    def _log(self, before: int) -> None:
        for m in self.delivered[before:]:
            self.sent_at.append((self.practice.clock.now(), m))


def _in_window(moment: datetime, window: DailyWindow) -> bool:
    return window.contains(moment, BERLIN)


@pytest.mark.slow
def test_ninety_days_of_hourly_runs_remind_everyone_once_and_never_at_night() -> None:
    rng = random.Random(20260302)
    practice = Practice(MemoryStore(), now=START - timedelta(hours=3))
    # A10: nobody is in two rooms at once — one therapist per room, the front desk books.
    rooms = [practice.add_room(f"Raum {n}") for n in range(1, 9)]
    therapists = {room: practice.add_practitioner(f"Therapeut {room}") for room in rooms}
    clients = []
    for n in range(300):
        kind = rng.random()
        if kind < 0.75:
            cid = practice.add_client(f"Kunde{n}", email=f"k{n}@example.org", consent=True)
        elif kind < 0.9:
            cid = practice.add_client(f"Kunde{n}", mobile=f"+491511{n:07d}", consent=True)
        else:
            cid = practice.add_client(f"Kunde{n}", email=f"k{n}@example.org", consent=False)
        clients.append(cid)
    owner = practice.front_desk()
    cancelled_at: dict[str, datetime] = {}
    crash_rng = random.Random(7)

    def book_random(earliest_days: int) -> None:
        day = practice.clock.now().astimezone(BERLIN).date() + timedelta(
            days=rng.randint(earliest_days, 60)
        )
        start = practice.at(day.year, day.month, day.day, rng.randint(7, 19), rng.choice((0, 30)))
        room = rng.choice(rooms)
        with contextlib.suppress(OverlapError):
            practice.appointment(therapists[room], room, start, client_id=rng.choice(clients))

    for _ in range(900):
        book_random(1)
    practice.clock.set(START)

    policy = NotificationPolicy(quiet_hours=QUIET, blackout_windows=(BLACKOUT,)).with_changes(
        reminder__hours_before=H, reminder__min_hours_between=2
    )
    transport = RecordingTransport(practice, rng)
    transport.crash_after = lambda m: crash_rng.random() < 0.03
    notifier = NotificationService(practice.store, practice.clock, [transport], policy)

    crashes = 0
    end = START + timedelta(days=DAYS)
    while practice.clock.now() < end:
        now = practice.clock.now()
        local = now.astimezone(BERLIN)
        if 7 <= local.hour < 19:
            if rng.random() < 0.6:
                book_random(2)
            if rng.random() < 0.15:
                _move_one(practice, owner, rng, now)
            if rng.random() < 0.15:
                _cancel_one(practice, owner, rng, cancelled_at)
        before = len(transport.delivered)
        try:
            notifier.run()
        except SimulatedCrash:
            crashes += 1  # the process died; the next hourly run starts afresh
        transport._log(before)
        practice.clock.advance(hours=1)

    assert crashes > 10, "the simulation must exercise crashes"
    _check(practice, transport, cancelled_at, end)


def _move_one(practice: Practice, owner: object, rng: random.Random, now: datetime) -> None:
    with practice.store.unit_of_work(write=False) as uow:
        later = [
            a
            for a in uow.appointments.starting_between(
                now + timedelta(days=3), now + timedelta(days=40)
            )
            if a.status is AppointmentStatus.BOOKED
        ]
    if not later:
        return
    a = rng.choice(later)
    shift = timedelta(days=rng.randint(1, 5), hours=rng.choice((-1, 1)))
    with contextlib.suppress(OverlapError):
        practice.book.move(owner, a.id, start=a.start + shift)  # type: ignore[arg-type]


def _cancel_one(
    practice: Practice, owner: object, rng: random.Random, cancelled_at: dict[str, datetime]
) -> None:
    now = practice.clock.now()
    with practice.store.unit_of_work(write=False) as uow:
        ahead = [
            a
            for a in uow.appointments.starting_between(now, now + timedelta(days=30))
            if a.status is AppointmentStatus.BOOKED
        ]
    if ahead:
        a = rng.choice(ahead)
        practice.book.cancel(owner, a.id)  # type: ignore[arg-type]
        cancelled_at[a.id] = now


def _check(
    practice: Practice,
    transport: RecordingTransport,
    cancelled_at: dict[str, datetime],
    end: datetime,
) -> None:
    with practice.store.unit_of_work(write=False) as uow:
        appointments = {
            a.id: a for a in uow.appointments.starting_between(START, end + timedelta(days=90))
        }
        clients = {c.id: c for c in uow.clients.all()}
        outbox = {m.key: m for m in uow.notification_log.for_appointments(appointments)}

    # D6/D7: nothing leaves in quiet hours or the blackout window.
    for sent_at, message in transport.sent_at:
        assert not _in_window(sent_at, QUIET), (sent_at, message.kind)
        assert not _in_window(sent_at, BLACKOUT), (sent_at, message.kind)

    reminders: dict[tuple[str, int], list[datetime]] = {}
    confirmations: dict[tuple[str, int], int] = {}
    for sent_at, message in transport.sent_at:
        refs = outbox[message.idempotency_key].appointments
        for ref in refs:
            key = (ref.appointment_id, ref.sequence)
            if message.kind == MessageKind.REMINDER:
                reminders.setdefault(key, []).append(sent_at)
                # D1: never a reminder for an appointment already cancelled.
                cancelled = cancelled_at.get(ref.appointment_id)
                # (Cancellations happen before the run of the same hour.)
                assert cancelled is None or sent_at < cancelled, (ref, sent_at, cancelled)
            elif message.kind == MessageKind.CONFIRMATION:
                confirmations[key] = confirmations.get(key, 0) + 1

    # D15: no duplicates despite crashes and transient failures.
    assert all(len(times) == 1 for times in reminders.values())
    assert all(count == 1 for count in confirmations.values())

    # D5: every eligible appointment got its reminder, before it began, not too early.
    checked = 0
    for a in appointments.values():
        client = clients[a.client_id or ""]
        if (
            a.status is not AppointmentStatus.BOOKED
            or not client.notification_consent
            or not START + timedelta(days=2) <= a.start < end
        ):
            continue
        times = reminders.get((a.id, a.sequence))
        assert times is not None, f"{a.id} at {a.start.astimezone(BERLIN)} was not reminded"
        due = a.start - timedelta(hours=H)
        assert times[0] < a.start
        # Quiet hours reach back at most 10 h + 90 min; combining can pull a reminder
        # forward to the earliest appointment of that day.
        assert times[0] >= due - timedelta(hours=24), (a.id, times[0], due)
        checked += 1
    assert checked > 1000
