"""B5 × E4: a client erased on request is never brought back by an import.

Erasure leaves an empty record that keeps only its ids (``external_id``, ``import_id``)
and ``erased=True``. Those ids are exactly what recognises the person when the same
source is read again: the external id of the client, or the external id of one of their
appointments (the person may come back under another key, e.g. when their eTermin contact
was deleted and they are known only from appointments). A planned client matched either
way is left out; its appointments stay as anonymous busy time — linked to the erased
record, without their comment — and the report names the source record, not the person.

Nothing else is kept about an erased person (no e-mail, no name, no phone): a person is
recognised only by an external id. Where the source has no ids of its own, the importer
may derive the key from the record's contact data — the CSV contact import does
(``csv-contacts:`` + a SHA-256 digest, :func:`lemnicore_etermin.csv_contacts.
contact_content_key`) — and the erased record keeps that digest like any external id, so
the same line does not bring the person back. A person entered by hand and then erased,
or a line whose contact data changed since, carries no key the erased record has and
cannot be recognised, by design: matching them would mean keeping their data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from lemnicore.importing.issues import SKIPPED, Issue
from lemnicore.importing.plan import ImportPlan
from lemnicore.scheduling.clients import Client
from lemnicore.storage.ports import UnitOfWork

SAME_EXTERNAL_ID = "same external id"
SAME_APPOINTMENT = "an appointment of the erased record"
ERASED_REASON = "erased on request, skipped"

# Issues about a person's fields repeat the person's data (e.g. an invalid e-mail address);
# for an erased person they are dropped from the report together with their merges.
_PERSON_FIELDS = frozenset({"LastName", "FirstName", "Email", "Phone", "Birthday", "client"})


@attrs.frozen
class ErasedClients:
    """B5: what recognises an erased client: external ids → the erased record's id."""

    by_external_id: Mapping[str, str] = attrs.field(factory=dict)
    by_appointment: Mapping[str, str] = attrs.field(factory=dict)
    """The external ids of the erased clients' appointments → the erased record's id."""

    def __bool__(self) -> bool:
        return bool(self.by_external_id or self.by_appointment)

    @classmethod
    def in_store(cls, uow: UnitOfWork) -> ErasedClients:
        """Read them in ``uow``."""
        return cls.among(uow.clients.all(), uow)

    @classmethod
    def among(cls, clients: Iterable[Client], uow: UnitOfWork) -> ErasedClients:
        """The erased ones of ``clients`` (as read in ``uow``). Erased clients are few;
        their appointments are read by client, so this stays cheap in any store."""
        by_external_id: dict[str, str] = {}
        by_appointment: dict[str, str] = {}
        for client in clients:
            if not client.erased:
                continue
            if client.external_id:
                by_external_id[client.external_id] = client.id
            for appointment in uow.appointments.of_client(client.id):
                if appointment.external_id:
                    by_appointment[appointment.external_id] = client.id
        return cls(by_external_id, by_appointment)


def respect_erasures(plan: ImportPlan, erased: ErasedClients) -> ImportPlan:
    """B5/E4: ``plan`` without the clients erased on request, their appointments anonymous.

    Pure. A planned client is an erased one if any source key merged into it is the
    erased record's external id, or if one of its appointments is one the erased record
    already has. ``counts`` gains ``clients_erased`` and ``appointments_of_erased``.
    """
    if not erased:
        return attrs.evolve(plan, counts=_zero() | dict(plan.counts))
    planned = {c.id for c in plan.clients}
    matched: dict[str, tuple[str, str]] = {}  # planned client id → (erased id, rule)
    for client in plan.clients:
        keys = [key for key, _ in plan.client_sources.get(client.id, ())]
        if client.external_id is not None:
            keys.append(client.external_id)
        hit = next((erased.by_external_id[k] for k in keys if k in erased.by_external_id), None)
        if hit is not None:
            matched[client.id] = (hit, SAME_EXTERNAL_ID)
    for a in plan.appointments:
        if a.client_id is None or a.external_id is None:
            continue
        if a.client_id in planned and a.client_id not in matched:
            erased_id = erased.by_appointment.get(a.external_id)
            if erased_id is not None:
                matched[a.client_id] = (erased_id, SAME_APPOINTMENT)
    if not matched:
        return attrs.evolve(plan, counts=_zero() | dict(plan.counts))

    records = {
        record_id
        for client_id in matched
        for _, record_id in plan.client_sources.get(client_id, ())
    }
    issues = [i for i in plan.issues if not (i.record_id in records and i.field in _PERSON_FIELDS)]
    for client in plan.clients:
        if client.id in matched:
            sources = plan.client_sources.get(client.id, ())
            record_id = sources[0][1] if sources else client.id
            reason = f"{ERASED_REASON} ({matched[client.id][1]})"
            issues.append(Issue("client", record_id, "client", reason, SKIPPED))
    anonymous = 0
    appointments = []
    for a in plan.appointments:
        if a.client_id in matched:
            a = attrs.evolve(a, client_id=matched[a.client_id][0], comment="")
            anonymous += 1
        appointments.append(a)
    clients = tuple(c for c in plan.clients if c.id not in matched)
    counts = dict(plan.counts) | {
        "clients": len(clients),
        # Added up: screening an already screened plan again finds only what is new.
        "clients_erased": plan.counts.get("clients_erased", 0) + len(matched),
        "appointments_of_erased": plan.counts.get("appointments_of_erased", 0) + anonymous,
        "issues": len(issues),
        "faulty_records": sum(1 for i in issues if i.action == SKIPPED),
    }
    return attrs.evolve(
        plan,
        clients=clients,
        appointments=tuple(appointments),
        issues=tuple(issues),
        merges=tuple(m for m in plan.merges if m.kept not in records and m.merged not in records),
        client_sources={k: v for k, v in plan.client_sources.items() if k not in matched},
        logins=tuple(login for login in plan.logins if login.client_id not in matched),
        counts=counts,
    )


def _zero() -> dict[str, int]:
    return {"clients_erased": 0, "appointments_of_erased": 0}
