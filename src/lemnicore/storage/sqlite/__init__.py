"""The embedded SQLite store and its storage-plugin hook (F1).

:class:`SqliteStore` is imported when first used (PEP 562), so registering this plugin —
which every ``lemnicore`` command does — costs nothing until a ``sqlite:///`` URL is opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.storage.ports import Store
    from lemnicore.storage.sqlite.store import SqliteStore

__all__ = ["SqliteStore", "lemnicore_open_store"]


def __getattr__(name: str) -> Any:
    if name == "SqliteStore":
        from lemnicore.storage.sqlite.store import SqliteStore

        return SqliteStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    from lemnicore.storage.sqlite.store import SqliteStore

    return SqliteStore(path, read_only=read_only)
