"""E3/E4/A8/B5: screening a plan against the store, the dry run, and the batched commit.

:func:`commit_plan` writes an :class:`~lemnicore.importing.plan.ImportPlan` in batches (one
transaction each) under one import id. Records already in the store (same external id) are
left as they are, so re-running an import — also after a crash half-way — adds exactly
what is missing and changes nothing else (E4). An interrupted run stays ``running`` and the
next commit of the same source resumes it under the same import id. Clients erased on
request are never written again (B5), and planned appointments that overlap appointments
already in the room are written as conflicts (A8). Nothing here knows the source system.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.clock import Clock
from lemnicore.ids import IdFactory, new_id
from lemnicore.importing.erasures import ErasedClients, respect_erasures
from lemnicore.importing.plan import ImportPlan, with_stored_overlaps
from lemnicore.importing.ports import DEFAULT_BATCH_SIZE
from lemnicore.importing.runs import ImportRun
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import Client
from lemnicore.storage.ports import Store, UnitOfWork

Progress = Callable[[int, int], None]
"""Called with (records done, records in total) while a phase runs (E6)."""

T = TypeVar("T")


def _batches(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _find_unfinished(uow: UnitOfWork, source: str) -> ImportRun | None:
    running = [r for r in uow.import_runs.all() if r.source == source and r.status == "running"]
    return max(running, key=lambda r: r.started_at) if running else None


def next_import_id(store: Store, source: str, *, new_id: IdFactory = new_id) -> str:
    """The id the next commit of ``source`` will use: an interrupted run's (to resume it),
    or a new one. Importers stamp their plans with it (saves a copy of every record)."""
    with store.unit_of_work(write=False) as uow:
        unfinished = _find_unfinished(uow, source)
    return unfinished.id if unfinished else new_id()


def stored_neighbours(uow: UnitOfWork, plan: ImportPlan) -> tuple[list[Appointment], set[str]]:
    """A8: the store's appointments in the rooms and over the time span of the plan's
    appointments that are not stored yet, and the external ids of those that are.

    A re-run (everything stored already) reads nothing more: its appointments were
    screened when they were first written.
    """
    keys = [a.external_id for a in plan.appointments if a.external_id]
    stored: set[str] = set()
    for i in range(0, len(keys), 2000):
        stored |= uow.appointments.existing_external_ids(keys[i : i + 2000])
    fresh = [a for a in plan.appointments if not (a.external_id and a.external_id in stored)]
    if not fresh:
        return [], stored
    start = min(a.start for a in fresh)
    end = max(a.end for a in fresh)
    rooms = sorted({a.room_id for a in fresh})
    return [a for room in rooms for a in uow.appointments.in_room(room, start, end)], stored


def screen_plan(uow: UnitOfWork, plan: ImportPlan) -> ImportPlan:
    """B5 and A8 against the store as read in ``uow``: erased clients left out, overlaps
    with appointments already in the room reported and marked. A dry run shows exactly
    what the commit would write."""
    plan = respect_erasures(plan, ErasedClients.in_store(uow))
    neighbours, stored = stored_neighbours(uow, plan)
    return with_stored_overlaps(plan, neighbours, already_stored=stored)


def dry_run(plan: ImportPlan, *, clock: Clock) -> ImportRun:
    """E3: the run a commit would record; nothing is written anywhere."""
    now = clock.now()
    return ImportRun(
        id="dry-run",
        source=plan.source,
        started_at=now,
        finished_at=now,
        window_from=plan.window_from,
        window_to=plan.window_to,
        confirmations=plan.options.confirmations,
        reminders_from=plan.options.reminders_from,
        counts=dict(plan.counts),
        status="dry_run",
    )


def commit_plan(
    store: Store,
    plan: ImportPlan,
    *,
    clock: Clock,
    actor: Actor = SYSTEM_ACTOR,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    new_id: IdFactory = new_id,
) -> tuple[ImportRun, ImportPlan]:
    """E4/E6: write ``plan`` in batches of ``batch_size`` records per transaction.

    Clients go first, so every committed appointment's client exists. Returns the finished
    :class:`ImportRun` (its id is on every record it created) and the plan as screened
    against the store (B5, A8) — what the report should describe.
    """
    now = clock.now()
    source = plan.source
    with store.unit_of_work() as uow:
        unfinished = _find_unfinished(uow, source)
        wanted = plan.import_id
        if wanted is not None and uow.import_runs.find(wanted) is not None:
            # The plan was stamped for a run that exists: resume it if unfinished, else
            # this is a re-run and gets its own id (existing records are skipped anyway).
            wanted = None
        run = unfinished or ImportRun(
            id=wanted or new_id(),
            source=source,
            started_at=now,
            window_from=plan.window_from,
            window_to=plan.window_to,
            confirmations=plan.options.confirmations,
            reminders_from=plan.options.reminders_from,
            status="running",
        )
        uow.import_runs.put(run)
        consent = plan.options.default_consent
        if consent is None:  # D4/D18: new records take the organisation's default
            organisation = uow.organisations.get(plan.options.organisation_id)
            consent = organisation.default_notification_consent
        # One read of the stored clients serves both the erasures and, for a re-run, which
        # stored record each planned client is (instead of one look-up per client).
        everyone = uow.clients.all()
        stored_ids = {c.external_id: c.id for c in everyone if c.external_id}
        # B5: clients erased on request stay erased; their appointments come as busy time.
        plan = respect_erasures(plan, ErasedClients.among(everyone, uow))
        del everyone
        # A8: overlaps with what is already in the rooms are written as conflicts.
        neighbours, stored = stored_neighbours(uow, plan)
        plan = with_stored_overlaps(plan, neighbours, already_stored=stored)
        del neighbours, stored
        for kind in plan.appointment_types:
            if uow.appointment_types.find(kind.id) is None:
                uow.appointment_types.put(kind)
        uow.commit()

    total = len(plan.clients) + len(plan.appointments)
    done = 0
    # Running totals live in the run itself and are written with each batch, so after a
    # crash the run says exactly what its committed batches created.
    counts = {
        "clients_created": run.counts.get("clients_created", 0),
        "appointments_created": run.counts.get("appointments_created", 0),
    }
    stored_client: dict[str, str] = {}  # planned client id → id in the store

    def report(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)

    if progress:
        progress(0, total)

    def save_counts(uow: UnitOfWork) -> None:
        nonlocal run
        run = attrs.evolve(run, counts=counts)
        uow.import_runs.put(run)

    for number, batch in enumerate(_batches(plan.clients, batch_size)):
        with store.unit_of_work() as uow:
            keys = {c.id: _keys_of(plan, c) for c in batch}
            present = uow.clients.existing_external_ids([k for ks in keys.values() for k in ks])
            new = []
            for client in batch:
                known = next((k for k in keys[client.id] if k in present), None)
                if known is not None:
                    # Stored before (perhaps under another of its source keys, E4).
                    existing_id = stored_ids.get(known)
                    if existing_id is None:  # stored since this commit began
                        existing = uow.clients.by_external_id(known)
                        existing_id = existing.id if existing is not None else None
                    if existing_id is not None and existing_id != client.id:
                        stored_client[client.id] = existing_id
                    continue
                new.append(_stamped(client, run.id, consent))
            uow.clients.add_many(new)
            counts["clients_created"] += len(new)
            save_counts(uow)
            _audit_batch(uow, run, actor, now, new_id, f"clients batch {number}", len(new))
            uow.commit()
        report(len(batch))

    for number, appointment_batch in enumerate(_batches(plan.appointments, batch_size)):
        with store.unit_of_work() as uow:
            present = uow.appointments.existing_external_ids(
                [a.external_id or "" for a in appointment_batch]
            )
            fresh = []
            for appointment in appointment_batch:
                if appointment.external_id in present:
                    continue
                client_id = appointment.client_id
                if client_id is not None:
                    client_id = stored_client.get(client_id, client_id)
                if appointment.import_id != run.id or client_id != appointment.client_id:
                    appointment = attrs.evolve(appointment, import_id=run.id, client_id=client_id)
                fresh.append(appointment)
            uow.appointments.add_many(fresh)
            counts["appointments_created"] += len(fresh)
            save_counts(uow)
            _audit_batch(uow, run, actor, now, new_id, f"appointments batch {number}", len(fresh))
            uow.commit()
        report(len(appointment_batch))

    with store.unit_of_work() as uow:
        # Appointments an earlier run imported and the source has deleted since: cancelled,
        # not deleted, so the history stays (A3).
        cancelled = 0
        for key in sorted(plan.deleted_keys):
            found = uow.appointments.by_external_id(key)
            if found is not None and found.status in (
                AppointmentStatus.BOOKED,
                AppointmentStatus.PROPOSED,
            ):
                uow.appointments.update(found.with_status(AppointmentStatus.CANCELLED))
                cancelled += 1
        final = dict(plan.counts) | counts
        final |= {
            "clients_existing": len(plan.clients) - counts["clients_created"],
            "appointments_existing": len(plan.appointments) - counts["appointments_created"],
            "appointments_cancelled": cancelled,
        }
        finished = attrs.evolve(run, status="committed", finished_at=clock.now(), counts=final)
        uow.import_runs.put(finished)
        uow.audit.append(
            AuditEntry(
                id=new_id(),
                at=clock.now(),
                actor_id=actor.id,
                action=AuditAction.IMPORT_COMMITTED.value,
                subject_id=run.id,
                after=final,
                note=f"{source} import {run.id} committed",
            )
        )
        uow.commit()
    return finished, plan


def _keys_of(plan: ImportPlan, client: Client) -> list[str]:
    """The client's own external id first, then those of the persons merged into it."""
    keys = [client.external_id or ""]
    keys += [key for key, _ in plan.client_sources.get(client.id, ()) if key != keys[0]]
    return keys


def _stamped(client: Client, import_id: str, consent: bool) -> Client:
    """``client`` with this run's id and the consent in force (copied only if needed: a
    plan stamped with the run's id usually has both right already)."""
    if client.import_id == import_id and client.notification_consent == consent:
        return client
    return attrs.evolve(client, import_id=import_id, notification_consent=consent)


def _audit_batch(
    uow: UnitOfWork,
    run: ImportRun,
    actor: Actor,
    now: datetime,
    new_id: IdFactory,
    what: str,
    created: int,
) -> None:
    """B3: one entry per batch names the import and what it created (the records carry
    the import id), instead of one entry per imported record."""
    if created:
        uow.audit.append(
            AuditEntry(
                id=new_id(),
                at=now,
                actor_id=actor.id,
                action=AuditAction.IMPORT_COMMITTED.value,
                subject_id=run.id,
                after={"created": created},
                note=f"{run.source} import {run.id}: {what}",
            )
        )


__all__ = [
    "DEFAULT_BATCH_SIZE",
    "Progress",
    "commit_plan",
    "dry_run",
    "next_import_id",
    "screen_plan",
]
