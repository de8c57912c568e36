"""The PostgreSQL storage plugin: registered through the ``lemnicore`` entry-point group
(``postgres = "lemnicore_postgres.plugin"``) exactly like a third-party store.

psycopg is imported only when a ``postgresql://`` URL is opened (G5), so ``lemnicore
--help`` stays fast; without the ``postgres`` extra the plugin is left out with one line
naming it (see :data:`REQUIRES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lemnicore.errors import StoreError
from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.cli.registry import CommandRegistry
    from lemnicore.storage.ports import Store

REQUIRES = {"psycopg": "lemnicore[postgres]", "psycopg_pool": "lemnicore[postgres]"}
"""G5: what this plugin needs; the plugin manager leaves it out when it is missing."""

SCHEMES = ("postgresql://", "postgres://")


@hookimpl
def lemnicore_open_store(url: str) -> Store | None:
    """F1: open ``postgresql://…`` or ``postgres://…``; migrate it forward (F3)."""
    if not url.startswith(SCHEMES):
        return None
    try:
        from lemnicore_postgres.store import PostgresStore
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise StoreError(
            f"PostgreSQL support needs the postgres extra: pip install 'lemnicore[postgres]' ({exc})"
        ) from exc
    return PostgresStore(url)


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    """G3: ``lemnicore store copy SOURCE_URL TARGET_URL``."""
    from lemnicore_postgres.cli import add_commands

    add_commands(commands)
