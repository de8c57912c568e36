"""lemnicore on PostgreSQL (F1–F4): one practice shared by many processes and hosts.

Install with ``pip install 'lemnicore[postgres]'`` and open
``postgresql://user:password@host/dbname`` wherever a store URL is taken. See
docs/postgresql.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lemnicore_postgres.store import PostgresStore

__all__ = ["PostgresStore"]


def __getattr__(name: str) -> Any:
    if name == "PostgresStore":
        from lemnicore_postgres.store import PostgresStore

        return PostgresStore
    raise AttributeError(name)
