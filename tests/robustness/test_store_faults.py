"""F3/F4 on real files: a corrupt, truncated, foreign, newer, older (read-only use),
read-only or full store gives lemnicore's own error naming the file; nothing committed is
lost and the file stays sound (``PRAGMA integrity_check``)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lemnicore.cli import main
from lemnicore.errors import (
    NotAStoreError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreSchemaError,
    StoreURLError,
)
from lemnicore.plugins.manager import open_store
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.practice import Room
from lemnicore.storage.sqlite.schema import MIGRATIONS
from lemnicore.storage.sqlite.store import SqliteStore, connect, migrate

T0 = datetime(2026, 5, 4, 7, 0, tzinfo=UTC)


def fingerprint(path: Path) -> dict[str, str]:
    """The bytes of the database file and its companions (absent ones as '-')."""
    return {
        suffix: hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "-"
        for suffix in ("", "-wal", "-shm", "-journal")
        for p in [path.with_name(path.name + suffix)]
    }


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def appointment(n: int, *, room: str = "room-1") -> Appointment:
    start = T0 + timedelta(hours=n)
    return Appointment(f"a-{n}", "cal-1", room, start, start + timedelta(minutes=30), "t")


def practice_file(path: Path, appointments: int = 50) -> Path:
    """A store with a room and some appointments, all committed and checkpointed."""
    store = SqliteStore(path)
    with store.unit_of_work() as uow:
        uow.rooms.put(Room("room-1", "branch-1", "Raum 1"))
        uow.appointments.add_many([appointment(n) for n in range(appointments)])
        uow.commit()
    store.checkpoint()
    store.close()
    return path


def foreign_file(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE shopping (item TEXT, amount INTEGER)")
    conn.execute("INSERT INTO shopping VALUES ('Milch', 2)")
    conn.commit()
    conn.close()
    return path


def read_everything(path: Path) -> None:
    store = SqliteStore(path)
    try:
        with store.unit_of_work(write=False) as uow:
            uow.appointments.in_room("room-1", T0, T0 + timedelta(days=400))
            uow.appointments.count()
    finally:
        store.close()


def write_and_commit(store: SqliteStore, appointments: list[Appointment]) -> None:
    with store.unit_of_work() as uow:
        uow.rooms.put(Room("room-2", "branch-1", "Raum 2"))
        uow.appointments.add_many(appointments)
        uow.commit()


# -- corrupt and truncated -------------------------------------------------------------


def test_f4_random_bytes_are_a_corrupt_store_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "random.db"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(StoreCorruptError) as caught:
        SqliteStore(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)


def test_f4_a_truncated_store_is_refused_as_corrupt(tmp_path: Path) -> None:
    path = practice_file(tmp_path / "p.db", appointments=2000)
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(StoreCorruptError, match=r"p\.db"):
        read_everything(path)


def test_f4_a_damaged_page_found_while_reading_is_a_corrupt_store(tmp_path: Path) -> None:
    path = practice_file(tmp_path / "p.db", appointments=2000)
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(3 * page, len(data) - page, 2 * page):
        data[offset + 8 : offset + page] = os.urandom(page - 8)  # keep page headers' type
    path.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError) as caught:
        read_everything(path)
    assert caught.value.path == str(path)


def test_f4_text_that_is_not_utf8_in_the_file_is_a_corrupt_store(tmp_path: Path) -> None:
    """F4: bytes in a text column that lemnicore never wrote (a damaged page, another
    program) are a damaged store, named as such, not a "lone surrogate" refusal."""
    path = practice_file(tmp_path / "p.db", appointments=3)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE appointments SET comment = CAST(x'41a0ff' AS TEXT) WHERE rowid = 1")
    conn.commit()
    conn.close()
    with pytest.raises(StoreCorruptError, match="not valid UTF-8") as caught:
        read_everything(path)
    assert caught.value.path == str(path)


# -- foreign, newer, older --------------------------------------------------------------


def test_f3_a_foreign_sqlite_file_is_refused_and_never_converted(tmp_path: Path) -> None:
    path = foreign_file(tmp_path / "shopping.db")
    before = fingerprint(path)
    with pytest.raises(NotAStoreError, match="shopping"):
        SqliteStore(path)
    with pytest.raises(NotAStoreError):
        SqliteStore(path, read_only=True)
    assert fingerprint(path) == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["shopping"]
    conn.close()


def test_f3_lemnicore_slots_on_a_foreign_file_is_one_line_and_leaves_it_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = foreign_file(tmp_path / "shopping.db")
    before = fingerprint(path)
    assert main(["slots", "--store", f"sqlite:///{path}", "--room", "r"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not a lemnicore store" in err
    assert fingerprint(path) == before


def test_f3_a_store_of_a_newer_lemnicore_is_refused_and_never_written(tmp_path: Path) -> None:
    path = practice_file(tmp_path / "p.db")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES ('core', 99, 'from the future', '')")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    for read_only in (False, True):
        with pytest.raises(StoreSchemaError) as caught:
            SqliteStore(path, read_only=read_only)
        assert caught.value.newer
        assert "newer lemnicore (schema core 99" in str(caught.value)
    assert fingerprint(path) == before


def older_store(path: Path) -> Path:
    conn = connect(str(path))
    migrate(conn, [m for m in MIGRATIONS if m.area != "notifications"])
    conn.close()
    return path


def test_f3_a_read_only_command_never_migrates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = older_store(tmp_path / "old.db")
    before = fingerprint(path)
    with pytest.raises(StoreSchemaError) as caught:
        SqliteStore(path, read_only=True)
    assert not caught.value.newer
    assert main(["slots", "--store", f"sqlite:///{path}", "--room", "r"]) == 1
    assert "needs a migration" in capsys.readouterr().err
    assert fingerprint(path) == before
    # A writing open migrates it forward as always.
    store = SqliteStore(path)
    assert {m.area for m in store.applied_migrations} == {"notifications"}
    store.close()


def run_read_only_command(command: str, url: str) -> int:
    """Run ``command`` on ``url`` as the CLI does; ``serve`` through its function, told
    to stop after opening (so a wrong, writing open cannot loop for an hour)."""
    if command == "notify policy":
        return main(["notify", "policy", "--store", url])
    from lemnicore.cli.scheduler import serve

    stop = threading.Event()
    stop.set()
    try:
        return serve(url, [], every="1h", dry_run=True, stop=stop)
    except StoreError as exc:
        sys.stderr.write(f"lemnicore: error: {exc}\n")
        return 1


def newer_store(path: Path) -> Path:
    practice_file(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES ('core', 99, 'from the future', '')")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("command", ["notify serve --dry-run", "notify policy"])
def test_f3_commands_that_only_read_leave_an_older_store_byte_for_byte_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    """F3: ``notify serve --dry-run`` and ``notify policy`` without a change only read, so
    they never migrate: an older store is refused unchanged, a newer one too."""
    for make, error in ((older_store, "needs a migration"), (newer_store, "newer lemnicore")):
        path = make(tmp_path / f"{make.__name__}.db")
        before = fingerprint(path)
        url = f"sqlite:///{path}"
        assert run_read_only_command(command, url) == 1, make.__name__
        err = capsys.readouterr().err
        assert err.count("\n") == 1, err
        assert error in err, err
        assert fingerprint(path) == before, make.__name__


def test_f3_a_dry_run_serve_and_a_policy_look_leave_a_current_store_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """F3: on a current store the read-only commands work and write nothing into it
    (``serve --dry-run`` claims no outbox row and keeps its one-instance lock in a file
    beside the store, never in it)."""
    import io

    from lemnicore.cli.scheduler import serve
    from lemnicore.testing import Practice

    path = tmp_path / "p.db"
    url = f"sqlite:///{path}"
    store = SqliteStore(path)
    practice = Practice(store, now=datetime.now(UTC))
    anna, room = practice.add_practitioner("Anna"), practice.add_room("Raum 1")
    client = practice.add_client("Muster", "Petra", email="petra@example.org")
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=30)
    practice.appointment(anna, room, soon, client_id=client)
    store.checkpoint()
    store.close()
    before = fingerprint(path)
    assert main(["notify", "policy", "--store", url, "--json"]) == 0
    assert '"enabled"' in capsys.readouterr().out
    assert fingerprint(path) == before

    stop = threading.Event()

    class OneRun(io.StringIO):
        def flush(self) -> None:
            stop.set()  # the first run's report is out: stop the loop

    out = OneRun()
    threading.Timer(30, stop.set).start()  # a safety net: the run writes within seconds
    assert serve(url, [], every="1h", dry_run=True, as_json=True, stop=stop, out=out) == 0
    assert json.loads(out.getvalue())["dry_run"] is True
    assert fingerprint(path) == before
    assert not any(p.name.startswith("p.db-") for p in tmp_path.iterdir())


def test_f3_opening_reads_the_schema_version_without_the_write_lock(tmp_path: Path) -> None:
    path = practice_file(tmp_path / "p.db")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is in the middle of a booking
    try:
        opened: list[int] = []

        def open_and_read() -> None:
            store = SqliteStore(path)
            with store.unit_of_work(write=False) as uow:
                opened.append(uow.appointments.count())
            store.close()

        reader = threading.Thread(target=open_and_read)
        reader.start()
        reader.join(timeout=5)  # with a write lock it would wait for the 30 s busy timeout
        assert opened == [50]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# -- read-only ------------------------------------------------------------------------


def test_f4_a_store_opened_read_only_refuses_writes_with_a_typed_error(tmp_path: Path) -> None:
    path = practice_file(tmp_path / "p.db")
    store = SqliteStore(path, read_only=True)
    try:
        with pytest.raises(StoreReadOnlyError, match="opened read-only"), store.unit_of_work():
            pass
        with store.unit_of_work(write=False) as uow, pytest.raises(StoreReadOnlyError) as caught:
            uow.rooms.put(Room("room-2", "branch-1", "Raum 2"))  # a bug that writes anyway
        assert caught.value.path == str(path)
    finally:
        store.close()
    assert integrity(path) == "ok"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
def test_f4_a_read_only_file_refuses_writes_with_a_typed_error(tmp_path: Path) -> None:
    path = practice_file(tmp_path / "p.db")
    path.chmod(0o444)
    store = SqliteStore(path)
    try:
        with pytest.raises(StoreReadOnlyError):
            write_and_commit(store, [])
    finally:
        store.close()
        path.chmod(0o644)


# -- full disk ------------------------------------------------------------------------


def test_f4_a_full_store_is_a_typed_error_and_nothing_committed_is_lost(tmp_path: Path) -> None:
    path = practice_file(tmp_path / "p.db")
    store = SqliteStore(path)
    try:
        conn = store.connection()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk is nearly full
        with pytest.raises(StoreFullError) as caught:
            write_and_commit(store, [appointment(n, room="room-2") for n in range(100, 5100)])
        assert caught.value.path == str(path)
        assert "is full" in str(caught.value)
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.count() == 50
            assert uow.appointments.in_room("room-2", T0, T0 + timedelta(days=9999)) == []
    finally:
        store.close()
    assert integrity(path) == "ok"


FULL_DISK_CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from datetime import UTC, datetime, timedelta
    from lemnicore.errors import StoreError
    from lemnicore.scheduling.appointments import Appointment
    from lemnicore.storage.sqlite.store import SqliteStore

    path, limit = sys.argv[1], int(sys.argv[2])
    store = SqliteStore(path)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    t0 = datetime(2027, 1, 4, 7, tzinfo=UTC)
    try:
        with store.unit_of_work() as uow:
            uow.appointments.add_many([
                Appointment(f"b-{n}", "cal-1", "room-2", t0 + timedelta(hours=n),
                            t0 + timedelta(hours=n, minutes=30), "t", comment="x" * 500)
                for n in range(20000)
            ])
            uow.commit()
    except StoreError as exc:
        print(type(exc).__name__, exc)
        sys.exit(0)
    print("no error")
    sys.exit(1)
    """
)


