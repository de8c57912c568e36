"""The embedded SQLite store and its storage-plugin hook (F1)."""

from __future__ import annotations

from lemnicore.plugins.markers import hookimpl
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore

__all__ = ["SqliteStore", "lemnicore_open_store"]


def path_from_url(url: str) -> str | None:
    """``sqlite:///rel.db`` → ``rel.db``; ``sqlite:////abs/x.db`` → ``/abs/x.db``."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///")
    return path or None


@hookimpl
def lemnicore_open_store(url: str, read_only: bool) -> Store | None:
    """Open ``sqlite:///path`` (relative) or ``sqlite:////abs/path``; create the file and
    migrate it forward (F3) as needed — or, ``read_only``, neither (F3)."""
    path = path_from_url(url)
    if path is None:
        return None
    return SqliteStore(path, read_only=read_only)
