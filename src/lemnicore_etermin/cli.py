"""G3: ``lemnicore import csv-contacts`` and ``lemnicore export csv-contacts`` — added
through the ``lemnicore_register_commands`` hook. (``lemnicore import etermin``, ``import
list`` and ``import reset`` come from the shared import pipeline, :mod:`lemnicore.cli.importing`.)"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from lemnicore.cli.arguments import existing_file, open_cli_store, output_file
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.errors import ValidationError

if TYPE_CHECKING:
    from lemnicore.storage.ports import Store

# The commands import the CSV code when they run, not when ``lemnicore --help`` builds
# the parser (G5).


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


def register(commands: CommandRegistry) -> None:
    commands.describe_group("export", "export data (E7)")
    commands.add(
        ("import", "csv-contacts"),
        help="import contacts from a CSV file (E7)",
        configure=_configure_csv,
        run=_run_csv,
    )
    commands.add(
        ("export", "csv-contacts"),
        help="export contacts as CSV (E7)",
        configure=_configure_export,
        run=_run_export,
    )
