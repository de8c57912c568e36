"""E6/D10: a bulk insert (imports) fills ``notification_open`` set-wise, with exactly the
rows the per-row trigger would have made — also when the batch fails half-way."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lemnicore import Appointment, AppointmentStatus, SqliteStore
from lemnicore.errors import StoreError

START = datetime(2026, 5, 5, 7, tzinfo=UTC)


def appointments() -> list[Appointment]:
    made = []
    for n in range(40):
        made.append(
            Appointment(
                id=f"a-{(n * 7919) % 97:02d}-{n}",  # not in id order
                calendar_id="cal-1",
                room_id=f"room-{n % 3}",
                start=START + timedelta(hours=n),
                end=START + timedelta(hours=n, minutes=30),
                type_id="treatment",
                client_id=None if n % 5 == 0 else f"client-{n % 4}",
                status=AppointmentStatus.CANCELLED if n % 7 == 0 else AppointmentStatus.BOOKED,
                is_group=n % 11 == 0,
                external_id=f"x:{n}",
            )
        )
    return made


def open_rows(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT appointment_id, start_us FROM notification_open"))


def test_e6_a_bulk_insert_opens_the_same_appointments_as_single_inserts(tmp_path: Path) -> None:
    bulk, single = SqliteStore(tmp_path / "bulk.db"), SqliteStore(tmp_path / "single.db")
    with bulk.unit_of_work() as uow:
        uow.appointments.add_many(appointments())
        uow.commit()
    with single.unit_of_work() as uow:
        for a in appointments():
            uow.appointments.add(a)
        uow.commit()
    bulk.close()
    single.close()
    expected = open_rows(tmp_path / "single.db")
    assert len(expected) == sum(
        1
        for a in appointments()
        if a.client_id and not a.is_group and a.status is AppointmentStatus.BOOKED
    )
    assert open_rows(tmp_path / "bulk.db") == expected
    with sqlite3.connect(tmp_path / "bulk.db") as conn:
        assert conn.execute("SELECT count(*) FROM notification_open_bulk").fetchone() == (0,)


def test_e6_after_a_failed_bulk_insert_single_inserts_use_the_trigger_again(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "p.db")
    _, first, *rest = appointments()  # first: booked, with a client
    with store.unit_of_work() as uow:
        uow.appointments.add(first)
        uow.commit()
    with store.unit_of_work() as uow, pytest.raises(StoreError):
        uow.appointments.add_many([*rest[:5], first])  # the same id again
    with store.unit_of_work() as uow:
        uow.appointments.add(rest[1])  # booked, with a client: opened by the trigger
        uow.commit()
    store.close()
    assert [r[0] for r in open_rows(tmp_path / "p.db")] == sorted([first.id, rest[1].id])
