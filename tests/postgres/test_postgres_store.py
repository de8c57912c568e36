"""F1–F4, B3, B5: what the PostgreSQL store adds to the storage contract."""

from __future__ import annotations

import json
import multiprocessing
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lemnicore.access.audit import AuditEntry
from lemnicore.errors import OverlapError, StoreError
from lemnicore.plugins.manager import open_store
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.practice import AppointmentType
from lemnicore.services.erasure import ClientErasure, WipeState
from lemnicore.storage.sqlite.rows import DOCUMENTS
from lemnicore.testing import Practice
from lemnicore_postgres import PostgresStore
from lemnicore_postgres.schema import MIGRATIONS
from lemnicore_postgres.store import ERASURE_TABLES, masked_url
from lemnicore_postgres.testing import PostgresCluster

NOW = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
NINE = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def appt(ident: str, start: datetime, minutes: int = 60, **more: Any) -> Appointment:
    return Appointment(
        ident,
        "cal-1",
        more.pop("room_id", "room-1"),
        start,
        start + timedelta(minutes=minutes),
        "t",
        **more,
    )


@pytest.fixture
def store(postgres_url: str) -> Iterator[PostgresStore]:
    opened = PostgresStore(postgres_url)
    yield opened
    opened.close()


def with_password(url: str, password: str) -> str:
    return url.replace("lemnicore@", f"lemnicore:{password}@")


# -- opening and migrating --------------------------------------------------------------------


def test_f1_both_schemes_open_through_the_plugin_hook_and_the_password_is_masked(
    postgres_url: str,
) -> None:
    secret = with_password(postgres_url, "Geheim-4711")  # trust auth ignores it
    for url in (secret, secret.replace("postgresql://", "postgres://")):
        store = open_store(url)
        try:
            assert isinstance(store, PostgresStore)
            assert "Geheim" not in store.url
            assert ":***@" in store.url
        finally:
            store.close()


def test_f1_an_unreachable_server_is_a_store_error_naming_the_url_without_password() -> None:
    url = "postgresql://praxis:Geheim-4711@127.0.0.1:1/praxis"
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert "postgresql://praxis:***@127.0.0.1:1/praxis" in str(caught.value)
    assert "Geheim" not in str(caught.value)
    assert masked_url("postgresql://h/db") == "postgresql://h/db"


def open_and_report(url: str, barrier: Any, results: Any) -> None:
    barrier.wait(timeout=60)
    store = PostgresStore(url)
    results.put([(m.area, m.version) for m in store.applied_migrations])
    store.close()


def test_f3_four_processes_opening_a_new_database_at_once_migrate_it_once(
    postgres_url: str,
) -> None:
    ctx = multiprocessing.get_context("fork")  # no connection and no thread open here
    barrier, results = ctx.Barrier(4), ctx.Queue()
    children = [
        ctx.Process(target=open_and_report, args=(postgres_url, barrier, results)) for _ in range(4)
    ]
    for child in children:
        child.start()
    applied = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=30)
    assert [c.exitcode for c in children] == [0] * 4
    # One process did every migration; the others found the work done.
    assert sorted(applied, key=len) == [[], [], [], [(m.area, m.version) for m in MIGRATIONS]]
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (
            len(MIGRATIONS),
        )


def test_f3_a_database_from_a_newer_lemnicore_is_refused_naming_it(postgres_url: str) -> None:
    PostgresStore(postgres_url).close()
    with psycopg.connect(postgres_url) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (area, version, description) VALUES ('core', 99, 'x')"
        )
    secret = with_password(postgres_url, "Geheim-4711")
    with pytest.raises(StoreError, match=r"core 99.*newer") as caught:
        PostgresStore(secret)
    assert ":***@" in str(caught.value)
    assert "Geheim" not in str(caught.value)


# -- F2: no double booking by construction ----------------------------------------------------


