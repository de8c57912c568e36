"""E1–E6: fetching from eTermin, the dry run, and the batched, idempotent commit.

:class:`EterminImporter` is the importer plugin (E1): it lists calendars and fetches an
account. :func:`commit_takeover` writes a :class:`~lemnicore_etermin.plan.TakeoverPlan` in
batches (one transaction each) under one import id. Records already in the store (same
external id) are left as they are, so re-running an import — also after a crash half-way —
adds exactly what is missing and changes nothing else (E4). An interrupted run stays
``running`` and the next commit resumes it under the same import id. Clients erased on
request are never written again (B5, :mod:`lemnicore_etermin.erasures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.clock import Clock
from lemnicore.ids import IdFactory, new_id
from lemnicore.importing import commit as importing_commit
from lemnicore.importing.commit import DEFAULT_BATCH_SIZE, Progress
from lemnicore.importing.runs import ImportRun
from lemnicore.storage.ports import Store
from lemnicore_etermin.api import DEFAULT_BASE_URL, EterminClient, month_chunks
from lemnicore_etermin.plan import (
    SOURCE,
    AccountReader,
    FetchedAccount,
    TakeoverOptions,
    TakeoverPlan,
    check_mapped_calendars,
)


class EterminImporter:
    """The eTermin importer (E1): implements :class:`lemnicore.importing.ports.Importer`."""

    name = SOURCE

    def __init__(self, client: EterminClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls, public_key: str, private_key: str, *, base_url: str = DEFAULT_BASE_URL, **kw: Any
    ) -> EterminImporter:
        """Keys are held in memory for this importer's life only (E1)."""
        return cls(EterminClient(public_key, private_key, base_url=base_url, **kw))

    def __repr__(self) -> str:
        return f"EterminImporter({self.client!r})"

    def __enter__(self) -> EterminImporter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def list_calendars(self) -> list[Mapping[str, Any]]:
        """E1: the account's calendars, for the calendar → room mapping."""
        return list(self.client.calendars())

    def fetch(
        self, options: TakeoverOptions, *, today: date, progress: Progress | None = None
    ) -> FetchedAccount:
        """Read calendars, contacts, the window's appointments (a month per request) and
        the deleted-appointments feed.

        E6: ``progress`` counts *records* read. eTermin says nothing about how many will
        come, so the total is what was read plus, for the months still to fetch, the
        average month so far; it is exact when the fetch ends.
        """
        reader = AccountReader(options.time_zone)
        first, last = options.window(today)
        end = last + timedelta(days=1)  # eTermin's end is exclusive
        # Deletions of appointments in the window can only have happened up to today.
        deleted_end = max(end, today + timedelta(1))
        months_left = len(month_chunks(first, end)) + len(month_chunks(first, deleted_end))
        read = months_read = 0

        def step(records: int, *, month: bool = True) -> None:
            nonlocal read, months_read, months_left
            read += records
            if month:
                months_read += 1
                months_left -= 1
            if progress:
                per_month = read / months_read if months_read else 0
                progress(read, read + round(per_month * months_left))

        calendars = self.client.calendars()
        check_mapped_calendars(calendars, options)  # before the long part of the fetch
        reader.add_calendars(calendars)
        step(len(calendars), month=False)
        contacts = self.client.contacts()
        reader.add_contacts(contacts)
        step(len(contacts), month=False)
        del contacts
        for _, records in self.client.appointments_by_month(
            first, end, options.source_calendar_ids
        ):
            reader.add_appointments(records)
            step(len(records))
        for _, records in self.client.deleted_by_month(first, deleted_end):
            reader.add_deleted(records)
            step(len(records))
        return reader.result()

    def close(self) -> None:
        self.client.close()


def next_import_id(store: Store, *, new_id: IdFactory = new_id) -> str:
    """The id the next commit will use: an interrupted eTermin run's (to resume it), or a
    new one. Pass it to :func:`~lemnicore_etermin.plan.plan_takeover`."""
    return importing_commit.next_import_id(store, SOURCE, new_id=new_id)


def dry_run(plan: TakeoverPlan, *, clock: Clock) -> ImportRun:
    """E3: the run a commit would record; nothing is written anywhere."""
    return importing_commit.dry_run(plan, clock=clock)


def commit_takeover(
    store: Store,
    plan: TakeoverPlan,
    *,
    clock: Clock,
    actor: Actor = SYSTEM_ACTOR,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    new_id: IdFactory = new_id,
) -> ImportRun:
    """E4/E6: write ``plan`` in batches of ``batch_size`` records per transaction, through
    the shared pipeline's :func:`~lemnicore.importing.commit.commit_plan`.

    Returns the finished :class:`ImportRun`; its id is on every record it created.
    """
    run, _ = importing_commit.commit_plan(
        store,
        plan,
        clock=clock,
        actor=actor,
        batch_size=batch_size,
        progress=progress,
        new_id=new_id,
    )
    return run
