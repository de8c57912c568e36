"""The storage-plugin hook of the in-memory store (F1), kept apart from the store itself:
every ``lemnicore`` command registers the built-in plugins, and registering this one must
not import the store (G5: a fast ``--help``). :class:`MemoryStore` loads on the first
``memory://`` URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.storage.ports import Store


@hookimpl
def lemnicore_open_store(url: str) -> Store | None:
    """Open ``memory://`` (optionally ``memory://name``) as a new, empty store."""
    if not url.startswith("memory://"):
        return None
    from lemnicore.storage.memory import MemoryStore

    return MemoryStore(url.removeprefix("memory://"))
