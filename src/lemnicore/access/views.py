"""B1: what of a client record a role gets to see."""

from __future__ import annotations

from datetime import datetime

import attrs

from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import Client


@attrs.frozen
class ClientForBooking:
    """B1: the client fields booking needs — name and contact, nothing else.

    Deliberately no birthday, notes, tags, consent history or postal address: a delegate
    or front desk books appointments, they do not read the record (GDPR minimisation).
    """

    id: str
    last_name: str
    first_name: str
    salutation: str
    email: str | None
    mobile: str | None
    phone: str | None

    @classmethod
    def from_client(cls, client: Client) -> ClientForBooking:
        return cls(
            id=client.id,
            last_name=client.last_name,
            first_name=client.first_name,
            salutation=client.salutation,
            email=client.email,
            mobile=client.mobile,
            phone=client.phone,
        )

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@attrs.frozen
class AppointmentForBooking:
    """B1: what a delegate sees of an appointment — time, room, type, status and the
    client's name and contact (when there is a client); never the comment.
    """

    id: str
    calendar_id: str
    room_id: str
    start: datetime
    end: datetime
    type_id: str
    status: AppointmentStatus
    client: ClientForBooking | None

    @classmethod
    def from_appointment(
        cls, appointment: Appointment, client: Client | None
    ) -> AppointmentForBooking:
        return cls(
            id=appointment.id,
            calendar_id=appointment.calendar_id,
            room_id=appointment.room_id,
            start=appointment.start,
            end=appointment.end,
            type_id=appointment.type_id,
            status=appointment.status,
            client=None if client is None else ClientForBooking.from_client(client),
        )


def without_comment(appointment: Appointment) -> Appointment:
    """B1: the appointment as a delegate gets it back from a change: no comment."""
    return attrs.evolve(appointment, comment="") if appointment.comment else appointment
