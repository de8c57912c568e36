"""F1/D5/D10: a run reads only its window, through an index — and for confirmations only
the appointments still open, never the confirmed rest of the quarter."""

from __future__ import annotations

from lemnicore.storage.sqlite.notifications import NEEDING_NOTICE_SQL
from lemnicore.storage.sqlite.rows import APPOINTMENT_COLUMNS
from lemnicore.storage.sqlite.store import SqliteStore


def _plan(store: SqliteStore, sql: str, params: tuple[object, ...]) -> str:
    rows = store.connection().execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return "\n".join(str(r[-1]) for r in rows)


def test_reminder_window_is_an_index_range_on_appointments_start(sqlite_store: SqliteStore) -> None:
    sql = f"SELECT {APPOINTMENT_COLUMNS} FROM appointments WHERE start_us >= ? AND start_us < ? ORDER BY start_us, id"
    plan = _plan(sqlite_store, sql, (0, 1))
    assert "USING INDEX appointments_start (start_us>? AND start_us<?)" in plan
    assert "SCAN appointments" not in plan.replace("SCAN appointments USING", "")


def test_d10_confirmation_candidates_come_from_the_open_table_not_the_whole_quarter(
    sqlite_store: SqliteStore,
) -> None:
    """D10: the run walks ``notification_open`` (only unconfirmed appointments) by start,
    then probes each appointment and its items by key: no scan of ``appointments``."""
    plan = _plan(sqlite_store, NEEDING_NOTICE_SQL, (0, 1))
    assert (
        "SEARCH o USING COVERING INDEX notification_open_start (start_us>? AND start_us<?)" in plan
    )
    assert "SEARCH a USING INDEX sqlite_autoindex_appointments_1 (id=?)" in plan
    assert "SEARCH i USING PRIMARY KEY (appointment_id=? AND sequence=?)" in plan
    assert "SCAN" not in plan