def test_f2_the_database_itself_refuses_an_overlap_naming_the_appointment_in_the_way(
    store: PostgresStore, postgres_url: str
) -> None:
    with store.unit_of_work() as uow:
        uow.appointments.add(appt("a-1", NINE))
        uow.appointments.add(appt("gone", NINE, status=AppointmentStatus.CANCELLED))
        uow.appointments.add(appt("allowed", NINE, double_booked=True))
        uow.appointments.add(appt("next", NINE + HOUR))  # back to back: no overlap
        uow.commit()
    with store.unit_of_work() as uow:
        with pytest.raises(OverlapError) as caught:
            uow.appointments.add(appt("a-2", NINE + timedelta(minutes=30)))
        assert caught.value.conflicting_ids == ("a-1", "next")
        # Nothing of this unit of work may be stored after the refusal.
        with pytest.raises(StoreError, match="rolled back"):
            uow.commit()
    # Not even plain SQL gets past it.
    with psycopg.connect(postgres_url) as conn, pytest.raises(psycopg.errors.ExclusionViolation):
        conn.execute(
            "INSERT INTO appointments (id, calendar_id, room_id, start_at, end_at, type_id, status)"
            " VALUES ('sql', 'c', 'room-1', %s, %s, 't', 'booked')",
            (NINE, NINE + HOUR),
        )


def test_f2_moving_into_an_occupied_time_is_refused_too(store: PostgresStore) -> None:
    with store.unit_of_work() as uow:
        uow.appointments.add(appt("a-1", NINE))
        uow.appointments.add(appt("a-2", NINE + 2 * HOUR))
        uow.commit()
    with store.unit_of_work() as uow, pytest.raises(OverlapError, match="a-1"):
        uow.appointments.update(appt("a-2", NINE + timedelta(minutes=45)))


def test_f2_a_writer_looking_at_a_room_holds_it_until_it_commits(store: PostgresStore) -> None:
    """Check-then-insert of two writers on one room cannot interleave (the SQLite store
    gets this from its single writer; PostgreSQL from a lock per room)."""
    events: list[str] = []
    looked = threading.Event()

    def second() -> None:
        looked.wait(10)
        with store.unit_of_work() as uow:
            found = uow.appointments.in_room("room-1", NINE, NINE + HOUR)
            events.append(f"second saw {len(found)}")

    with store.unit_of_work() as uow:
        uow.appointments.in_room("room-1", NINE, NINE + HOUR)
        thread = threading.Thread(target=second)
        thread.start()
        looked.set()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the room
        uow.appointments.add(appt("a-1", NINE))
        events.append("first committed")
        uow.commit()
    thread.join(10)
    assert events == ["first committed", "second saw 1"]


# -- F4: outbox claims ------------------------------------------------------------------------


def test_f4_a_worker_skips_outbox_rows_another_worker_holds(store: PostgresStore) -> None:
    from lemnicore.notifications.policy import MessageKind
    from lemnicore.notifications.ports import OutboxMessage
    from lemnicore.scheduling.clients import Channel

    with store.unit_of_work() as uow:
        for n in (1, 2):
            uow.notification_log.add(
                OutboxMessage(
                    f"m-{n}",
                    f"key-{n}",
                    MessageKind.MANUAL,
                    None,
                    (),
                    Channel.EMAIL,
                    "a@example.org",
                    "Hallo",
                    NOW,
                    NOW,
                )
            )
        uow.commit()
    seen: list[list[str]] = []
    with store.unit_of_work() as first:
        assert [m.id for m in first.notification_log.ready(NOW)] == ["m-1", "m-2"]

        def other_worker() -> None:
            with store.unit_of_work() as second:
                seen.append([m.id for m in second.notification_log.ready(NOW)])
            with store.unit_of_work(write=False) as reader:  # reading takes no claim
                seen.append([m.id for m in reader.notification_log.ready(NOW)])

        thread = threading.Thread(target=other_worker)
        thread.start()
        thread.join(10)
    assert seen == [[], ["m-1", "m-2"]]


# -- B3: the audit log in SQL -----------------------------------------------------------------


