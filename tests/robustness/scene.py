"""A small practice for the robustness tests: one released room, one client, a few
bookings — and a snapshot of everything stored, to show a refusal changed nothing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import attrs

from lemnicore.access.actors import Actor
from lemnicore.online.service import OnlineBooking
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


@attrs.define
class Scene:
    practice: Practice
    online: OnlineBooking
    owner: Actor
    room: str
    calendar: str
    client: str
    token: str
    appointment: str

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a refused call must leave as it was."""
        with self.practice.store.unit_of_work(write=False) as uow:
            return (
                uow.appointments.in_room(
                    self.room,
                    NOW - timedelta(days=30),
                    NOW + timedelta(days=400),
                    active_only=False,
                ),
                uow.clients.all(),
                len(uow.audit.query()),
                uow.slot_holds.all(),
                uow.rooms.all(),
            )


def build_scene(store: Store) -> Scene:
    p = Practice(store, now=NOW)
    room = p.add_room("Kabine 1")
    anna = p.add_practitioner("Anna")
    p.add_working_time(room, MON_FRI, time(8), time(12))
    owner = p.owner(anna)
    client = p.add_client("Meier", "Eva", email="eva@example.org")
    booked = p.appointment(anna, room, p.at(2026, 5, 5, 9), client_id=client)
    online = OnlineBooking(p.store, p.clock)
    release = online.release(owner, room, p.calendars[anna])
    return Scene(p, online, owner, room, p.calendars[anna], client, release.token, booked.id)
