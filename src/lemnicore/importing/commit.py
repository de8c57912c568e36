"""E3/E4/A8/B5: screening a plan against the store, the dry run, and the batched commit.

:func:`commit_plan` writes an :class:`~lemnicore.importing.plan.ImportPlan` in batches (one
transaction each) under one import id. Records already in the store (same external id) are
left as they are, so re-running an import — also after a crash half-way — adds exactly
what is missing and changes nothing else (E4). An interrupted run stays ``running`` and the
next commit of the same source resumes it under the same import id. Clients erased on
request are never written again (B5), and planned appointments that overlap appointments
already in the room are written as conflicts (A8). Nothing here knows the source system.

A plan may carry clients' logins (C6, written with their clients), ask that the stored
contacts be deleted first (E7: their appointments stay, unlinked; done in the commit's
first transaction, together with creating the run, so a resumed run does not delete
again) and be all-or-nothing (E7: any faulty record and the commit refuses before it
writes anything).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.clock import Clock
from lemnicore.errors import ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.importing.erasures import ErasedClients, respect_erasures
from lemnicore.importing.issues import MERGED, SKIPPED, WARNING, FaultyRecordsError, Issue, Merge
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
    """B5, C6 and A8 against the store as read in ``uow``: erased clients left out, login
    ids the store has already reported as faulty, overlaps with appointments already in
    the room reported and marked, the contacts a ``delete_existing`` plan would delete
    counted. A dry run shows exactly what the commit would write."""
    everyone = uow.clients.all()
    plan = respect_erasures(plan, ErasedClients.among(everyone, uow))
    plan = screen_logins(uow, plan)
    if not plan.delete_existing:
        plan = screen_stored_emails(everyone, plan)
    if plan.delete_existing:
        plan = attrs.evolve(plan, counts=dict(plan.counts) | deletion_preview(uow))
    neighbours, stored = stored_neighbours(uow, plan)
    return with_stored_overlaps(plan, neighbours, already_stored=stored)


def screen_logins(uow: UnitOfWork, plan: ImportPlan) -> ImportPlan:
    """C6/E7: a planned login whose login id the store has already makes its record faulty
    (a ``skipped`` issue naming it; client and login left out) — unless the planned client
    is in the store already (same external id: a re-run, which leaves it as it is). With
    ``delete_existing`` there is nothing to check: stored logins go with their clients."""
    if not plan.logins or plan.delete_existing:
        return plan
    taken = {login.id for login in uow.client_logins.all()}
    clashing = [login for login in plan.logins if login.id in taken]
    if not clashing:
        return plan
    by_id = {c.id: c for c in plan.clients}
    keys = [
        key
        for login in clashing
        if login.client_id in by_id and (key := by_id[login.client_id].external_id)
    ]
    known = uow.clients.existing_external_ids(keys) if keys else set[str]()
    dropped: set[str] = set()
    issues: list[Issue] = []
    for login in clashing:
        client = by_id.get(login.client_id)
        if client is None or (client.external_id and client.external_id in known):
            continue
        dropped.add(client.id)
        sources = plan.client_sources.get(client.id, ())
        record = sources[0][1] if sources else client.id
        issues.append(Issue("client", record, "login_id", f"{login.id!r} exists already", SKIPPED))
    if not dropped:
        return plan
    all_issues = (*plan.issues, *issues)
    clients = tuple(c for c in plan.clients if c.id not in dropped)
    return attrs.evolve(
        plan,
        clients=clients,
        logins=tuple(login for login in plan.logins if login.client_id not in dropped),
        client_sources={k: v for k, v in plan.client_sources.items() if k not in dropped},
        issues=all_issues,
        counts=dict(plan.counts)
        | {
            "clients": len(clients),
            "logins": len(plan.logins) - len(dropped),
            "login_ids_taken": len(dropped),
            "issues": len(all_issues),
            "faulty_records": sum(1 for i in all_issues if i.action == SKIPPED),
        },
    )


IN_STORE_BY_EMAIL = "already in the store by e-mail"
"""E4: the reason of a planned client taken as a stored one (same e-mail and name)."""
LOGIN_NOT_CREATED = "its login not created"


def _name(client: Client) -> str:
    return " ".join(f"{client.first_name} {client.last_name}".casefold().split())


def screen_stored_emails(stored: Sequence[Client], plan: ImportPlan) -> ImportPlan:
    """E4 "else same normalised e-mail", against the store, for a ``match_stored_by_email``
    plan. Pure over ``stored`` (the store's clients).

    A planned client none of whose keys the store has, whose e-mail address (case and
    blanks ignored) and name a stored, not erased client of the organisation has, is that
    client: it is left out (with its login) and the stored client is left exactly as it is
    — an import never overwrites data entered by hand — and the record is reported as
    merged into ``client <id>``. The same e-mail with another name (parents and children
    often share one address) is conflicting data: the planned client is imported and
    reported as a possible duplicate. Erased clients have no e-mail address left (B5).
    """
    if not plan.match_stored_by_email or not plan.clients:
        return plan
    organisation = plan.options.organisation_id
    candidates = [
        c for c in stored if c.email and not c.erased and c.organisation_id == organisation
    ]
    if not candidates:
        return plan
    planned_keys = {k for c in plan.clients for k in _keys_of(plan, c) if k}
    stored_keys = {c.external_id for c in stored if c.external_id}
    by_email: dict[str, list[Client]] = {}
    for client in candidates:
        if client.external_id and client.external_id in planned_keys:
            # This plan's own client (a re-run, or a batch written before a crash): the
            # file decides about it, so a resumed run keeps apart what a clean one does.
            continue
        by_email.setdefault((client.email or "").strip().casefold(), []).append(client)
    if not by_email:
        return plan
    dropped: set[str] = set()
    issues: list[Issue] = []
    merges: list[Merge] = []
    possible: list[Merge] = []
    with_login = {x.client_id for x in plan.logins}
    for client in plan.clients:
        found = by_email.get(client.email.strip().casefold()) if client.email else None
        if not found or any(k in stored_keys for k in _keys_of(plan, client)):
            continue  # not there, or recognised by its key (a re-run: left as it is anyway)
        sources = plan.client_sources.get(client.id, ())
        record = sources[0][1] if sources else client.id
        same = [c for c in found if _name(c) == _name(client)]
        if same:
            dropped.add(client.id)
            kept = f"client {same[0].id}"
            merges.append(Merge(f"same e-mail and name ({IN_STORE_BY_EMAIL})", kept, record))
            reason = f"same client as {kept} ({IN_STORE_BY_EMAIL}), left as it is"
            if client.id in with_login:
                reason += f"; {LOGIN_NOT_CREATED}"
            issues.append(Issue("client", record, "email", reason, MERGED))
        else:
            kept = f"client {found[0].id}"
            rule = "possible duplicate: same e-mail as a client in the store, but different names"
            possible.append(Merge(rule, kept, record))
            issues.append(Issue("client", record, "client", f"{rule} (see {kept})", WARNING))
    if not issues:
        return plan
    all_issues = (*plan.issues, *issues)
    clients = tuple(c for c in plan.clients if c.id not in dropped)
    logins = tuple(x for x in plan.logins if x.client_id not in dropped)
    return attrs.evolve(
        plan,
        clients=clients,
        logins=logins,
        client_sources={k: v for k, v in plan.client_sources.items() if k not in dropped},
        issues=all_issues,
        merges=(*plan.merges, *merges),
        possible_duplicates=(*plan.possible_duplicates, *possible),
        counts=dict(plan.counts)
        | {
            "clients": len(clients),
            "logins": len(logins),
            "clients_in_store_by_email": len(dropped),
            "possible_duplicates": len(plan.possible_duplicates) + len(possible),
            "issues": len(all_issues),
        },
    )


def deletion_preview(uow: UnitOfWork) -> dict[str, int]:
    """E7: what :func:`delete_existing_clients` would delete and keep; writes nothing."""
    clients = [c for c in uow.clients.all() if not c.erased]
    kept = sum(len(uow.appointments.of_client(c.id)) for c in clients)
    return {"clients_deleted": len(clients), "appointments_kept": kept}


def delete_existing_clients(
    uow: UnitOfWork, *, run: ImportRun, now: datetime, actor: Actor, new_id: IdFactory
) -> dict[str, int]:
    """E7: delete every client not erased on request (B5: the erased record stays, so no
    import brings the person back) and their logins; keep their appointments, each
    unlinked (``client_id=None``) with a comment line naming the former client, so the
    calendar still shows who came and no appointment points at a deleted record. Each
    deletion is audited (``client.deleted``)."""
    logins: dict[str, list[str]] = {}
    for login in uow.client_logins.all():
        logins.setdefault(login.client_id, []).append(login.id)
    deleted = kept = 0
    for client in uow.clients.all():
        if client.erased:
            continue
        for appointment in uow.appointments.of_client(client.id):
            note = f"Former client: {client.display_name} (contact deleted {now.date()})"
            comment = "\n".join(p for p in (appointment.comment, note) if p)
            uow.appointments.update(attrs.evolve(appointment, client_id=None, comment=comment))
            kept += 1
        for login_id in logins.get(client.id, ()):
            uow.client_logins.remove(login_id)
        uow.clients.delete(client.id)
        uow.audit.append(
            AuditEntry(
                id=new_id(),
                at=now,
                actor_id=actor.id,
                action=AuditAction.CLIENT_DELETED.value,
                client_id=client.id,
                subject_id=run.id,
                note=f"deleted before {run.source} import {run.id} (E7); appointments kept",
            )
        )
        deleted += 1
    return {"clients_deleted": deleted, "appointments_kept": kept}


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

    Clients go first (with their logins), so every committed appointment's client exists.
    An ``all_or_nothing`` plan with a faulty record (or a login id the store has already)
    raises :class:`~lemnicore.importing.issues.FaultyRecordsError` before anything is
    written. Returns the finished
    :class:`ImportRun` (its id is on every record it created) and the plan as screened
    against the store (B5, A8) — what the report should describe.
    """
    now = clock.now()
    source = plan.source
    with store.unit_of_work() as uow:
        plan = screen_logins(uow, plan)
        if plan.all_or_nothing and plan.faulty_records:
            raise FaultyRecordsError(plan.faulty_records)
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
        if plan.delete_existing and unfinished is None:
            # E7: in the run's first transaction — a resumed run does not delete again.
            deletion = delete_existing_clients(uow, run=run, now=now, actor=actor, new_id=new_id)
            run = attrs.evolve(run, counts=deletion)
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
        # E4: a contact the store has by e-mail and name (entered by hand) is left as it is.
        plan = screen_stored_emails(everyone, plan)
        del everyone
        # A8: overlaps with what is already in the rooms are written as conflicts.
        neighbours, stored = stored_neighbours(uow, plan)
        plan = with_stored_overlaps(plan, neighbours, already_stored=stored)
        del neighbours, stored
        for kind in plan.appointment_types:
            stored_type = uow.appointment_types.find(kind.id)
            if stored_type is None:
                uow.appointment_types.put(kind)
            elif not stored_type.usable_by(plan.options.organisation_id):
                # B1: never book imported records with another practice's type; say no
                # more than that the id is taken (rolled back: nothing written yet).
                raise ValidationError("type_id", f"{kind.id!r} is taken", record="import types")
        uow.commit()

    total = len(plan.clients) + len(plan.appointments)
    done = 0
    # Running totals live in the run itself and are written with each batch, so after a
    # crash the run says exactly what its committed batches created.
    counts = dict(run.counts) | {
        "clients_created": run.counts.get("clients_created", 0),
        "appointments_created": run.counts.get("appointments_created", 0),
    }
    if plan.logins:
        counts["logins_created"] = run.counts.get("logins_created", 0)
    login_of = {login.client_id: login for login in plan.logins}
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
            what = f"clients batch {number}"
            if login_of:
                logins = [login_of[c.id] for c in new if c.id in login_of]
                # Idempotent: a login id stored since the plan was screened is left as it is.
                fresh_logins = [x for x in logins if uow.client_logins.find(x.id) is None]
                for login in fresh_logins:
                    uow.client_logins.put(login)
                counts["logins_created"] += len(fresh_logins)
                what += f" with {len(fresh_logins)} logins"
            save_counts(uow)
            _audit_batch(uow, run, actor, now, new_id, what, len(new))
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
    "delete_existing_clients",
    "deletion_preview",
    "dry_run",
    "next_import_id",
    "screen_logins",
    "screen_plan",
    "screen_stored_emails",
]
