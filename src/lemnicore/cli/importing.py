"""G3/E1–E6: ``lemnicore import NAME …`` for every registered importer, plus
``lemnicore import list`` and ``lemnicore import reset``.

Each importer a plugin registers through ``lemnicore_register_importers`` gets a command
with the pipeline's options (store, organisation, window, dry run, notifications, JSON
report) and the importer's own (``configure``). The command prints the readable report
(or, with ``--json``, the JSON report, G6) and shows progress for every phase on stderr (E6).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lemnicore.cli.arguments import iso_date, open_cli_store, output_file
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.errors import ValidationError
from lemnicore.importing.ports import DEFAULT_BATCH_SIZE
from lemnicore.plugins.manager import collect_registrations

if TYPE_CHECKING:
    import pluggy

    from lemnicore.cli.registry import CommandRegistry, Run
    from lemnicore.importing.pipeline import PhaseProgress
    from lemnicore.importing.ports import ImporterPlugin

# The pipeline, the importers and their libraries are imported when a command runs, not
# when ``lemnicore --help`` builds the parser (G5).

PHASE_LABELS = {"fetch": "fetching", "plan": "planning", "write": "writing", "report": "reporting"}


def progress_bars() -> PhaseProgress:
    """E6: one progress line per phase on stderr, records done / total, redrawn at most
    ten times a second."""
    last = 0.0
    finished: set[str] = set()

    def show(phase: str, done: int, total: int) -> None:
        nonlocal last
        if phase in finished:
            return
        now = time.monotonic()
        if done < total and now - last < 0.1:
            return
        last = now
        width = 30
        filled = width * done // max(total, 1) if total else width
        bar = "#" * filled + "-" * (width - filled)
        end = ""
        if done >= total:
            end = "\n"
            finished.add(phase)
        label = PHASE_LABELS.get(phase, phase)
        print(f"\r{label} [{bar}] {done}/{total} records", end=end, file=sys.stderr, flush=True)

    return show


def configure_pipeline(parser: argparse.ArgumentParser, *, window: bool = True) -> None:
    """The options every importer gets from the pipeline; ``window=False`` (a source
    without appointments, E7) leaves out the window, the notification options and
    ``--list-calendars``, which would mean nothing there."""
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    parser.add_argument(
        "--dry-run", action="store_true", help="test import: validate and report only (E3)"
    )
    parser.add_argument("--organisation", help="organisation id (default: the only one)")
    if window:
        _configure_window(parser)
    parser.add_argument(
        "--report-json", type=output_file, help="write the full report as JSON here (streamed)"
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=DEFAULT_BATCH_SIZE,
        help=f"records per transaction (default {DEFAULT_BATCH_SIZE})",
    )
    add_json_option(parser)


def _configure_window(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--list-calendars", action="store_true", help="list the source's calendars and stop"
    )
    parser.add_argument(
        "--from", dest="window_from", type=int, default=-500, help="window start, days from today"
    )
    parser.add_argument(
        "--to", dest="window_to", type=int, default=200, help="window end, days from today"
    )
    parser.add_argument("--confirmations", choices=("none", "future"), default="none", help="D16")
    parser.add_argument("--reminders-from", type=iso_date, help="D17: remind from this date")


def importer_command(plugin: ImporterPlugin) -> tuple[Any, Run]:
    """The ``configure`` and ``run`` of ``lemnicore import NAME`` for ``plugin``."""

    window = bool(getattr(plugin, "uses_window", True))

    def configure(parser: argparse.ArgumentParser) -> None:
        configure_pipeline(parser, window=window)
        plugin.configure(parser)

    def run(args: argparse.Namespace) -> int:
        from lemnicore.access.actors import SYSTEM_ACTOR
        from lemnicore.clock import SystemClock
        from lemnicore.importing.issues import FaultyRecordsError
        from lemnicore.importing.pipeline import ImportTarget, run_import
        from lemnicore.importing.report import stream_report_json, write_report_text
        from lemnicore.timekeeping import zone

        store = open_cli_store(args.store)
        try:
            choices: dict[str, object] = {}
            if window:
                choices = {
                    "window_from_days": args.window_from,
                    "window_to_days": args.window_to,
                    "confirmations": (
                        "confirm_future" if args.confirmations == "future" else "none"
                    ),
                    "reminders_from": args.reminders_from,
                }
            target = ImportTarget.of_store(store, args.organisation, **choices)
            importer = plugin.open(args, target)
            if window and args.list_calendars:
                try:
                    calendars = importer.list_calendars()
                    if args.json:
                        print_json([{"id": c["id"], "name": c["name"]} for c in calendars])
                        return 0
                    for calendar in calendars:
                        print(f"{calendar['id']}\t{calendar['name']}")
                finally:
                    importer.close()
                return 0
            clock = SystemClock()
            today = clock.now().astimezone(zone(target.time_zone)).date()
            try:
                outcome = run_import(
                    SYSTEM_ACTOR,
                    importer,
                    store,
                    clock=clock,
                    today=today,
                    dry=args.dry_run,
                    progress=progress_bars(),
                    report_json=args.report_json,
                    batch_size=max(1, args.batch_size),
                )
            except FaultyRecordsError as exc:
                # E7: every faulty record, then the one line every failure ends with (G7).
                hint = " (or use --skip-bad-lines)" if "skip_bad_lines" in vars(args) else ""
                print(f"Nothing imported; fix these records{hint}:", file=sys.stderr)
                for issue in exc.issues:
                    print(f"  {issue.record_id}: {issue.field}: {issue.reason}", file=sys.stderr)
                raise ValidationError(
                    "records", f"{len(exc.issues)} problem(s) in the source, nothing imported"
                ) from exc
            if args.json:
                stream_report_json(sys.stdout, outcome.plan, outcome.run)
            else:
                write_report_text(sys.stdout, outcome.plan, outcome.run)
        finally:
            store.close()
        return 0

    return configure, run


def _configure_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", required=True, help="store URL")
    add_json_option(p)


def _configure_reset(p: argparse.ArgumentParser) -> None:
    p.add_argument("import_id", help="the import to remove (see 'lemnicore import list')")
    _configure_store(p)


def _run_reset(args: argparse.Namespace) -> int:
    import attrs

    from lemnicore.access.actors import SYSTEM_ACTOR
    from lemnicore.clock import SystemClock
    from lemnicore.importing.reset import reset_import

    store = open_cli_store(args.store, must_exist=True)
    try:
        report = reset_import(store, args.import_id, actor=SYSTEM_ACTOR, clock=SystemClock())
    finally:
        store.close()
    if args.json:
        print_json(attrs.asdict(report))
        return 0
    print(
        f"Import {report.import_id} reset: {report.appointments_removed} appointments and"
        f" {report.clients_removed} clients removed"
        + (
            f"; {len(report.clients_kept)} clients kept (hand-entered appointments refer to them)"
            if report.clients_kept
            else ""
        )
        + (
            f"; {len(report.clients_erased_kept)} records of clients erased on request kept,"
            " so a re-import cannot bring them back (B5)"
            if report.clients_erased_kept
            else ""
        )
    )
    return 0


def _run_list(args: argparse.Namespace) -> int:
    store = open_cli_store(args.store, must_exist=True, read_only=True)
    try:
        with store.unit_of_work(write=False) as uow:
            runs = sorted(uow.import_runs.all(), key=lambda r: r.started_at)
    finally:
        store.close()
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "source": r.source,
                    "status": r.status,
                    "started_at": r.started_at,
                    "counts": dict(r.counts),
                }
                for r in runs
            ]
        )
        return 0
    if not runs:
        print("No imports.")
    for r in runs:
        created = r.counts.get("clients_created", 0), r.counts.get("appointments_created", 0)
        print(
            f"{r.id}  {r.source:<13} {r.status:<9} {r.started_at:%Y-%m-%d %H:%M}Z"
            f"  clients {created[0]}, appointments {created[1]}"
        )
    return 0


def add_import_commands(commands: CommandRegistry, importers: Mapping[str, ImporterPlugin]) -> None:
    """``lemnicore import NAME`` for each importer, ``import list`` and ``import reset``."""
    commands.describe_group("import", "data takeover: eTermin, .ics files, CSV contacts (E)")
    for name, plugin in sorted(importers.items()):
        configure, run = importer_command(plugin)
        commands.add(("import", name), help=plugin.help, configure=configure, run=run)
    commands.add(
        ("import", "reset"),
        help="remove everything one import created (E5)",
        configure=_configure_reset,
        run=_run_reset,
    )
    commands.add(
        ("import", "list"),
        help="list the imports of a store",
        configure=_configure_store,
        run=_run_list,
    )


def register_importer_commands(commands: CommandRegistry, pm: pluggy.PluginManager) -> None:
    """E1: collect the importers (``lemnicore_register_importers``) and add their commands."""
    importers = collect_registrations(pm.hook.lemnicore_register_importers, "importer")
    add_import_commands(commands, importers)
