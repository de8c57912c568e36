"""F1: ``lemnicore store copy`` moves a whole practice between SQLite and PostgreSQL,
losslessly, verified by counts and digests, and never into a practice already there."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.access.audit import AuditEntry
from lemnicore.errors import StoreError
from lemnicore.importing.runs import ImportRun
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.notifications.service import NotificationService
from lemnicore.online.service import OnlineBooking
from lemnicore.plugins.manager import open_store
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel
from lemnicore.services.logins import ClientLogins
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice
from lemnicore.testing.transports import CapturingTransport
from lemnicore_postgres.copy import TABLES, copy_practice

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
FAR = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def a_practice_with_everything(store: Store) -> None:
    """Master data, clients, appointments (one from an online request), audit entries,
    sent and waiting messages, message history, a login, a grant, an import run, a policy."""
    practice = Practice(store, now=NOW)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna Berg")
    ben = practice.add_practitioner("Ben Kahl")
    practice.add_working_time(room, MON_FRI, time(8), time(18))
    practice.grant(anna, practice.owner(ben))
    jana = practice.add_client(
        "Berg", "Jana", email="jana@example.org", mobile="+491701234567", birthday=date(1980, 2, 29)
    )
    tom = practice.add_client("Kahl", "Tom", email="tom@example.org")
    practice.appointment(anna, room, practice.at(2026, 5, 5, 9), client_id=jana, comment="Knie")
    practice.appointment(anna, room, practice.at(2026, 5, 20, 9), client_id=tom)
    gone = practice.appointment(anna, room, practice.at(2026, 5, 6, 9), client_id=tom)
    practice.book.cancel(practice.front_desk(), gone.id, reason="krank")
    online = OnlineBooking(store, practice.clock)
    release = online.release(practice.owner(anna), room, practice.calendars[anna])
    online.request(release.token, practice.at(2026, 5, 7, 10), last_name="Neu", email="n@x.org")
    ClientLogins(store, practice.clock).create(
        practice.owner(anna), jana, "jana@example.org", "geheim-123"
    )
    practice.clock.advance(hours=2)
    notifier = NotificationService(
        store, practice.clock, [CapturingTransport()], NotificationPolicy(quiet_hours=None)
    )
    notifier.save_policy(NotificationPolicy(quiet_hours=None))
    notifier.run()
    notifier.record_manual_message(
        SYSTEM_ACTOR,
        jana,
        channel=Channel.SMS,
        address="+491701234567",
        text="Bitte Befund mitbringen",
    )
    # Booked after the run: still waiting for its confirmation (D10).
    practice.appointment(anna, room, practice.at(2026, 5, 21, 9), client_id=tom)
    with store.unit_of_work() as uow:
        uow.import_runs.put(
            ImportRun("import-1", "etermin", NOW, NOW, date(2026, 1, 1), date(2026, 12, 31),
                      counts={"clients_created": 2}, status="committed")
        )  # fmt: skip
        uow.audit.append(
            AuditEntry("audit-x", NOW, "user-x", "note.added", before={"a": [1, 2.5, None]})
        )
        uow.commit()


def everything(store: Store) -> dict[str, Any]:
    """The practice as the storage port reads it."""
    with store.unit_of_work(write=False) as uow:
        appointments = uow.appointments.starting_between(*FAR)
        clients = uow.clients.all()
        outbox = [m for s in DeliveryState for m in uow.notification_log.in_state(s)]
        return {
            "catalogs": {
                name: getattr(uow, name).all()
                for name in [
                    "organisations",
                    "branches",
                    "rooms",
                    "practitioners",
                    "calendars",
                    "appointment_types",
                    "availabilities",
                    "communities",
                    "grants",
                    "staff_accounts",
                    "client_logins",
                    "online_releases",
                    "slot_holds",
                    "import_runs",
                    "notification_policies",
                ]
            },
            "appointments": appointments,
            "clients": clients,
            "audit": uow.audit.query(),
            "outbox": outbox,
            "client history": [e for c in clients for e in uow.message_history.of_client(c.id)],
            "appointment history": [
                e for a in appointments for e in uow.message_history.of_appointment(a.id)
            ],
            "needing notice": uow.notification_log.needing_notice(*FAR),
        }


def but_the_copy_entries(practice: dict[str, Any]) -> dict[str, Any]:
    """The practice without the audit entries each copy appends to its target (B3)."""
    audit = [e for e in practice["audit"] if e.action != "store.copied"]
    return {**practice, "audit": audit}


def test_f1_sqlite_to_postgres_and_back_is_lossless_and_verified(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from lemnicore.cli import main

    source_url = f"sqlite:///{tmp_path / 'praxis.db'}"
    source = open_store(source_url)
    a_practice_with_everything(source)
    original = everything(source)
    assert original["outbox"]
    assert original["client history"]
    assert original["needing notice"]  # booked after the run, not confirmed yet
    source.close()

    assert main(["store", "copy", source_url, postgres_url]) == 0
    out, err = capsys.readouterr()
    assert "copying [" in err
    assert "audit_log" in out
    assert "notification_outbox" in out

    target = open_store(postgres_url)
    copied = everything(target)
    assert but_the_copy_entries(copied) == original
    assert [e.action for e in copied["audit"][len(original["audit"]) :]] == ["store.copied"]
    # The copied audit log goes on from where it was, and stays append-only.
    with target.unit_of_work() as uow:
        uow.audit.append(AuditEntry("after-copy", NOW, "user-x", "note.added"))
        uow.commit()
    with target.unit_of_work(write=False) as uow:
        assert uow.audit.query()[-1].id == "after-copy"
    target.close()

    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    assert main(["store", "copy", postgres_url, back_url]) == 0
    back = open_store(back_url)
    copied = everything(back)
    assert [e.action for e in copied["audit"][len(original["audit"]) :]] == [
        "store.copied",
        "note.added",
        "store.copied",
    ]
    assert but_the_copy_entries(copied)["audit"][:-1] == original["audit"]
    assert {k: v for k, v in copied.items() if k != "audit"} == {
        k: v for k, v in original.items() if k != "audit"
    }
    back.close()


def test_f1_a_target_that_is_not_empty_is_refused_unless_replaced(
    tmp_path: Path, postgres_url: str
) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'praxis.db'}")
    a_practice_with_everything(source)
    target = open_store(postgres_url)
    Practice(target, now=NOW, organisation_id="other-org")
    before = everything(target)
    with pytest.raises(StoreError, match=r"is not empty \(documents.*--replace"):
        copy_practice(source, target)
    assert everything(target) == before
    report = copy_practice(source, target, replace=True)
    assert but_the_copy_entries(everything(target)) == everything(source)
    assert {t.table for t in report.tables} == {t.name for t in TABLES}
    # Replacing a SQLite practice works the same way, audit log included.
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    Practice(other, now=NOW, organisation_id="other-org").add_client("X", email="x@x.org")
    copy_practice(target, other, replace=True)
    assert but_the_copy_entries(everything(other)) == everything(source)
    for store in (source, target, other):
        store.close()


def test_f1_f2_an_overlap_sqlite_tolerated_stops_the_copy_naming_it(
    tmp_path: Path, postgres_url: str
) -> None:
    source = open_store(f"sqlite:///{tmp_path / 'praxis.db'}")
    start = datetime(2026, 5, 4, 9, tzinfo=UTC)
    with source.unit_of_work() as uow:
        for ident in ("a-1", "a-2"):  # written past the booking service: both active
            uow.appointments.add(
                Appointment(ident, "cal", "room-1", start, start + timedelta(hours=1), "t")
            )
        uow.commit()
    target = open_store(postgres_url)
    with pytest.raises(StoreError, match=r"appointments cannot be copied.*room-1") as caught:
        copy_practice(source, target)
    assert "conflicts with" in str(caught.value)
    with target.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 0  # nothing half-written
    source.close()
    target.close()


def test_b3_a_copy_leaves_one_audit_entry_in_the_target_naming_the_source_and_counts(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """B3 × F1: copying a whole practice is audited in the target — one ``store.copied``
    entry naming the source (password masked) and the rows per table, written in the
    copy's transaction after the digests were compared (so they match the source's)."""
    from lemnicore.cli import main

    source_url = f"sqlite:///{tmp_path / 'praxis.db'}"
    source = open_store(source_url)
    a_practice_with_everything(source)
    original = everything(source)["audit"]
    source.close()
    password = "s3cret-Pw"
    for target_url, from_url in (
        (f"sqlite:///{tmp_path / 'copy.db'}", source_url),
        (postgres_url, source_url),
        (
            f"sqlite:///{tmp_path / 'back.db'}",
            postgres_url.replace("lemnicore@", f"lemnicore:{password}@"),
        ),
    ):
        assert main(["store", "copy", from_url, target_url, "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        target = open_store(target_url)
        with target.unit_of_work(write=False) as uow:
            audit = uow.audit.query()
        target.close()
        *copied, entry = audit
        assert copied[: len(original)] == original
        assert (entry.action, entry.actor_id) == ("store.copied", "cli")
        assert entry.after is not None
        assert entry.after["source"] == doc["source"]
        assert password not in json.dumps(entry.after)
        assert entry.after["rows"] == doc["rows"]
        assert entry.after["tables"] == {t["table"]: t["rows"] for t in doc["tables"]}
        # The digests printed are the source's, compared before the entry was appended.
        assert entry.after["tables"]["audit_log"] == len(copied)
    assert "lemnicore:***@" in doc["source"]
    # The source is only read: no entry there.
    source = open_store(source_url)
    assert everything(source)["audit"] == original
    source.close()
