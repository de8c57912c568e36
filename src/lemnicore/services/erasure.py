"""B5: erasure of a client's personal data on request (GDPR art. 17).

The record stays as an empty shell (``erased=True``) so that its appointments remain as
anonymous busy time and the audit log's references still resolve; every personal value —
names, contact data, birthday, notes, tags, appointment comments, the booking-page login,
the values inside audit entries, and the addresses and texts of the messages sent to the
client (D14) — is removed in one unit of work. There is no way back: nothing is kept to
restore from.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.audit import AuditAction
from lemnicore.access.gateway import AccessGateway
from lemnicore.clock import Clock
from lemnicore.errors import ConflictError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.notifications.erasure import erase_client_messages
from lemnicore.online.requests import BookingRequestForm
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import NO_MESSAGE, Client
from lemnicore.services.booking import record
from lemnicore.services.lookup import calendars_of
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


class WipeState(enum.StrEnum):
    """B5: whether erased values are gone from the disk too (journal/WAL, free pages)."""

    WIPED = "wiped"
    """Checkpointed and truncated: no old page with the values is left on disk."""
    PENDING = "wipe pending"
    """Another reader holds the file (SQLite: old page images may remain in the
    write-ahead log) or an older transaction's snapshot (PostgreSQL: VACUUM may have had
    to keep old row versions) until :meth:`ClientErasure.complete_pending_wipes` (or the
    next erasure) succeeds."""
    NOTHING_ON_DISK = "nothing on disk"
    """A store without files (memory)."""


@attrs.frozen
class ErasureReport:
    """What one erasure removed (counts only: the values themselves are gone)."""

    client_id: str
    appointments_anonymised: int
    audit_entries_redacted: int
    logins_removed: int
    requests_erased: int = 0
    wipe: WipeState = WipeState.NOTHING_ON_DISK


@attrs.frozen
class RequesterErasureReport:
    """B5: what erasing a requester who never became a client removed."""

    organisation_id: str
    requests_erased: int
    history_entries_redacted: int
    wipe: WipeState = WipeState.NOTHING_ON_DISK


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


_ALL_TIME = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2400, 1, 1, tzinfo=UTC))


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def requests_of_person(
    uow: UnitOfWork, organisation_id: str, emails: Iterable[str], phones: Iterable[str]
) -> list[Appointment]:
    """B5/C4: online requests in ``organisation_id``'s calendars that never became a client
    and carry one of these e-mail addresses or phone numbers in their comment."""
    wanted_emails = {e.strip().casefold() for e in emails if e and e.strip()}
    wanted_phones = {d for d in (_digits(p) for p in phones if p) if len(d) >= 4}
    if not wanted_emails and not wanted_phones:
        return []
    found: list[Appointment] = []
    for calendar in calendars_of(uow, organisation_id):
        for appointment in uow.appointments.in_calendar(calendar.id, *_ALL_TIME):
            if appointment.client_id is not None or not appointment.comment:
                continue
            form = BookingRequestForm.from_comment(appointment.comment)
            if form is None:
                continue
            if form.email.casefold() in wanted_emails or (
                form.phone and _digits(form.phone) in wanted_phones
            ):
                found.append(appointment)
    return found


def _erase_requests(uow: UnitOfWork, requests: Sequence[Appointment]) -> int:
    """Clear the requester's data from the requests and their message history (D14: the
    "request received" e-mail's address; no client id on those rows)."""
    for appointment in requests:
        uow.appointments.update(attrs.evolve(appointment, comment=""))
    ids = [a.id for a in requests]
    if not ids:
        return 0
    keys = [m.key for m in uow.notification_log.for_appointments(ids)]
    # No client record: the history rows are found by appointment and message key.
    return uow.message_history.redact_client("", ids, keys)


class ClientErasure:
    """B5: erase a client (or a requester who never became one) on request; audited, final.

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
        their values read ``[erased]``. Online requests of the same person (their e-mail
        or phone) that never became this client are erased too. Then the store wipes its
        files: ``report.wipe`` says :attr:`WipeState.PENDING` when another reader held the
        file (SQLite) or an older snapshot kept old row versions (PostgreSQL) — never a
        false success (:meth:`complete_pending_wipes` finishes it).
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            AccessGateway(uow, actor).client("ClientErasure.erase", client)
            if client.erased:
                raise ConflictError(f"client {client_id!r} has been erased already")
            uow.clients.update(attrs.evolve(erased_client(client), contact_changed_at=now))
            appointments = uow.appointments.of_client(client_id)
            for appointment in appointments:
                if appointment.comment:
                    uow.appointments.update(attrs.evolve(appointment, comment=""))
            requests = requests_of_person(
                uow,
                client.organisation_id,
                [client.email or ""],
                [client.phone or "", client.mobile or ""],
            )
            _erase_requests(uow, requests)
            logins = [login for login in uow.client_logins.all() if login.client_id == client_id]
            for login in logins:
                uow.client_logins.remove(login.id)
            # A11: an erased client waits for nothing and is offered nothing any more.
            for entry in uow.waiting_list.all():
                if entry.client_id == client_id:
                    uow.waiting_list.remove(entry.id)
            for offer in uow.waiting_list_offers.all():
                if offer.client_id == client_id:
                    uow.waiting_list_offers.remove(offer.id)
                    if offer.hold_id is not None:
                        uow.slot_holds.remove(offer.hold_id)
            for eraser in self.erasers:
                eraser(uow, client_id)
            redacted = uow.audit.redact_for_client(
                client_id, [a.id for a in (*appointments, *requests)]
            )
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
        return ErasureReport(
            client_id, len(appointments), redacted, len(logins), len(requests), self._wipe()
        )

    def erase_requester(
        self,
        actor: Actor,
        organisation_id: str,
        *,
        email: str | None = None,
        phone: str | None = None,
    ) -> RequesterErasureReport:
        """B5: erase a person who asked online (C4) but never became a client: the name,
        e-mail, phone and message in their requests' comments and the address in those
        requests' message history. Audited (``client.erased`` with the count only)."""
        if not (email or phone):
            raise ValidationError("email", "give the requester's e-mail or phone to erase")
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            AccessGateway(uow, actor).organisation("ClientErasure.erase_requester", organisation_id)
            requests = requests_of_person(uow, organisation_id, [email or ""], [phone or ""])
            entries = _erase_requests(uow, requests)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.CLIENT_ERASED,
                new_id=self._new_id,
                subject_id=organisation_id,
                after={"requests_erased": len(requests)},
            )
            uow.commit()
        return RequesterErasureReport(organisation_id, len(requests), entries, self._wipe())

    def complete_pending_wipes(self, actor: Actor) -> WipeState:
        """B5: finish a wipe an earlier erasure reported as pending (SQLite: checkpoint
        the WAL into the file and truncate it; PostgreSQL: VACUUM again). Still
        :attr:`WipeState.PENDING` while a reader holds the file or an older snapshot is
        open; call again later."""
        with self.store.unit_of_work(write=False) as uow:
            AccessGateway(uow, actor).store("ClientErasure.complete_pending_wipes")
        return self._wipe()

    def _wipe(self) -> WipeState:
        checkpoint = getattr(self.store, "checkpoint", None)
        if not callable(checkpoint):
            return WipeState.NOTHING_ON_DISK
        return WipeState.WIPED if checkpoint() is not False else WipeState.PENDING