def test_f4_a_full_disk_rlimit_fsize_is_a_store_error_and_nothing_committed_is_lost(
    tmp_path: Path,
) -> None:
    path = practice_file(tmp_path / "p.db")
    limit = path.stat().st_size + 256 * 1024
    child = subprocess.run(
        [sys.executable, "-c", FULL_DISK_CHILD, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stdout + child.stderr
    assert child.stdout.startswith("StoreFullError")
    assert str(path) in child.stdout
    assert "Traceback" not in child.stderr
    assert integrity(path) == "ok"
    store = SqliteStore(path)
    try:
        with store.unit_of_work(write=False) as uow:
            assert uow.appointments.count() == 50
    finally:
        store.close()


# -- store URLs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["sqlite:///a\x00b.db", "sqlite:///a\ud800.db", "memory://\x00", "sqlite:///\udcff"],
)
def test_g7_a_store_url_no_file_can_have_is_a_typed_error(url: str) -> None:
    with pytest.raises(StoreURLError):
        open_store(url)


def test_g7_a_store_url_naming_a_folder_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(StoreURLError, match="a folder"):
        open_store(f"sqlite:///{tmp_path}")


@pytest.mark.parametrize("url", [None, 42, b"sqlite:///x.db", ["memory://"]])
def test_g7_a_store_url_that_is_not_text_is_a_typed_error(url: object) -> None:
    with pytest.raises(StoreURLError, match="must be text"):
        open_store(url)  # type: ignore[arg-type]


def test_g7_every_store_error_is_a_lemnicore_error() -> None:
    for cls in (StoreCorruptError, StoreFullError, StoreReadOnlyError, NotAStoreError):
        assert issubclass(cls, StoreError)


# -- locked and the mapping itself ------------------------------------------------------


def test_f4_a_store_locked_longer_than_lemnicore_waits_is_a_typed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lemnicore.storage.sqlite.store as sqlite_store

    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.2)
    path = practice_file(tmp_path / "p.db")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another program holds the write lock and hangs
    store = SqliteStore(path)
    try:
        with pytest.raises(StoreLockedError) as caught, store.unit_of_work():
            pass
        assert caught.value.path == str(path)
        assert "busy" in str(caught.value)
    finally:
        store.close()
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (11, StoreCorruptError),  # SQLITE_CORRUPT
        (26, StoreCorruptError),  # SQLITE_NOTADB
        (8, StoreReadOnlyError),  # SQLITE_READONLY
        (8 | (1 << 8), StoreReadOnlyError),  # SQLITE_READONLY_RECOVERY
        (13, StoreFullError),  # SQLITE_FULL
        (10 | (3 << 8), StoreFullError),  # SQLITE_IOERR_WRITE (EFBIG)
        (5, StoreLockedError),  # SQLITE_BUSY
        (6, StoreLockedError),  # SQLITE_LOCKED
        (14, StoreError),  # SQLITE_CANTOPEN
        (1, StoreError),  # SQLITE_ERROR
    ],
)
def test_f4_every_sqlite_result_code_maps_to_a_store_error_naming_the_file(
    code: int, expected: type[StoreError]
) -> None:
    from lemnicore.storage.sqlite.faults import store_error

    exc = sqlite3.OperationalError("something went wrong")
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    mapped = store_error(exc, "/srv/praxis.db")
    assert type(mapped) is expected
    assert mapped.path == "/srv/praxis.db"
    assert "/srv/praxis.db" in str(mapped)


def test_f4_text_a_store_cannot_encode_is_a_store_error_not_a_unicode_error(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "p.db")
    try:
        with pytest.raises(StoreError, match="not valid Unicode"), store.unit_of_work() as uow:
            uow.connection.execute("SELECT ?", ("\ud800",))
    finally:
        store.close()
