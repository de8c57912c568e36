"""D16–D18 × E end to end: a takeover over loopback into SQLite, then the notification
service's dry run (``NotificationService.plan``) on what was imported.

The account: Anna Weber (contact c-1) with appointments on 20 April (past), 5 May
(tomorrow), 12 May and 10 June 2026; Ben Koch (contact c-2) with one on 13 May. The
takeover runs on Monday 4 May 2026, 09:00 in Berlin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore import SYSTEM_ACTOR, SqliteStore
from lemnicore.importing.runs import CONFIRMATIONS_FUTURE, CONFIRMATIONS_NONE
from lemnicore.notifications.planner import RunPlan, SkipReason
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.service import NotificationService
from lemnicore.testing import Practice
from lemnicore.testing.transports import CapturingTransport
from lemnicore_etermin.plan import plan_takeover, record_id_for
from lemnicore_etermin.takeover import EterminImporter, commit_takeover
from lemnicore_etermin.testing import EterminAccount, FakeEterminServer
from lemnicore_etermin.testing.samples import CALENDARS, appointment

from .conftest import NOW, TODAY, options

CONFIRMATION, REMINDER = MessageKind.CONFIRMATION, MessageKind.REMINDER
JUNE_1 = date(2026, 6, 1)
POLICY = NotificationPolicy(quiet_hours=None)


def anna(ident: int, start: str, end: str) -> dict[str, Any]:
    return appointment(ident, start, end, FirstName="Anna", LastName="Weber")


def ben(ident: int, start: str, end: str) -> dict[str, Any]:
    return appointment(
        ident, start, end, FirstName="Ben", LastName="Koch", Email="ben.koch@example.org"
    )


@pytest.fixture
def account() -> EterminAccount:
    return EterminAccount(
        calendars=CALENDARS,
        contacts=[
            {
                "CID": 1,
                "ExternalID": "c-1",
                "FirstName": "Anna",
                "LastName": "Weber",
                "Email": "anna.weber@example.org",
            },
            {
                "CID": 2,
                "ExternalID": "c-2",
                "FirstName": "Ben",
                "LastName": "Koch",
                "Email": "ben.koch@example.org",
            },
        ],
        appointments=[
            anna(11, "2026-04-20T09:00:00", "2026-04-20T09:30:00"),
            anna(16, "2026-05-05T10:00:00", "2026-05-05T10:30:00"),
            anna(12, "2026-05-12T09:00:00", "2026-05-12T09:30:00"),
            anna(14, "2026-06-10T09:00:00", "2026-06-10T09:30:00"),
            ben(13, "2026-05-13T10:00:00", "2026-05-13T10:30:00"),
        ],
    )


@pytest.fixture
def fake(account: EterminAccount) -> Iterator[FakeEterminServer]:
    with FakeEterminServer(account) as server:
        yield server


@pytest.fixture
def practice_in(tmp_path: Path) -> Iterator[Callable[..., Practice]]:
    """Builds a practice in a SQLite file whose organisation's default consent is as given
    (D4); closes the store afterwards."""
    stores: list[SqliteStore] = []

    def build(*, default_consent: bool) -> Practice:
        store = SqliteStore(tmp_path / f"practice-{len(stores)}.db")
        stores.append(store)
        practice = Practice(store, now=NOW, default_consent=default_consent)
        practice.add_room("Raum 1")
        practice.add_room("Raum 2")
        practice.add_practitioner("Frau Koch")
        return practice

    yield build
    for store in stores:
        store.close()


def take_over(
    fake: FakeEterminServer, account: EterminAccount, practice: Practice, **chosen: Any
) -> None:
    opts = options(practice, **chosen)
    with EterminImporter.connect(
        account.public_key, account.private_key, base_url=fake.base_url
    ) as importer:
        fetched = importer.fetch(opts, today=TODAY)
    plan = plan_takeover(fetched, opts, today=TODAY, now=NOW)
    run = commit_takeover(practice.store, plan, clock=practice.clock)
    with practice.store.unit_of_work(write=False) as uow:
        stored = uow.import_runs.get(run.id)
    # D16/D17 are on the stored run, where the planner reads them.
    assert (stored.confirmations, stored.reminders_from) == (
        opts.confirmations,
        opts.reminders_from,
    )


def ext(ident: int) -> str:
    """The lemnicore id of eTermin appointment ``ident``."""
    return record_id_for(f"etermin:appointment:ext-{ident}")


def client_id(practice: Practice, contact: str) -> str:
    with practice.store.unit_of_work(write=False) as uow:
        found = uow.clients.by_external_id(f"etermin:contact:{contact}")
    assert found is not None
    return found.id


def due(plan: RunPlan) -> set[tuple[MessageKind, str, tuple[str, ...]]]:
    """What the run would send: (kind, client, appointment ids)."""
    return {(m.kind, m.client_id, tuple(sorted(a.id for a in m.appointments))) for m in plan.due}


def dry_run_at(practice: Practice, when: datetime, *, verbose: bool = False) -> RunPlan:
    notifier = NotificationService(practice.store, practice.clock, [], POLICY)
    return notifier.plan(when, verbose=verbose)


def reasons(plan: RunPlan, appointment_id: str, kind: MessageKind) -> set[SkipReason]:
    return {s.reason for s in plan.skips_for(appointment_id) if s.kind is kind}


def test_d16_d17_d18_imported_future_appointments_are_confirmed_for_consenting_clients_and_reminded_from_x(
    fake: FakeEterminServer, account: EterminAccount, practice_in: Callable[..., Practice]
) -> None:
    practice = practice_in(default_consent=True)
    take_over(fake, account, practice, confirmations=CONFIRMATIONS_FUTURE, reminders_from=JUNE_1)
    anna_id, ben_id = client_id(practice, "c-1"), client_id(practice, "c-2")
    # D4: imported records take the organisation's default consent (on); Ben says no.
    assert practice.client(anna_id).notification_consent
    practice.clients.set_consent(SYSTEM_ACTOR, [ben_id], False)

    # Two hours after the import (D4's hour has passed): one confirmation for Anna, listing
    # her future appointments from tomorrow on — not the past one; nothing for Ben.
    plan = dry_run_at(practice, NOW + timedelta(hours=2), verbose=True)
    assert due(plan) == {(CONFIRMATION, anna_id, tuple(sorted([ext(16), ext(12), ext(14)])))}
    assert SkipReason.NO_CONSENT in reasons(plan, ext(13), CONFIRMATION)
    # The real run sends just that.
    practice.clock.set(NOW + timedelta(hours=2))
    transport = CapturingTransport()
    NotificationService(practice.store, practice.clock, [transport], POLICY).run()
    assert [m.address for m in transport.delivered] == ["anna.weber@example.org"]

    # D17: 12 May is before X = 1 June, so its reminder is never due …
    plan = dry_run_at(practice, practice.at(2026, 5, 11, 9, 30), verbose=True)
    assert not [m for m in plan.due if m.kind is REMINDER]
    assert SkipReason.IMPORTED_NOT_REMINDED in reasons(plan, ext(12), REMINDER)
    # … 10 June is on/after X: reminded 24 hours before.
    plan = dry_run_at(practice, practice.at(2026, 6, 9, 8, 30))
    assert (REMINDER, anna_id, (ext(14),)) in due(plan)


def test_d16_with_confirmations_none_imported_appointments_are_never_confirmed_even_after_a_move(
    fake: FakeEterminServer, account: EterminAccount, practice_in: Callable[..., Practice]
) -> None:
    practice = practice_in(default_consent=True)
    take_over(fake, account, practice, confirmations=CONFIRMATIONS_NONE, reminders_from=JUNE_1)
    plan = dry_run_at(practice, NOW + timedelta(hours=2), verbose=True)
    assert not [m for m in plan.due if m.kind is CONFIRMATION]
    assert SkipReason.IMPORTED_NOT_CONFIRMED in reasons(plan, ext(12), CONFIRMATION)

    # A significant reschedule (A6, D9) resets the confirmation state — but D16 holds.
    owner = practice.owner(next(iter(practice.calendars)))
    moved = practice.book.move(owner, ext(12), start=practice.at(2026, 5, 14, 10))
    assert moved.sequence == 1
    plan = dry_run_at(practice, NOW + timedelta(hours=3), verbose=True)
    assert not [m for m in plan.due if m.kind is CONFIRMATION]
    assert SkipReason.IMPORTED_NOT_CONFIRMED in reasons(plan, ext(12), CONFIRMATION)


def test_d18_with_the_organisations_default_consent_off_nothing_is_planned_until_consent_plus_an_hour(
    fake: FakeEterminServer, account: EterminAccount, practice_in: Callable[..., Practice]
) -> None:
    practice = practice_in(default_consent=False)
    take_over(fake, account, practice, confirmations=CONFIRMATIONS_FUTURE, reminders_from=TODAY)
    anna_id = client_id(practice, "c-1")
    assert not practice.client(anna_id).notification_consent

    assert due(dry_run_at(practice, NOW + timedelta(hours=2))) == set()

    # Staff switch Anna on at 12:00 (T). Her reminder for tomorrow 10:00 was due today at
    # 10:00, before T + 1 hour: skipped, not sent late (D4).
    switched_on = practice.at(2026, 5, 4, 12)
    practice.clock.set(switched_on)
    practice.clients.set_consent(SYSTEM_ACTOR, [anna_id], True)

    plan = dry_run_at(practice, switched_on + timedelta(minutes=30), verbose=True)
    assert due(plan) == set()
    assert SkipReason.CHANGED_TOO_RECENTLY in reasons(plan, ext(12), CONFIRMATION)

    plan = dry_run_at(practice, switched_on + timedelta(hours=1))
    assert due(plan) == {(CONFIRMATION, anna_id, tuple(sorted([ext(16), ext(12), ext(14)])))}
    later = dry_run_at(practice, practice.at(2026, 5, 4, 20), verbose=True)
    assert not [m for m in later.due if m.kind is REMINDER]
    assert reasons(later, ext(16), REMINDER) == {SkipReason.CHANGED_TOO_RECENTLY}
