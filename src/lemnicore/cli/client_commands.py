"""B6: ``lemnicore client export`` — a client's access request (GDPR art. 15) from the shell.

The command acts as the store's operator (the system actor ``cli``) unless ``--actor``
names a practitioner account (acting as its owner) or a staff account; either way the
access gateway decides (B1) and the export is audited under that actor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from lemnicore.cli.arguments import open_cli_store
from lemnicore.cli.registry import CommandRegistry
from lemnicore.clock import SystemClock
from lemnicore.errors import NotFoundError
from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.access.actors import Actor
    from lemnicore.storage.ports import Store

# The access model and the export service load when the command runs, not when
# ``lemnicore --help`` registers it (G5).


def cli_operator() -> Actor:
    """The store's operator on the command line (B1): the system actor ``cli``."""
    from lemnicore.access.actors import Actor, Role

    return Actor(id="cli", role=Role.SYSTEM, name="lemnicore command line")


def actor_named(store: Store, actor_id: str | None) -> Actor:
    """The actor a command acts as: the CLI operator, a practitioner (as owner of their
    calendars) or a staff account, looked up by id."""
    from lemnicore.access.actors import Actor, Role

    if actor_id is None:
        return cli_operator()
    with store.unit_of_work(write=False) as uow:
        practitioner = uow.practitioners.find(actor_id)
        if practitioner is not None:
            return Actor(
                id=f"user-{practitioner.id}",
                role=Role.OWNER,
                name=practitioner.name,
                practitioner_id=practitioner.id,
                organisation_id=practitioner.organisation_id,
            )
        account = uow.staff_accounts.find(actor_id)
        if account is not None:
            return account.actor()
    raise NotFoundError("practitioner or staff account (--actor)", actor_id)


def _configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("client_id", metavar="CLIENT_ID")
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    parser.add_argument(
        "--output", type=Path, default=None, help="write the JSON here (default: stdout)"
    )
    parser.add_argument(
        "--summary", type=Path, default=None, help="also write the readable summary here"
    )
    parser.add_argument(
        "--actor", default=None, help="practitioner or staff account id to act as (B1)"
    )


def _export(args: argparse.Namespace) -> int:
    store = open_cli_store(args.store, must_exist=True)
    try:
        actor = actor_named(store, args.actor)
        from lemnicore.services.export import ClientExport

        report = ClientExport(store, SystemClock()).export(actor, args.client_id)
    finally:
        store.close()
    if args.output is None:
        sys.stdout.write(report.as_json() + "\n")
    else:
        args.output.write_text(report.as_json() + "\n", encoding="utf-8")
        print(f"wrote the access request of client {args.client_id} to {args.output}")
    if args.summary is not None:
        args.summary.write_text(report.summary(), encoding="utf-8")
    elif args.output is not None:
        sys.stdout.write(report.summary())
    return 0


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    commands.describe_group("client", "client records: the access request (B6)")
    commands.add(
        ("client", "export"),
        help="export everything stored about a client as JSON and a summary (B6)",
        configure=_configure_export,
        run=_export,
    )
