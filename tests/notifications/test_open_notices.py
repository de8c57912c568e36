"""D9/D10/D11/D16: the SQLite table of appointments that may still need a confirmation
or a cancellation (``notification_open``) always says exactly what the rule says.

The table is kept by triggers (migration ``notifications`` 2) so that an hourly run reads
only the unconfirmed appointments of the quarter. These tests compare it, after every
kind of change, with the rule evaluated over the whole ``appointments`` table.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.ports import OutboxMessage
from lemnicore.notifications.sentlog import AppointmentRef
from lemnicore.notifications.service import NotificationService
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.sqlite.rows import to_us
from lemnicore.storage.sqlite.schema import MIGRATIONS, NEEDS_NOTICE
from lemnicore.storage.sqlite.store import SqliteStore, connect, migrate
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport

START = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def _open(store: SqliteStore) -> set[str]:
    rows = store.connection().execute("SELECT appointment_id FROM notification_open")
    return {r[0] for r in rows}


def _by_rule(store: SqliteStore) -> set[str]:
    rows = store.connection().execute(f"SELECT a.id FROM appointments AS a WHERE {NEEDS_NOTICE}")
    return {r[0] for r in rows}


def _assert_exact(store: SqliteStore) -> set[str]:
    found = _open(store)
    assert found == _by_rule(store)
    return found


def test_d9_d10_d11_open_table_follows_confirmations_moves_and_cancellations(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=START)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna Berg")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    ole = practice.add_client("Berg", "Ole", email="ole@example.org", consent=False)
    first = practice.appointment(anna, room, practice.at(2026, 5, 12, 9), client_id=eva).id
    second = practice.appointment(anna, room, practice.at(2026, 5, 19, 9), client_id=eva).id
    silent = practice.appointment(anna, room, practice.at(2026, 5, 13, 9), client_id=ole).id
    nobody = practice.appointment(anna, room, practice.at(2026, 5, 14, 9)).id
    assert _assert_exact(store) == {first, second, silent}

    practice.clock.advance(hours=2)  # D4: an hour after registration
    transport = CapturingTransport()
    notifier = NotificationService(
        store, practice.clock, [transport], NotificationPolicy(quiet_hours=None)
    )
    notifier.run()
    assert [m.kind for m in transport.delivered] == ["confirmation"]
    # Confirmed ones leave; Ole's stays (no consent: he may still switch it on, D4).
    assert _assert_exact(store) == {silent}

    # D9/A6: a significant move raises the sequence and opens the appointment again ...
    practice.book.move(practice.owner(anna), first, start=practice.at(2026, 5, 12, 15))
    assert _assert_exact(store) == {silent, first}
    # ... and the next run confirms it again, for its new sequence.
    practice.clock.advance(hours=1)
    notifier.run()
    assert [m.kind for m in transport.delivered] == ["confirmation", "confirmation"]
    assert transport.delivered[-1].appointment_ids == (first,)
    assert _assert_exact(store) == {silent}

    # D11: a confirmed appointment that is cancelled is open until the client is told.
    practice.book.cancel(practice.owner(anna), second)
    assert _assert_exact(store) == {silent, second}
    practice.clock.advance(hours=1)
    notifier.run()
    assert transport.delivered[-1].kind == MessageKind.CANCELLATION.value
    assert _assert_exact(store) == {silent}

    # An unconfirmed appointment that is cancelled needs nothing; a deleted one is gone.
    practice.book.cancel(practice.owner(anna), silent)
    assert _assert_exact(store) == set()
    with store.unit_of_work() as uow:
        uow.appointments.delete(nobody)
        uow.commit()
    assert _assert_exact(store) == set()
    store.close()


def test_d10_rolled_back_changes_leave_the_open_table_as_it_was(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "practice.db")
    practice = Practice(store, now=START)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna Berg")
    eva = practice.add_client("Meier", "Eva", email="eva@example.org", consent=True)
    kept = practice.appointment(anna, room, practice.at(2026, 5, 12, 9), client_id=eva).id
    with store.unit_of_work() as uow:
        uow.appointments.add(
            Appointment(
                id="never",
                calendar_id=practice.calendars[anna],
                room_id=room,
                start=practice.at(2026, 5, 13, 9),
                end=practice.at(2026, 5, 13, 10),
                type_id="treatment",
                client_id=eva,
            )
        )
        uow.appointments.delete(kept)
        # no commit: leaving the block rolls back
    assert _assert_exact(store) == {kept}
    store.close()


def test_d16_open_table_is_filled_when_an_existing_store_is_migrated(tmp_path: Path) -> None:
    """A store created before the table existed gets it filled by the migration itself."""
    path = tmp_path / "old.db"
    conn = connect(str(path))
    before = [m for m in MIGRATIONS if not (m.area == "notifications" and m.version >= 2)]
    migrate(conn, before)
    start = to_us(START + timedelta(days=3))
    rows = [
        # booked, never notified: open
        ("a1", "booked", "c1", 0, 0, []),
        # booked, confirmed at sequence 0, moved since (sequence 1): open again (D9)
        ("a2", "booked", "c1", 0, 1, [(0, "confirmation")]),
        # booked, reminded at its current sequence: not open
        ("a3", "booked", "c1", 0, 2, [(2, "reminder")]),
        # cancelled after a confirmation, not told: open (D11)
        ("a4", "cancelled", "c1", 0, 0, [(0, "confirmation")]),
        # cancelled and told: not open
        ("a5", "cancelled", "c1", 0, 0, [(0, "confirmation"), (0, "cancellation")]),
        # group appointment, no client, proposed: never open (D1)
        ("a6", "booked", "c1", 1, 0, []),
        ("a7", "booked", None, 0, 0, []),
        ("a8", "proposed", "c1", 0, 0, []),
    ]
    for n, (ident, status, client, group, sequence, items) in enumerate(rows):
        conn.execute(
            "INSERT INTO appointments (id, calendar_id, room_id, start_us, end_us, type_id,"
            " status, client_id, is_group, sequence) VALUES (?, 'cal', 'room', ?, ?, 't', ?, ?,"
            " ?, ?)",
            (ident, start + n, start + n + 1, status, client, group, sequence),
        )
        for item_sequence, kind in items:
            message = f"m-{ident}-{kind}"
            conn.execute(
                "INSERT INTO notification_outbox (id, key, kind, client_id, channel, address,"
                " text, created_us, due_us, state) VALUES (?, ?, ?, 'c1', 'email', '', '', 0, 0,"
                " 'sent')",
                (message, message, kind),
            )
            conn.execute(
                "INSERT INTO notification_items VALUES (?, ?, ?, ?)",
                (ident, item_sequence, message, kind),
            )
    conn.close()
    store = SqliteStore(path)  # applies notifications 2
    assert _assert_exact(store) == {"a1", "a2", "a4"}
    store.close()


def test_d9_d10_open_table_stays_exact_under_random_changes(tmp_path: Path) -> None:
    """Random bookings, moves, status changes, deletions and messages, in the store's own
    repositories: after every step the table equals the rule over all appointments."""
    rng = random.Random(7)
    store = SqliteStore(tmp_path / "random.db")
    # Mostly booked and cancelled: the statuses the rule is about.
    statuses = [*AppointmentStatus, AppointmentStatus.BOOKED, AppointmentStatus.BOOKED]
    statuses.append(AppointmentStatus.CANCELLED)
    kinds = [MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.CANCELLATION]
    messages = 0
    with store.unit_of_work() as uow:
        for step in range(400):
            existing = [
                a.id for a in uow.appointments.starting_between(START, START + timedelta(days=9))
            ]
            action = rng.random()
            if action < 0.35 or not existing:
                begin = START + timedelta(hours=rng.randrange(200))
                uow.appointments.add(
                    Appointment(
                        id=f"a{step}",
                        calendar_id="cal",
                        room_id="room",
                        start=begin,
                        end=begin + timedelta(minutes=30),
                        type_id="t",
                        status=rng.choice(statuses),
                        client_id=rng.choice(["c1", "c2", None]),
                        is_group=rng.random() < 0.1,
                    )
                )
            elif action < 0.6:
                a = uow.appointments.get(rng.choice(existing))
                uow.appointments.update(
                    Appointment(
                        id=a.id,
                        calendar_id=a.calendar_id,
                        room_id=a.room_id,
                        start=a.start + timedelta(hours=rng.choice([0, 1])),
                        end=a.end + timedelta(hours=1),
                        type_id=a.type_id,
                        status=rng.choice(statuses),
                        client_id=a.client_id,
                        is_group=a.is_group,
                        sequence=a.sequence + rng.choice([0, 1]),
                    )
                )
            elif action < 0.75:
                uow.appointments.delete(rng.choice(existing))
            else:
                a = uow.appointments.get(rng.choice(existing))
                kind = rng.choice(kinds)
                messages += 1
                uow.notification_log.add(
                    OutboxMessage(
                        id=f"m{messages}",
                        key=f"m{messages}",
                        kind=kind,
                        client_id=a.client_id,
                        # Mostly the current sequence, sometimes an older one (A6).
                        appointments=(AppointmentRef(a.id, a.sequence - rng.choice([0, 0, 1])),),
                        channel=Channel.EMAIL,
                        address="x@example.org",
                        text="",
                        created_at=START,
                        due_at=START,
                    )
                )
            _assert_exact(store)
        uow.commit()
    _assert_exact(store)
    store.close()
