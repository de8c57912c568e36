"""B5: erasure of a client's personal data on request (GDPR art. 17).

The record stays as an empty shell (``erased=True``) so that its appointments remain as
anonymous busy time and the audit log's references still resolve; every personal value —
names, contact data, birthday, notes, tags, appointment comments, the booking-page login,
the values inside audit entries, and the addresses and texts of the messages sent to the
client (D14) — is removed in one unit of work. There is no way back: nothing is kept to
restore from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.audit import AuditAction
from lemnicore.clock import Clock
from lemnicore.errors import ConflictError
from lemnicore.ids import IdFactory, new_id
from lemnicore.notifications.erasure import erase_client_messages
from lemnicore.scheduling.clients import NO_MESSAGE, Client
from lemnicore.services.access import require_administration
from lemnicore.services.booking import record
from lemnicore.storage.ports import Store, UnitOfWork

ERASED_NAME = "[erased]"
"""What an erased client's last name reads as (a record needs a last name)."""

Eraser = Callable[[UnitOfWork, str], None]
"""B5 extension point: erase one client's data held by another area (e.g. the texts of
sent messages) inside the erasure's unit of work. Called with the unit of work and the
client id."""

DEFAULT_ERASERS: tuple[Eraser, ...] = (erase_client_messages,)
"""Erasers every :class:`ClientErasure` runs before the ones it is given: the notification
area's (B5 × D14: addresses and texts of sent messages; messages not sent yet stopped)."""


@attrs.frozen
class ErasureReport:
    """What one erasure removed (counts only: the values themselves are gone)."""

    client_id: str
    appointments_anonymised: int
    audit_entries_redacted: int
    logins_removed: int


def erased_client(client: Client) -> Client:
    """B5: the empty shell that replaces ``client``: ids and bookkeeping only."""
    return Client(
        id=client.id,
        organisation_id=client.organisation_id,
        last_name=ERASED_NAME,
        preferred_channel=NO_MESSAGE,
        notification_consent=False,
        external_id=client.external_id,
        import_id=client.import_id,
        erased=True,
    )


class ClientErasure:
    """B5: erase a client on request; audited (``client.erased``), final.

    ``erasers`` add to :data:`DEFAULT_ERASERS`, which always run (the notification data).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        erasers: Sequence[Eraser] = (),
        new_id: IdFactory = new_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.erasers = (*DEFAULT_ERASERS, *erasers)
        self._new_id = new_id

    def erase(self, actor: Actor, client_id: str) -> ErasureReport:
        """Erase ``client_id``'s personal data everywhere in the store (B5).

        Appointments stay (client id kept, comments cleared) as anonymous busy time;
        audit entries about the client or those appointments keep who/when/what kind but
        their values read ``[erased]``. A SQLite store is checkpointed afterwards so no old
        page with the values stays in the write-ahead log.
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            require_administration(actor, client.organisation_id, f"erase client {client_id!r}")
            if client.erased:
                raise ConflictError(f"client {client_id!r} has been erased already")
            uow.clients.update(attrs.evolve(erased_client(client), contact_changed_at=now))
            appointments = uow.appointments.of_client(client_id)
            for appointment in appointments:
                if appointment.comment:
                    uow.appointments.update(attrs.evolve(appointment, comment=""))
            logins = [login for login in uow.client_logins.all() if login.client_id == client_id]
            for login in logins:
                uow.client_logins.remove(login.id)
            for eraser in self.erasers:
                eraser(uow, client_id)
            redacted = uow.audit.redact_for_client(client_id, [a.id for a in appointments])
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.CLIENT_ERASED,
                new_id=self._new_id,
                client_id=client_id,
                after={"erased": True},
            )
            uow.commit()
        checkpoint = getattr(self.store, "checkpoint", None)
        if callable(checkpoint):
            checkpoint()
        return ErasureReport(client_id, len(appointments), redacted, len(logins))
