"""G3: ``lemnicore import etermin|csv-contacts|reset|list`` and ``lemnicore export
csv-contacts`` — added through the ``lemnicore_register_commands`` hook."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from lemnicore.cli.arguments import existing_file, open_cli_store, output_file
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.errors import ValidationError

if TYPE_CHECKING:
    from lemnicore.storage.ports import Store
    from lemnicore_etermin.plan import CalendarMapping

# The commands import the takeover (httpx and all) when they run, not when ``lemnicore
# --help`` builds the parser (G5).


def progress_line(label: str) -> Callable[[int, int], None]:
    """E6: a one-line progress bar on stderr, redrawn at most ten times a second."""
    last = 0.0

    def show(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last < 0.1:
            return
        last = now
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        print(f"\r{label} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _organisation(store: Store, wanted: str | None) -> tuple[str, str, bool]:
    with store.unit_of_work(write=False) as uow:
        organisations = uow.organisations.all()
    found = [o for o in organisations if o.id == wanted] if wanted else organisations
    if len(found) != 1:
        names = ", ".join(o.id for o in organisations) or "none"
        raise ValidationError(
            "--organisation", f"name the organisation to import into (store has: {names})"
        )
    org = found[0]
    return org.id, org.time_zone, org.default_notification_consent


def _mappings(store: Store, specs: list[str], target_calendar: str | None) -> list[CalendarMapping]:
    from lemnicore_etermin.plan import CalendarMapping

    with store.unit_of_work(write=False) as uow:
        rooms = {r.id for r in uow.rooms.all()}
        calendars = {c.id for c in uow.calendars.all()}
    result: list[CalendarMapping] = []
    for spec in specs:
        source, _, target = spec.partition("=")
        room, _, calendar = target.partition("@")
        calendar = (
            calendar or target_calendar or (next(iter(calendars)) if len(calendars) == 1 else "")
        )
        if not source or not room:
            raise ValidationError(
                "--calendar", f"expected ETERMIN_ID=ROOM[@CALENDAR], got {spec!r}"
            )
        if room not in rooms:
            raise ValidationError("--calendar", f"no room {room!r} in the store (for {spec!r})")
        if calendar not in calendars:
            raise ValidationError(
                "--calendar",
                f"name the lemnicore calendar as {source}={room}@CALENDAR or --target-calendar"
                f" (store has: {', '.join(sorted(calendars)) or 'none'})",
            )
        result.append(CalendarMapping(source, room, calendar))
    return result


def _configure_etermin(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--public-key",
        required=True,
        help="eTermin public API key (or LEMNICORE_ETERMIN_PUBLIC_KEY, or lemnicore.toml)",
    )
    p.add_argument(
        "--private-key-file",
        required=True,
        type=existing_file,
        help="file holding the eTermin private API key (read for this run, never stored)",
    )
    p.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    p.add_argument(
        "--dry-run", action="store_true", help="test import: validate and report only (E3)"
    )
    p.add_argument(
        "--list-calendars", action="store_true", help="list the eTermin calendars and stop"
    )
    p.add_argument(
        "--from", dest="window_from", type=int, default=-500, help="window start, days from today"
    )
    p.add_argument(
        "--to", dest="window_to", type=int, default=200, help="window end, days from today"
    )
    p.add_argument(
        "--calendar",
        action="append",
        default=[],
        metavar="ID=ROOM[@CALENDAR]",
        help="import eTermin calendar ID into ROOM (repeat; E2)",
    )
    p.add_argument("--target-calendar", help="lemnicore calendar for mappings that name none")
    p.add_argument("--organisation", help="organisation id (default: the only one)")
    p.add_argument("--confirmations", choices=("none", "future"), default="none", help="D16")
    p.add_argument("--reminders-from", type=date.fromisoformat, help="D17: remind from this date")
    p.add_argument(
        "--base-url", default=None, help="eTermin API base URL (default: the public API)"
    )
    p.add_argument("--report-json", type=output_file, help="write the full report as JSON here")
    add_json_option(p)


def _run_etermin(args: argparse.Namespace) -> int:
    from lemnicore.access.actors import SYSTEM_ACTOR
    from lemnicore.clock import SystemClock
    from lemnicore.importing.runs import CONFIRMATIONS_FUTURE, CONFIRMATIONS_NONE
    from lemnicore.timekeeping import zone
    from lemnicore_etermin.api import DEFAULT_BASE_URL
    from lemnicore_etermin.erasures import ErasedClients, respect_erasures
    from lemnicore_etermin.plan import TakeoverOptions, plan_takeover
    from lemnicore_etermin.report import report_json, report_text
    from lemnicore_etermin.takeover import EterminImporter, commit_takeover, dry_run, next_import_id

    private_key = args.private_key_file.read_text(encoding="utf-8").strip()
    importer = EterminImporter.connect(
        args.public_key, private_key, base_url=args.base_url or DEFAULT_BASE_URL
    )
    del private_key
    store = open_cli_store(args.store)
    try:
        if args.list_calendars:
            calendars = importer.list_calendars()
            if args.json:
                print_json(
                    [{"id": c.get("CalendarID"), "name": c.get("CalendarName")} for c in calendars]
                )
                return 0
            for c in calendars:
                print(f"{c.get('CalendarID')}\t{c.get('CalendarName')}")
            return 0
        if not args.calendar:
            listing = ", ".join(
                f"{c.get('CalendarID')} ({c.get('CalendarName')})"
                for c in importer.list_calendars()
            )
            raise ValidationError("--calendar", f"map at least one eTermin calendar: {listing}")
        organisation_id, time_zone, consent = _organisation(store, args.organisation)
        options = TakeoverOptions(
            organisation_id=organisation_id,
            calendars=tuple(_mappings(store, args.calendar, args.target_calendar)),
            window_from_days=args.window_from,
            window_to_days=args.window_to,
            confirmations=CONFIRMATIONS_FUTURE
            if args.confirmations == "future"
            else CONFIRMATIONS_NONE,
            reminders_from=args.reminders_from,
            time_zone=time_zone,
            default_consent=consent,
        )
        clock = SystemClock()
        today = clock.now().astimezone(zone(time_zone)).date()
        account = importer.fetch(options, today=today, progress=progress_line("fetching"))
        importer.close()  # the keys are not needed any more
        import_id = None if args.dry_run else next_import_id(store)
        plan = plan_takeover(account, options, today=today, now=clock.now(), import_id=import_id)
        # B5: the report (also a dry run's) leaves out clients erased on request.
        with store.unit_of_work(write=False) as uow:
            plan = respect_erasures(plan, ErasedClients.in_store(uow))
        if args.dry_run:
            run = dry_run(plan, clock=clock)
        else:
            run = commit_takeover(
                store, plan, clock=clock, actor=SYSTEM_ACTOR, progress=progress_line("writing")
            )
        if args.json:
            print(report_json(plan, run))
        else:
            print(report_text(plan, run))
        if args.report_json:
            args.report_json.write_text(report_json(plan, run), encoding="utf-8")
    finally:
        importer.close()
        store.close()
    return 0


def _configure_csv(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=existing_file, help="the CSV file")
    p.add_argument("--store", required=True, help="store URL")
    p.add_argument(
        "--columns",
        required=True,
        help="the file's columns in order, e.g. salutation,last_name,first_name,postcode,email",
    )
    p.add_argument("--delimiter", default=";", help="';' (Excel, default), ',' or 'tab'")
    p.add_argument(
        "--encoding", default="utf-8", help="utf-8 (with or without BOM) or windows-1252"
    )
    p.add_argument("--skip-header", action="store_true", help="the first line is a header")
    p.add_argument("--tag", help="tag every imported contact")
    p.add_argument(
        "--delete-existing",
        action="store_true",
        help="delete existing contacts first (their appointments stay)",
    )
    p.add_argument(
        "--must-change-password",
        action="store_true",
        help="logins must change their password first",
    )
    p.add_argument(
        "--skip-bad-lines", action="store_true", help="import the good lines, report the bad ones"
    )
    p.add_argument("--organisation", help="organisation id (default: the only one)")
    add_json_option(p)


def _run_csv(args: argparse.Namespace) -> int:
    import attrs

    from lemnicore.clock import SystemClock
    from lemnicore_etermin.csv_contacts import CsvOptions, import_contacts_csv

    options = CsvOptions(
        columns=args.columns,
        delimiter=args.delimiter,
        encoding=args.encoding,
        skip_header=args.skip_header,
        tag=args.tag,
        delete_existing=args.delete_existing,
        must_change_password=args.must_change_password,
        skip_bad_lines=args.skip_bad_lines,
    )
    store = open_cli_store(args.store)
    try:
        organisation_id, _, _ = _organisation(store, args.organisation)
        try:
            report = import_contacts_csv(
                store,
                args.file.read_bytes(),
                options,
                organisation_id=organisation_id,
                clock=SystemClock(),
            )
        except Exception as exc:
            problems = getattr(exc, "problems", None)
            if problems:
                print(
                    "Nothing imported; fix these lines (or use --skip-bad-lines):", file=sys.stderr
                )
                for line, field, reason in problems:
                    print(f"  line {line}: {field}: {reason}", file=sys.stderr)
                # G7: the report above, then the one line every failure ends with.
                raise ValidationError(
                    "file",
                    f"{len(problems)} line(s) in error, nothing imported",
                    record=str(args.file),
                ) from exc
            raise
        if args.json:
            print_json(attrs.asdict(report, recurse=True))
        else:
            print(report.to_text())
    finally:
        store.close()
    return 0


def _configure_export(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", required=True, help="store URL")
    p.add_argument("--output", type=output_file, help="file to write (default: stdout)")
    p.add_argument("--columns", default=None, help="columns in order (default: the usual ten)")
    p.add_argument("--delimiter", default=";")
    p.add_argument("--encoding", default="utf-8")
    p.add_argument("--no-header", action="store_true")


def _run_export(args: argparse.Namespace) -> int:
    from lemnicore_etermin.csv_contacts import export_contacts_csv

    store = open_cli_store(args.store, must_exist=True, read_only=True)
    try:
        with store.unit_of_work(write=False) as uow:
            clients = uow.clients.all()
            logins = {login.client_id: login.id for login in uow.client_logins.all()}
        kwargs = {"columns": args.columns} if args.columns else {}
        data = export_contacts_csv(
            clients,
            delimiter=args.delimiter,
            encoding=args.encoding,
            header=not args.no_header,
            logins=logins,
            **kwargs,
        )
    finally:
        store.close()
    if args.output:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


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


def register(commands: CommandRegistry) -> None:
    commands.describe_group("import", "data takeover: eTermin, CSV contacts, reset (E)")
    commands.describe_group("export", "export data (E7)")
    commands.add(
        ("import", "etermin"),
        help="take over an eTermin account (E1-E6)",
        configure=_configure_etermin,
        run=_run_etermin,
    )
    commands.add(
        ("import", "csv-contacts"),
        help="import contacts from a CSV file (E7)",
        configure=_configure_csv,
        run=_run_csv,
    )
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
    commands.add(
        ("export", "csv-contacts"),
        help="export contacts as CSV (E7)",
        configure=_configure_export,
        run=_run_export,
    )
