"""E5: data reset — remove everything one import created, and nothing else.

A reset deletes every appointment and every client that carries the import id. A client
that a hand-entered appointment still refers to is kept (and reported), because deleting
it would leave that appointment pointing nowhere; everything entered by hand stays
untouched. The run is marked ``reset`` and the reset is audited (B3). Resetting twice is
harmless: the second reset finds nothing left to remove.

The empty record of a client erased on request (B5) is kept too: it holds no personal data,
only the external id that stops a later import from bringing the person back.
"""

from __future__ import annotations

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.clock import Clock
from lemnicore.ids import IdFactory, new_id
from lemnicore.storage.ports import Store


@attrs.frozen
class ResetReport:
    """What a data reset removed (E5)."""

    import_id: str
    appointments_removed: int
    clients_removed: int
    logins_removed: int
    clients_kept: tuple[str, ...] = ()
    """Clients of the import still referenced by appointments entered by hand."""
    clients_erased_kept: tuple[str, ...] = ()
    """B5: records of clients erased on request, kept so no import restores them."""


def reset_import(
    store: Store, import_id: str, *, actor: Actor, clock: Clock, new_id: IdFactory = new_id
) -> ResetReport:
    """E5: remove every appointment and client created by ``import_id``, in one transaction.

    Raises :class:`~lemnicore.errors.NotFoundError` for an unknown import id.
    """
    now = clock.now()
    with store.unit_of_work() as uow:
        run = uow.import_runs.get(import_id)
        appointments = uow.appointments.with_import_id(import_id)
        for appointment in appointments:
            uow.appointments.delete(appointment.id)
        removed_clients: set[str] = set()
        kept: list[str] = []
        erased: list[str] = []
        for client in uow.clients.with_import_id(import_id):
            if client.erased:
                erased.append(client.id)
                continue
            if uow.appointments.of_client(client.id):
                kept.append(client.id)
                continue
            uow.clients.delete(client.id)
            removed_clients.add(client.id)
        logins = [login for login in uow.client_logins.all() if login.client_id in removed_clients]
        for login in logins:
            uow.client_logins.remove(login.id)
        report = ResetReport(
            import_id=import_id,
            appointments_removed=len(appointments),
            clients_removed=len(removed_clients),
            logins_removed=len(logins),
            clients_kept=tuple(kept),
            clients_erased_kept=tuple(erased),
        )
        uow.import_runs.put(attrs.evolve(run, status="reset", finished_at=now))
        uow.audit.append(
            AuditEntry(
                id=new_id(),
                at=now,
                actor_id=actor.id,
                action=AuditAction.IMPORT_RESET.value,
                subject_id=import_id,
                before={"status": run.status},
                after={
                    "status": "reset",
                    "appointments_removed": report.appointments_removed,
                    "clients_removed": report.clients_removed,
                    "logins_removed": report.logins_removed,
                    "clients_kept": len(kept),
                    "clients_erased_kept": len(erased),
                },
                note=f"data reset of {run.source} import {import_id}",
            )
        )
        uow.commit()
    return report
