"""G3: ``lemnicore export csv-contacts`` — added through the ``lemnicore_register_commands``
hook. (``lemnicore import etermin``, ``import csv-contacts``, ``import list`` and ``import
reset`` come from the shared import pipeline, :mod:`lemnicore.cli.importing`.)"""

from __future__ import annotations

import argparse
import sys

from lemnicore.cli.arguments import open_cli_store, output_file
from lemnicore.cli.registry import CommandRegistry

# The commands import the CSV code when they run, not when ``lemnicore --help`` builds
# the parser (G5).


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
        ("export", "csv-contacts"),
        help="export contacts as CSV (E7)",
        configure=_configure_export,
        run=_run_export,
    )