def test_b3_b5_sql_cannot_rewrite_or_delete_the_audit_log_only_erasure_may_redact(
    store: PostgresStore, postgres_url: str
) -> None:
    with store.unit_of_work() as uow:
        uow.audit.append(
            AuditEntry("e-1", NOW, "user-desk", "client.changed", client_id="c-1",
                       before={"email": "a@x.org"}, after={"email": "b@x.org"}, note="call")
        )  # fmt: skip
        uow.commit()
    refused = (
        "UPDATE audit_log SET actor_id = 'someone else'",
        'UPDATE audit_log SET after = \'{"email": "c@x.org"}\'',
        'UPDATE audit_log SET after = \'{"other": "[erased]"}\'',
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    )
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for statement in refused:
            with pytest.raises(psycopg.errors.RaiseException, match=r"append-only.*B3"):
                conn.execute(statement)
    with store.unit_of_work() as uow:
        # B5: only an erased client's audit values may be blanked.
        uow.clients.add(Client("c-1", "org-1", "[erased]", erased=True))
        assert uow.audit.redact_for_client("c-1") == 1
        uow.commit()
    with store.unit_of_work(write=False) as uow:
        (entry,) = uow.audit.query()
    assert (entry.actor_id, entry.action, entry.client_id) == ("user-desk", "client.changed", "c-1")
    assert (entry.before, entry.after, entry.note) == (
        {"email": "[erased]"},
        {"email": "[erased]"},
        "[erased]",
    )


# -- B5: erasure leaves no row version behind --------------------------------------------------

EMAIL = "philippa.zwetschgenbaum@example.org"
NAME = "Zwetschgenbaum"


