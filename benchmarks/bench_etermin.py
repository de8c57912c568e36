"""E6/E7 benchmarks as a script: prints wall time and peak RSS.

    .venv/bin/python benchmarks/bench_etermin.py takeover   # 100 000 appointments, 20 000 contacts
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

TODAY = date(2026, 5, 4)
NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def takeover(appointments: int = 100_000, contacts: int = 12_500) -> dict[str, float]:
    from lemnicore import SqliteStore
    from lemnicore.testing import FakeClock, Practice
    from lemnicore_etermin.plan import CalendarMapping, TakeoverOptions, plan_takeover
    from lemnicore_etermin.takeover import EterminImporter, commit_takeover, next_import_id

    server = subprocess.Popen(
        [sys.executable, "-m", "lemnicore_etermin.testing", "--appointments", str(appointments),
         "--contacts", str(contacts), "--calendars", "16", "--today", TODAY.isoformat()],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        base_url, public, private = server.stdout.readline().split()
        with tempfile.TemporaryDirectory() as folder:
            store = SqliteStore(Path(folder) / "bench.db")
            practice = Practice(store, now=NOW)
            rooms = [practice.add_room(f"Raum {n}") for n in range(1, 17)]
            pid = practice.add_practitioner("Frau Koch")
            options = TakeoverOptions(
                organisation_id="org-1",
                calendars=[
                    CalendarMapping(str(1001 + n), room, practice.calendars[pid])
                    for n, room in enumerate(rooms)
                ],
            )
            started = time.perf_counter()
            with EterminImporter.connect(public, private, base_url=base_url) as importer:
                fetched = importer.fetch(options, today=TODAY)
            fetched_at = time.perf_counter()
            plan = plan_takeover(
                fetched, options, today=TODAY, now=NOW, import_id=next_import_id(store)
            )
            planned_at = time.perf_counter()
            run = commit_takeover(store, plan, clock=FakeClock(NOW))
            done = time.perf_counter()
            rerun = commit_takeover(store, plan, clock=FakeClock(NOW))
            rerun_done = time.perf_counter()
            store.close()
    finally:
        server.terminate()
        server.wait()
    return {
        "appointments_written": run.counts["appointments_created"],
        "clients_written": run.counts["clients_created"],
        "merged": run.counts["merged"],
        "fetch_s": fetched_at - started,
        "plan_s": planned_at - fetched_at,
        "commit_s": done - planned_at,
        "total_s": done - started,
        "idempotent_rerun_s": rerun_done - done,
        "rerun_created": rerun.counts["appointments_created"] + rerun.counts["clients_created"],
        "peak_rss_mb": peak_rss_mb(),
    }


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
    result = takeover() if which == "takeover" else csv_import()
    for key, value in result.items():
        print(f"{key:>22}: {value:.2f}" if isinstance(value, float) else f"{key:>22}: {value}")
