"""B1: what of a client record a role gets to see."""

from __future__ import annotations

import attrs

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
