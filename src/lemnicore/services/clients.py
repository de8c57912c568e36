"""Client records: register, change contact data and consent — each change audited (B3)
and time-stamped, because D4 sends nothing until an hour after consent or contact data
made a message possible."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.audit import AuditAction, changed_fields
from lemnicore.access.gateway import AccessGateway
from lemnicore.clock import Clock
from lemnicore.errors import ConflictError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.addresses import normalise_phone_number
from lemnicore.scheduling.clients import Client
from lemnicore.services.booking import record
from lemnicore.storage.ports import Store, UnitOfWork

CONTACT_FIELDS = ("email", "mobile", "phone", "threema_id", "postal_address", "preferred_channel")


def register_client(
    uow: UnitOfWork,
    actor: Actor,
    *,
    at: datetime,
    new_id: IdFactory,
    organisation_id: str,
    last_name: str,
    client_id: str | None = None,
    notification_consent: bool | None = None,
    **fields: Any,
) -> Client:
    """Create and audit a client record inside the caller's unit of work (B3).

    Consent defaults to the organisation's setting (D4); consent and contact data count
    as given at ``at``, so D4's one-hour rule starts then. ``fields`` are further
    :class:`~lemnicore.scheduling.clients.Client` fields (``email``, ``mobile``, …); phone
    numbers are normalised to E.164 where they can be (see
    :func:`~lemnicore.scheduling.addresses.normalise_phone_number`).
    Services that create a client as part of a larger change (confirming an online request,
    C5) call this so the client and that change commit together.
    """
    for number in ("mobile", "phone"):  # D12: one form of a number from the first day on
        if fields.get(number):
            fields[number] = normalise_phone_number(fields[number], field=number)
    organisation = uow.organisations.get(organisation_id)
    consent = (
        organisation.default_notification_consent
        if notification_consent is None
        else notification_consent
    )
    client = Client(
        id=client_id or new_id(),
        organisation_id=organisation_id,
        last_name=last_name,
        notification_consent=consent,
        consent_changed_at=at,
        contact_changed_at=at,
        **fields,
    )
    uow.clients.add(client)
    record(
        uow,
        at=at,
        actor=actor,
        action=AuditAction.CLIENT_CREATED,
        new_id=new_id,
        client_id=client.id,
        # B1: who registered the client is one of the client's controllers (their data).
        after={"consent": consent}
        | ({"practitioner_id": actor.practitioner_id} if actor.practitioner_id else {}),
    )
    return client


class ClientRecords:
    """Application service for client records (Akten)."""

    def __init__(self, store: Store, clock: Clock, *, new_id: IdFactory = new_id) -> None:
        self.store = store
        self.clock = clock
        self._new_id = new_id

    def register(
        self,
        actor: Actor,
        *,
        organisation_id: str,
        last_name: str,
        first_name: str = "",
        email: str | None = None,
        mobile: str | None = None,
        phone: str | None = None,
        threema_id: str | None = None,
        postal_address: str | None = None,
        birthday: date | None = None,
        notification_consent: bool | None = None,
        preferred_channel: str | None = None,
        client_id: str | None = None,
    ) -> Client:
        """Create a client record. Consent defaults to the organisation's setting (D4).
        Audited (B3).
        """
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            AccessGateway(uow, actor).organisation("ClientRecords.register", organisation_id)
            client = register_client(
                uow,
                actor,
                at=now,
                new_id=self._new_id,
                client_id=client_id,
                organisation_id=organisation_id,
                last_name=last_name,
                first_name=first_name,
                email=email,
                mobile=mobile,
                phone=phone,
                threema_id=threema_id,
                postal_address=postal_address,
                birthday=birthday,
                notification_consent=notification_consent,
                preferred_channel=preferred_channel,
            )
            uow.commit()
        return client

    def change_contact(self, actor: Actor, client_id: str, **changes: str | None) -> Client:
        """Change contact fields (``email``, ``mobile``, ``phone``, ``threema_id``,
        ``postal_address``, ``preferred_channel``); audited with before and after (B3)."""
        unknown = set(changes) - set(CONTACT_FIELDS)
        if unknown:
            raise ValidationError(
                sorted(unknown)[0], f"not a contact field (use one of {CONTACT_FIELDS})"
            )
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            before = uow.clients.get(client_id)
            AccessGateway(uow, actor).client("ClientRecords.change_contact", before)
            if before.erased:
                # B5: an erased record cannot be given contact data again.
                raise ConflictError(f"client {client_id!r} has been erased (B5)")
            # Going through the constructor re-runs the field validators (e-mail, Threema ID).
            values = attrs.asdict(before, recurse=False) | changes | {"contact_changed_at": now}
            after = Client(**values)
            uow.clients.update(after)
            old, new = changed_fields(before, after, CONTACT_FIELDS)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.CLIENT_CONTACT_CHANGED,
                new_id=self._new_id,
                client_id=client_id,
                before=old,
                after=new,
            )
            uow.commit()
        return after

    def set_consent(self, actor: Actor, client_ids: Iterable[str], consent: bool) -> list[Client]:
        """Switch automatic notifications on or off for one or many clients (D4, bulk)."""
        if isinstance(client_ids, str) or not isinstance(client_ids, Iterable):
            raise ValidationError("client_ids", "must be a collection of client ids")
        if not isinstance(consent, bool):
            raise ValidationError("consent", f"must be True or False, got {consent!r}")
        now = self.clock.now()
        changed: list[Client] = []
        with self.store.unit_of_work() as uow:
            gate = AccessGateway(uow, actor)
            for client_id in client_ids:
                before = uow.clients.get(client_id)
                gate.client("ClientRecords.set_consent", before)
                if before.erased and consent:
                    raise ConflictError(f"client {client_id!r} has been erased (B5)")
                if before.notification_consent == consent:
                    continue
                after = attrs.evolve(before, notification_consent=consent, consent_changed_at=now)
                uow.clients.update(after)
                record(
                    uow,
                    at=now,
                    actor=actor,
                    action=AuditAction.CLIENT_CONSENT_CHANGED,
                    new_id=self._new_id,
                    client_id=client_id,
                    before={"consent": not consent},
                    after={"consent": consent},
                )
                changed.append(after)
            uow.commit()
        return changed
