"""pytest fixtures for a real PostgreSQL server (entry point ``pytest11``), F1.

- ``postgres_cluster`` (session) — a throwaway cluster (:class:`PostgresCluster`), started
  once per test session and removed at its end.
- ``postgres_url`` — the URL of a new, empty database on that cluster, one per test.
- ``postgres_store`` — a :class:`~lemnicore_postgres.PostgresStore` on such a database.

Without PostgreSQL server binaries the tests using these fixtures are skipped with one
reason — unless the environment variable ``CI`` is set: then they fail, so a CI machine
that lost its server cannot silently skip them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from lemnicore_postgres.testing.cluster import PostgresCluster, find_server_binaries

if TYPE_CHECKING:
    from lemnicore_postgres.store import PostgresStore

NO_SERVER = "no PostgreSQL server binaries (install Debian's 'postgresql' package or set PG_BIN)"


def require_server() -> None:
    """Skip (locally) or fail (with ``CI`` set) when no server binaries exist."""
    if find_server_binaries() is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but there are {NO_SERVER}")
        pytest.skip(NO_SERVER)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    require_server()
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    url = postgres_cluster.create_database()
    yield url
    postgres_cluster.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[PostgresStore]:
    from lemnicore_postgres.store import PostgresStore

    store = PostgresStore(postgres_url)
    yield store
    store.close()
