"""E6/E7 benchmarks as a script: prints wall time and peak RSS.

    .venv/bin/python benchmarks/bench_etermin.py takeover        # 100 000 appointments, 12 500 contacts
    .venv/bin/python benchmarks/bench_etermin.py takeover-json   # the same, with --report-json
    .venv/bin/python benchmarks/bench_etermin.py csv        # 100 000 CSV contacts

The fake eTermin server runs in a separate process (``python -m lemnicore_etermin.testing``),
so the peak RSS measured here (resource.getrusage) is the importer's alone.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

TODAY = date(2026, 5, 4)
NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def takeover(
    appointments: int = 100_000, contacts: int = 12_500, *, report_json: bool = False
) -> dict[str, float]:
    """E6: the takeover as ``lemnicore import etermin`` runs it (the shared pipeline), with
    the time of every phase, then the floor: the same rows, read back from the store as
    tuples, bare ``executemany``-d into the same tables of a fresh store (same schema,
    indexes and triggers), one statement per table, one transaction."""
    import sqlite3

    from lemnicore import SYSTEM_ACTOR, SqliteStore
    from lemnicore.importing.pipeline import ImportTarget, run_import
    from lemnicore.testing import FakeClock, Practice
    from lemnicore_etermin.plan import CalendarMapping
    from lemnicore_etermin.source import EterminSource
    from lemnicore_etermin.takeover import EterminImporter

    server = subprocess.Popen(
        [sys.executable, "-m", "lemnicore_etermin.testing", "--appointments", str(appointments),
         "--contacts", str(contacts), "--calendars", "16", "--today", TODAY.isoformat()],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    marks: dict[str, float] = {}

    def progress(phase: str, done: int, total: int) -> None:
        marks.setdefault(f"{phase}_start", time.perf_counter())
        marks[f"{phase}_end"] = time.perf_counter()
        marks[f"{phase}_peak_rss_mb"] = peak_rss_mb()

    try:
        assert server.stdout is not None
        base_url, public, private = server.stdout.readline().split()
        with tempfile.TemporaryDirectory() as folder:
            store = SqliteStore(Path(folder) / "bench.db")
            practice = Practice(store, now=NOW)
            rooms = [practice.add_room(f"Raum {n}") for n in range(1, 17)]
            pid = practice.add_practitioner("Frau Koch")
            target = ImportTarget.of_store(store)
            mappings = [
                CalendarMapping(str(1001 + n), room, practice.calendars[pid])
                for n, room in enumerate(rooms)
            ]

            def source() -> EterminSource:
                importer = EterminImporter.connect(public, private, base_url=base_url)
                return EterminSource(importer, mappings, target)

            report = Path(folder) / "report.json" if report_json else None
            started = time.perf_counter()
            cpu_started = time.process_time()
            outcome = run_import(
                SYSTEM_ACTOR, source(), store, clock=FakeClock(NOW), today=TODAY,
                progress=progress, report_json=report,
            )  # fmt: skip
            done = time.perf_counter()
            cpu = time.process_time() - cpu_started
            peak = peak_rss_mb()  # the import's peak; the re-run below is extra
            run = outcome.run
            issues = len(outcome.plan.issues)
            del outcome
            rerun = run_import(SYSTEM_ACTOR, source(), store, clock=FakeClock(NOW), today=TODAY).run
            rerun_done = time.perf_counter()
            store.close()
            floor_s, floor_cpu = _floor(
                sqlite3, Path(folder) / "bench.db", Path(folder) / "floor.db"
            )
    finally:
        server.terminate()
        server.wait()
    total = done - started
    result = {
        "appointments_written": run.counts["appointments_created"],
        "clients_written": run.counts["clients_created"],
        "merged": run.counts["merged"],
        "possible_duplicates": run.counts["possible_duplicates"],
        "issues": issues,
        "report_json": int(report_json),
        "total_s": total,
        "idempotent_rerun_s": rerun_done - done,
        "rerun_created": rerun.counts["appointments_created"] + rerun.counts["clients_created"],
        "floor_executemany_s": floor_s,
        "ratio_to_floor": total / floor_s,
        # CPU seconds of this process: less at the mercy of a shared machine's load
        # (the fake server's own work runs in its process and is not counted).
        "cpu_s": cpu,
        "floor_cpu_s": floor_cpu,
        "cpu_ratio_to_floor": cpu / floor_cpu,
        "peak_rss_mb": peak,
        "peak_rss_mb_with_rerun": peak_rss_mb(),
    }
    for phase in ("fetch", "plan", "write", "report"):
        if f"{phase}_start" in marks:
            result[f"{phase}_s"] = marks[f"{phase}_end"] - marks[f"{phase}_start"]
            result[f"{phase}_peak_rss_mb"] = marks[f"{phase}_peak_rss_mb"]
    return result


def _floor(sqlite3: Any, written: Path, fresh: Path) -> tuple[float, float]:
    """Wall and CPU seconds to ``executemany`` the rows of ``written`` into a fresh
    store's tables."""
    from lemnicore import SqliteStore

    SqliteStore(fresh).close()  # the same schema: tables, indexes, triggers
    source = sqlite3.connect(written)
    rows = {
        table: source.execute(f"SELECT * FROM {table}").fetchall()
        for table in ("clients", "appointments")
    }
    source.close()
    conn = sqlite3.connect(fresh, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    started, cpu_started = time.perf_counter(), time.process_time()
    conn.execute("BEGIN IMMEDIATE")
    for table, values in rows.items():
        if values:
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    conn.close()
    return elapsed, cpu


def csv_import(rows: int = 100_000) -> dict[str, float]:
    from lemnicore import SqliteStore
    from lemnicore.testing import Practice
    from lemnicore_etermin.csv_contacts import CsvOptions, import_contacts_csv

    lines = [
        f'Frau;Müller-{n};Anna;"Hauptstraße {n}; Hinterhaus";20095;Hamburg;anna.{n}@example.org;'
        f"07.03.19{n % 90 + 10}\r\n"
        for n in range(rows)
    ]
    data = ("Anrede;Nachname;Vorname;Straße;PLZ;Ort;E-Mail;Geburtstag\r\n" + "".join(lines)).encode(
        "utf-8-sig"
    )
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteStore(Path(folder) / "csv.db")
        practice = Practice(store, now=NOW)
        options = CsvOptions(
            columns="Anrede,Nachname,Vorname,Straße,PLZ,Ort,E-Mail,Geburtstag",
            skip_header=True,
            tag="Import",
        )
        started = time.perf_counter()
        report = import_contacts_csv(
            store, data, options, organisation_id="org-1", clock=practice.clock
        )
        elapsed = time.perf_counter() - started
        store.close()
    return {
        "contacts": report.lines_imported,
        "total_s": elapsed,
        "megabytes": len(data) / 1e6,
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "takeover"
    if which == "takeover":
        result = takeover()
    elif which == "takeover-json":
        result = takeover(report_json=True)
    else:
        result = csv_import()
    for key, value in result.items():
        print(f"{key:>22}: {value:.2f}" if isinstance(value, float) else f"{key:>22}: {value}")
