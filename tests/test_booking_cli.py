"""G3/C1/C5: ``lemnicore booking release|requests|confirm`` on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from lemnicore import AppointmentStatus, OnlineBooking, SqliteStore
from lemnicore.cli import main
from lemnicore.testing import MON_FRI, Practice


def test_g3_release_list_and_confirm_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "practice.db"
    url = f"sqlite:///{path}"
    # The CLI uses the real clock: build the practice "now" and ask for next week.
    now = datetime.now(UTC)
    store = SqliteStore(path)
    practice = Practice(store, now=now)
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    store.close()

    assert (
        main(
            [
                "booking",
                "release",
                room,
                "--calendar",
                practice.calendars[anna],
                "--link-base",
                "https://p.example/book",
                "--store",
                url,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    token = next(line.split()[-1] for line in out.splitlines() if line.startswith("token:"))
    assert f"https://p.example/book/{token}" in out

    store = SqliteStore(path)
    online = OnlineBooking(store, practice.clock)
    next_week = online.week(token, (now + timedelta(days=7)).date())
    slot = next_week.free_slots[0]
    receipt = online.request(
        token, slot.start, last_name="Meier", first_name="Petra", email="petra@example.org"
    )
    store.close()

    assert main(["booking", "requests", "--store", url]) == 0
    listing = capsys.readouterr().out
    assert receipt.appointment_id in listing
    assert "Petra Meier" in listing
    assert "petra@example.org" in listing

    assert main(["booking", "confirm", receipt.appointment_id, "--new-client", "--store", url]) == 0
    assert "Booked" in capsys.readouterr().out
    store = SqliteStore(path)
    with store.unit_of_work(write=False) as uow:
        booked = uow.appointments.get(receipt.appointment_id)
        client = uow.clients.get(booked.client_id or "")
    assert booked.status is AppointmentStatus.BOOKED
    assert (client.first_name, client.last_name, client.email) == (
        "Petra",
        "Meier",
        "petra@example.org",
    )
    store.close()

    assert main(["booking", "requests", "--store", url]) == 0
    assert "No open booking requests" in capsys.readouterr().out
    assert main(["booking", "confirm", "nope", "--client", "x", "--store", url]) == 1
    assert "unknown appointment" in capsys.readouterr().err
