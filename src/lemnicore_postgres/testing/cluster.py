"""A throwaway PostgreSQL cluster for tests (F1): initdb, pg_ctl, a database, a URL.

The server runs from Debian's binaries (``/usr/lib/postgresql/*/bin``, or whatever
``PG_BIN`` names) as an unprivileged user: PostgreSQL refuses to run as root, so when the
tests run as root the cluster belongs to the ``postgres`` system user (or
``LEMNICORE_PG_USER``) and every server command runs through ``runuser``. It listens on a
free loopback port, keeps its unix socket inside its own temporary folder and is stopped
and deleted at the end.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lemnicore.errors import StoreError

__all__ = ["PostgresCluster", "find_server_binaries"]


def find_server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest version first), or ``None``."""
    named = os.environ.get("PG_BIN")
    candidates = [Path(named)] if named else []
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """A PostgreSQL server of its own, started by :meth:`start`, gone after :meth:`stop`.

    >>> with PostgresCluster() as cluster:          # doctest: +SKIP
    ...     url = cluster.create_database("practice")
    """

    def __init__(self, bin_dir: Path | None = None, *, durable: bool = False) -> None:
        found = bin_dir or find_server_binaries()
        if found is None or not (found / "initdb").exists():
            raise StoreError(
                "no PostgreSQL server binaries (initdb, pg_ctl) found in /usr/lib/postgresql/*/bin;"
                " install the Debian package 'postgresql' or set PG_BIN"
            )
        self.bin = found
        self.durable = durable
        self.port = 0
        self.folder: Path | None = None
        self._user: str | None = None
        self._databases = 0

    @property
    def data(self) -> Path:
        assert self.folder is not None
        return self.folder / "data"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        argv = list(command)
        if self._user is not None:
            argv = ["runuser", "-u", self._user, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise StoreError(
                f"{command[0]} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            )
        return done

    def start(self) -> PostgresCluster:
        """initdb into a fresh temporary folder and start the server on a free port."""
        folder = Path(tempfile.mkdtemp(prefix="lemnicore-pg-"))
        self.folder = folder
        if os.geteuid() == 0:
            self._user = os.environ.get("LEMNICORE_PG_USER", "postgres")
            try:
                entry = pwd.getpwnam(self._user)
            except KeyError:
                subprocess.run(
                    ["useradd", "--system", "--no-create-home", self._user],
                    check=True,
                    capture_output=True,
                )
                entry = pwd.getpwnam(self._user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "lemnicore",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port}"
            f" -c unix_socket_directories={folder} -c max_connections=120 -c shared_buffers=64MB"
            # No background ANALYZE holding a snapshot while a test checks that VACUUM
            # removed an erased row's old versions (B5): tests run VACUUM themselves.
            " -c autovacuum=off"
        )
        if not self.durable:
            # A throwaway test cluster need not survive a power cut.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    @property
    def admin_url(self) -> str:
        return f"postgresql://lemnicore@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its ``postgresql://`` URL."""
        import psycopg

        self._databases += 1
        name = name or f"practice_{self._databases}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://lemnicore@127.0.0.1:{self.port}/{name}"

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        if self.folder is None:
            return
        with contextlib.suppress(StoreError):
            self._run(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
            )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    with PostgresCluster() as cluster:
        yield cluster
