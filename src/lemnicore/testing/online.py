"""Helpers for testing online booking (C4) across processes on one SQLite file.

:func:`race_for_slot` runs in a separate process (``multiprocessing`` with the ``spawn``
start method needs an importable function): it opens its own store on the file, waits at
the barrier until every contender is ready, asks for the slot, and reports the outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lemnicore.errors import SlotTakenError
from lemnicore.online.service import OnlineBooking
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing.clock import FakeClock


def race_for_slot(
    db_path: str, token: str, start_iso: str, now_iso: str, name: str, barrier: Any, results: Any
) -> None:
    """Ask for the slot at ``start_iso``; put ``(name, "won" | "taken")`` on ``results``."""
    store = SqliteStore(db_path)
    try:
        online = OnlineBooking(store, FakeClock(datetime.fromisoformat(now_iso)))
        barrier.wait()
        try:
            online.request(
                token,
                datetime.fromisoformat(start_iso),
                last_name=name,
                email=f"{name}@example.org",
            )
        except SlotTakenError:
            results.put((name, "taken"))
        else:
            results.put((name, "won"))
    except Exception as exc:  # reported, so the test shows what went wrong in the child
        results.put((name, f"error: {exc!r}"))
    finally:
        store.close()