def row_versions_holding(conn: psycopg.Connection[Any], needle: str) -> list[str]:
    """Every tuple — live or dead — of the erasure tables, their TOAST tables and B-tree
    indexes whose bytes contain ``needle`` (read page by page with pageinspect)."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
    conn.execute("CHECKPOINT")
    hits: list[str] = []
    relations = conn.execute(
        "SELECT c.oid::regclass::text, c.relkind FROM pg_class AS c"
        " WHERE c.oid IN (SELECT oid FROM pg_class WHERE relname = ANY(%(t)s)"
        "   UNION SELECT reltoastrelid FROM pg_class WHERE relname = ANY(%(t)s)"
        "   UNION SELECT indexrelid FROM pg_index WHERE indrelid IN"
        "     (SELECT oid FROM pg_class WHERE relname = ANY(%(t)s)))"
        " AND c.relkind IN ('r', 't', 'i') AND c.relam IN (0, 2, 403)",
        {"t": list(ERASURE_TABLES)},
    ).fetchall()
    pattern = needle.encode().hex()
    for name, kind in relations:
        pages = conn.execute(
            "SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::int", (name,)
        ).fetchone()
        assert pages is not None
        for page in range(int(pages[0])):
            if kind == "i":
                if page == 0:
                    continue  # the B-tree metapage
                rows = conn.execute(
                    "SELECT encode(decode(replace(data, ' ', ''), 'hex'), 'hex')"
                    " FROM bt_page_items(%s, %s)",
                    (name, page),
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT encode(t_data, 'hex') FROM heap_page_items(get_raw_page(%s, %s))"
                    " WHERE t_data IS NOT NULL",
                    (name, page),
                ).fetchall()
            hits += [f"{name} page {page}" for (data,) in rows if data and pattern in data]
    return hits


def test_b5_erasure_leaves_no_live_or_dead_row_version_with_the_values(
    postgres_url: str,
) -> None:
    store = open_store(postgres_url)
    practice = Practice(store, now=NOW)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna")
    client = practice.add_client(NAME, "Philippa", email=EMAIL)
    practice.clients.change_contact(practice.front_desk(), client, email=f"alt.{EMAIL}")
    practice.appointment(anna, room, NINE + 2 * HOUR, client_id=client, comment=f"{NAME} Knie")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        # Live and dead versions hold the values before (so the search can find them).
        assert row_versions_holding(conn, EMAIL)
        assert row_versions_holding(conn, f"alt.{EMAIL}")
        ClientErasure(store, practice.clock).erase(practice.owner(anna), client)
        for value in (EMAIL, NAME, f"{NAME} Knie"):
            assert row_versions_holding(conn, value) == [], value
    assert practice.client(client).erased
    store.close()


def test_b5_an_older_snapshot_keeps_the_wipe_pending_until_it_ends(postgres_url: str) -> None:
    """B5 "never report success early": a second connection's REPEATABLE READ snapshot
    taken before the erasure keeps VACUUM from removing the old row versions, so the
    report says PENDING; once it ends, complete_pending_wipes removes them: WIPED."""
    store = open_store(postgres_url)
    practice = Practice(store, now=NOW)
    room = practice.add_room("Raum 1")
    anna = practice.add_practitioner("Anna")
    client = practice.add_client(NAME, "Philippa", email=EMAIL)
    practice.appointment(anna, room, NINE + 2 * HOUR, client_id=client, comment=f"{NAME} Knie")
    erasure = ClientErasure(store, practice.clock)
    owner = practice.owner(anna)
    reader = psycopg.connect(postgres_url, autocommit=True)
    try:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        (seen,) = reader.execute("SELECT last_name FROM clients WHERE id = %s", (client,))
        assert seen == (NAME,)
        report = erasure.erase(owner, client)
        assert report.wipe is WipeState.PENDING
        # The reader still sees the client as before the erasure: the old versions remain.
        (still,) = reader.execute("SELECT last_name FROM clients WHERE id = %s", (client,))
        assert still == (NAME,)
        assert erasure.complete_pending_wipes(owner) is WipeState.PENDING
        # Another process (a store that committed nothing) cannot claim it either.
        other = PostgresStore(postgres_url)
        assert ClientErasure(other, practice.clock).complete_pending_wipes(owner) is (
            WipeState.PENDING
        )
        other.close()
    finally:
        reader.close()
    assert erasure.complete_pending_wipes(owner) is WipeState.WIPED
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for value in (EMAIL, NAME, f"{NAME} Knie"):
            assert row_versions_holding(conn, value) == [], value
    assert practice.client(client).erased
    store.close()


def test_b5_without_other_snapshots_the_erasure_reports_wiped(postgres_url: str) -> None:
    store = open_store(postgres_url)
    practice = Practice(store, now=NOW)
    client = practice.add_client(NAME, "Philippa", email=EMAIL)
    anna = practice.add_practitioner("Anna")
    report = ClientErasure(store, practice.clock).erase(practice.owner(anna), client)
    assert report.wipe is WipeState.WIPED
    # A fresh store (another process) knows no erasure transaction: it compares with
    # the newest transaction id instead — still WIPED when nobody else is in a transaction.
    other = PostgresStore(postgres_url)
    assert (
        ClientErasure(other, practice.clock).complete_pending_wipes(practice.owner(anna))
        is WipeState.WIPED
    )
    other.close()
    store.close()


def test_f1_the_test_cluster_says_what_is_missing_without_server_binaries(
    tmp_path: Path,
) -> None:
    with pytest.raises(StoreError, match=r"no PostgreSQL server binaries.*postgresql"):
        PostgresCluster(bin_dir=tmp_path)


def test_f1_without_server_binaries_tests_skip_locally_and_fail_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lemnicore_postgres.testing import fixtures

    monkeypatch.setattr(fixtures, "find_server_binaries", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server binaries"):
        fixtures.require_server()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        fixtures.require_server()


def test_b1_f3_a_type_stored_before_types_had_a_practice_reads_as_shared(
    store: PostgresStore, postgres_url: str
) -> None:
    body = DOCUMENTS.unstructure(AppointmentType("massage", "Massage"))
    del body["organisation_id"]  # as written before types had an organisation
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO documents (kind, id, body) VALUES ('appointment_types', 'massage', %s)",
            (json.dumps(body),),
        )
    with store.unit_of_work(write=False) as uow:
        kind = uow.appointment_types.get("massage")
    assert (kind.name, kind.organisation_id) == ("Massage", None)
