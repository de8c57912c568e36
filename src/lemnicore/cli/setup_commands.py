"""A1/A2/A5/A10: ``lemnicore setup`` — the organisation and its branches, practitioners,
their hours, the rooms' hours and appointment types, from the shell.

The commands act as the command line's operator (the system actor ``cli``), through the
same services an embedding application calls (:class:`~lemnicore.PracticeSetup`,
:class:`~lemnicore.WorkingHours`), so every change is checked and audited (B1, B3). Weekly
hours are written as ``"mon-fri 08:00-12:00,13:00-17:00"``; several day groups are
separated by ``;`` or given as several ``--hours``. ``setup organisation create`` is the
operator's command that bootstraps a store (it creates a missing SQLite file); only the
system actor may create an organisation (B1). Bad input ends in one line naming the
option (G7). The services and the domain load when a command runs, not when
``lemnicore --help`` registers the commands (G5).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lemnicore.cli.arguments import add_store_option, iso_date, open_cli_store
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.cli.setup_show import overview_facts, overview_text, type_facts, type_text
from lemnicore.cli.weekly_hours import hours_text, weekly_hours
from lemnicore.errors import ValidationError
from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.storage.ports import Store, UnitOfWork

# -- shared options --------------------------------------------------------------------------


def _positive_minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole minutes, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 minutes, got {text!r}")
    return value


def _minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole minutes, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def _add_organisation_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--organisation",
        default=None,
        metavar="ID",
        help="the organisation to set up (default: the only one in the store)",
    )


def _add_hours_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hours",
        action="append",
        required=True,
        metavar="SPEC",
        help=(
            "weekly hours, e.g. 'mon-fri 08:00-12:00,13:00-17:00'; day groups separated by"
            " ';' or repeat --hours"
        ),
    )
    parser.add_argument(
        "--closed",
        action="append",
        type=iso_date,
        default=[],
        metavar="DATE",
        help="a closed day as YYYY-MM-DD (repeatable)",
    )
    parser.add_argument(
        "--holidays",
        default=None,
        metavar="REGION",
        help="leave out the public holidays of this region, e.g. DE-HH",
    )
    parser.add_argument(
        "--time-zone",
        default=None,
        metavar="ZONE",
        help="read the times in this IANA zone instead of the default (see below)",
    )
    add_store_option(parser)


def _organisation(uow: UnitOfWork, wanted: str | None) -> str:
    if wanted is not None:
        if uow.organisations.find(wanted) is None:
            raise ValidationError("--organisation", f"no such organisation {wanted!r}")
        return wanted
    known = sorted(o.id for o in uow.organisations.all())
    if len(known) != 1:
        listed = ", ".join(known) or "none — the store is empty"
        raise ValidationError(
            "--organisation", f"say which organisation; the store holds: {listed}"
        )
    return known[0]


def _open(url: str) -> Store:
    return open_cli_store(url, must_exist=True)


@contextlib.contextmanager
def _options_named(**options: str) -> Iterator[None]:
    """G7: a service's :class:`ValidationError` about a field names the option instead
    (``type_id`` → ``--id``), so the one line on stderr says what to change."""
    try:
        yield
    except ValidationError as error:
        option = options.get(error.field)
        if option is None:
            raise
        raise ValidationError(option, error.reason) from error


# -- the commands ----------------------------------------------------------------------------


def _configure_organisation_create(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", required=True, help="the organisation's id")
    parser.add_argument("--name", required=True, help="the practice's name")
    parser.add_argument(
        "--time-zone", required=True, metavar="ZONE", help="its IANA zone, e.g. Europe/Lisbon"
    )
    parser.add_argument("--plan", default="M", help="its plan (default: %(default)s; B4)")
    parser.add_argument(
        "--default-consent",
        action="store_true",
        help="new client records start with notification consent (D4)",
    )
    add_store_option(parser)
    add_json_option(parser)
    parser.epilog = (
        "An operator command: it runs as the system actor and creates the store file if it"
        " does not exist yet. An owner of a practice never creates another organisation."
    )


_ORGANISATION_OPTIONS = {
    "organisation_id": "--id",
    "id": "--id",
    "name": "--name",
    "time_zone": "--time-zone",
    "plan": "--plan",
}


def _organisation_create(args: argparse.Namespace) -> int:
    from lemnicore.access.plans import plan_named
    from lemnicore.clock import SystemClock
    from lemnicore.online.commands import cli_actor
    from lemnicore.scheduling.practice import Organisation
    from lemnicore.services.entitlements import Entitlements
    from lemnicore.services.setup import PracticeSetup

    with _options_named(**_ORGANISATION_OPTIONS):
        # Checked before the store is opened: bad input never leaves a new empty file.
        plan_named(Entitlements().plans, args.plan)
        Organisation(args.id, args.name, args.time_zone)
    store = open_cli_store(args.store)
    try:
        with _options_named(**_ORGANISATION_OPTIONS):
            organisation = PracticeSetup(store, SystemClock()).create_organisation(
                cli_actor(),
                args.id,
                args.name,
                args.time_zone,
                plan=args.plan,
                default_notification_consent=args.default_consent,
            )
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "id": organisation.id,
                "name": organisation.name,
                "time_zone": organisation.time_zone,
                "plan": organisation.plan,
                "default_notification_consent": organisation.default_notification_consent,
            }
        )
    else:
        print(
            f"Created organisation {organisation.name} ({organisation.id}),"
            f" {organisation.time_zone}, plan {organisation.plan}."
        )
    return 0


def _configure_branch_add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--code", required=True, help="the branch's short code, e.g. LX1")
    parser.add_argument("--name", required=True, help="the branch's name")
    parser.add_argument(
        "--time-zone",
        default=None,
        metavar="ZONE",
        help="its IANA zone (default: the organisation's)",
    )
    parser.add_argument("--id", default=None, help="the branch's id (default: generated)")
    _add_organisation_option(parser)
    add_store_option(parser)
    add_json_option(parser)


def _branch_add(args: argparse.Namespace) -> int:
    from lemnicore.clock import SystemClock
    from lemnicore.online.commands import cli_actor
    from lemnicore.services.setup import PracticeSetup

    store = _open(args.store)
    try:
        with store.unit_of_work(write=False) as uow:
            organisation_id = _organisation(uow, args.organisation)
        with _options_named(
            code="--code", name="--name", time_zone="--time-zone", branch_id="--id", id="--id"
        ):
            branch = PracticeSetup(store, SystemClock()).add_branch(
                cli_actor(),
                organisation_id,
                args.code,
                args.name,
                args.time_zone,
                branch_id=args.id,
            )
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "id": branch.id,
                "organisation_id": branch.organisation_id,
                "code": branch.code,
                "name": branch.name,
                "time_zone": branch.time_zone,
            }
        )
    else:
        print(f"Added branch {branch.code} {branch.name} ({branch.id}), {branch.time_zone}.")
    return 0


def _configure_practitioner_add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="the practitioner's name")
    parser.add_argument("--email", default=None, help="their e-mail address")
    parser.add_argument(
        "--branch", default=None, metavar="ID", help="branch of their calendar (default: first)"
    )
    parser.add_argument("--id", default=None, help="the practitioner's id (default: generated)")
    _add_organisation_option(parser)
    add_store_option(parser)
    add_json_option(parser)


def _practitioner_add(args: argparse.Namespace) -> int:
    from lemnicore.clock import SystemClock
    from lemnicore.online.commands import cli_actor
    from lemnicore.services.setup import PracticeSetup

    store = _open(args.store)
    try:
        with store.unit_of_work(write=False) as uow:
            organisation_id = _organisation(uow, args.organisation)
        with _options_named(
            practitioner_id="--id", calendar_id="--id", branch_id="--branch", name="--name"
        ):
            account = PracticeSetup(store, SystemClock()).add_practitioner(
                cli_actor(),
                organisation_id,
                args.name,
                email=args.email,
                branch_id=args.branch,
                practitioner_id=args.id,
                calendar_id=None if args.id is None else f"calendar-{args.id}",
            )
    finally:
        store.close()
    if args.json:
        print_json(
            {
                "id": account.practitioner.id,
                "name": account.practitioner.name,
                "organisation_id": organisation_id,
                "calendar_id": account.calendar.id,
                "branch_id": account.calendar.branch_id,
            }
        )
    else:
        print(
            f"Added practitioner {account.practitioner.name} ({account.practitioner.id}) with"
            f" calendar {account.calendar.id}."
        )
    return 0


def _configure_hours(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--practitioner", required=True, metavar="ID", help="practitioner id")
    _add_hours_options(parser)
    parser.epilog = (
        "The times are wall-clock times of the practitioner's own zone (their calendar's"
        " branch) unless --time-zone says otherwise. They replace the practitioner's"
        " earlier hours."
    )


def _hours(args: argparse.Namespace) -> int:
    from lemnicore.clock import SystemClock
    from lemnicore.online.commands import cli_actor
    from lemnicore.services.working_hours import WorkingHours

    windows = weekly_hours(args.hours)
    store = _open(args.store)
    try:
        with store.unit_of_work(write=False) as uow:
            if uow.practitioners.find(args.practitioner) is None:
                known = ", ".join(sorted(p.id for p in uow.practitioners.all())) or "none"
                raise ValidationError(
                    "--practitioner",
                    f"no such practitioner {args.practitioner!r}; practitioners: {known}",
                )
        with _options_named(time_zone="--time-zone", holiday_region="--holidays"):
            hours = WorkingHours(store, SystemClock()).set_practitioner_hours(
                cli_actor(),
                args.practitioner,
                windows,
                time_zone=args.time_zone,
                closed_days=args.closed,
                holiday_region=args.holidays,
            )
    finally:
        store.close()
    print(f"{args.practitioner} works {hours_text(hours.working_times)} ({hours.time_zone}).")
    return 0


def _configure_room_hours(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--room", required=True, help="the room's id or its exact name")
    parser.add_argument(
        "--slot-minutes",
        type=_positive_minutes,
        default=30,
        metavar="N",
        help="length of a bookable slot (default: %(default)s)",
    )
    _add_hours_options(parser)
    parser.epilog = (
        "The times are wall-clock times of the room's branch unless --time-zone says"
        " otherwise. They replace the room's earlier hours."
    )


def _room_hours(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from lemnicore.cli.builtin_commands import find_room
    from lemnicore.clock import SystemClock
    from lemnicore.online.commands import cli_actor
    from lemnicore.services.lookup import room_time_zone
    from lemnicore.services.working_hours import WorkingHours

    windows = weekly_hours(args.hours)
    store = _open(args.store)
    try:
        with store.unit_of_work(write=False) as uow:
            room = find_room(uow, args.room)
        with _options_named(time_zone="--time-zone", holiday_region="--holidays"):
            availability = WorkingHours(store, SystemClock()).set_room_hours(
                cli_actor(),
                room.id,
                windows,
                slot_length=timedelta(minutes=args.slot_minutes),
                closed_days=args.closed,
                holiday_region=args.holidays,
                time_zone=args.time_zone,
            )
        with store.unit_of_work(write=False) as uow:
            zone_name = availability.time_zone or room_time_zone(uow, room.id)
    finally:
        store.close()
    print(
        f"{room.name} ({room.id}) is open {hours_text(availability.working_times)}"
        f" ({zone_name}), slots of {args.slot_minutes} min."
    )
    return 0


def _configure_type_add(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", required=True, help="what the type is called")
    parser.add_argument(
        "--minutes", type=_positive_minutes, default=30, metavar="N", help="default duration"
    )
    parser.add_argument(
        "--buffer-before",
        type=_minutes,
        default=0,
        metavar="N",
        help="minutes before that block the room, not shown to the client (A10)",
    )
    parser.add_argument(
        "--buffer-after",
        type=_minutes,
        default=0,
        metavar="N",
        help="minutes after that block the room, e.g. cleaning (A10)",
    )
    parser.add_argument("--group", action="store_true", help="a group appointment type (A2)")
    parser.add_argument(
        "--no-auto-notifications",
        action="store_true",
        help="send no automatic confirmations or reminders for this type (A2)",
    )
    parser.add_argument("--id", default=None, help="the type's id (default: generated)")
    _add_organisation_option(parser)
    add_store_option(parser)
    add_json_option(parser)


def _type_add(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from lemnicore.clock import SystemClock
    from lemnicore.online.commands import cli_actor
    from lemnicore.services.setup import PracticeSetup

    store = _open(args.store)
    try:
        with store.unit_of_work(write=False) as uow:
            organisation_id = _organisation(uow, args.organisation)
        with _options_named(type_id="--id", name="--name", id="--id"):
            kind = PracticeSetup(store, SystemClock()).add_appointment_type(
                cli_actor(),
                organisation_id,
                args.name,
                duration=timedelta(minutes=args.minutes),
                buffer_before=timedelta(minutes=args.buffer_before),
                buffer_after=timedelta(minutes=args.buffer_after),
                allows_auto_notifications=not args.no_auto_notifications,
                is_group=args.group,
                type_id=args.id,
            )
    finally:
        store.close()
    if args.json:
        print_json(type_facts(kind))
    else:
        print(f"Added appointment type {kind.name} ({kind.id}): {type_text(kind)}.")
    return 0


def _configure_show(parser: argparse.ArgumentParser) -> None:
    _add_organisation_option(parser)
    add_store_option(parser)
    add_json_option(parser)


def _show(args: argparse.Namespace) -> int:
    from lemnicore.clock import SystemClock
    from lemnicore.online.commands import cli_actor
    from lemnicore.services.setup import PracticeSetup

    store = open_cli_store(args.store, must_exist=True, read_only=True)
    try:
        with store.unit_of_work(write=False) as uow:
            organisation_id = _organisation(uow, args.organisation)
        overview = PracticeSetup(store, SystemClock()).overview(cli_actor(), organisation_id)
    finally:
        store.close()
    if args.json:
        print_json(overview_facts(overview))
    else:
        print(overview_text(overview))
    return 0


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    commands.describe_group(
        "setup", "set up a practice: organisation, branches, practitioners, hours, types"
    )
    commands.describe_group(("setup", "organisation"), "bootstrap an organisation (operator, A1)")
    commands.describe_group(("setup", "branch"), "branches with their codes and zones (A1)")
    commands.describe_group(("setup", "practitioner"), "practitioners and their calendars (A1)")
    commands.describe_group(("setup", "type"), "appointment types with buffers (A2, A10)")
    commands.add(
        ("setup", "organisation", "create"),
        help="create an organisation in a store, as the system actor (operator, A1, B1)",
        configure=_configure_organisation_create,
        run=_organisation_create,
    )
    commands.add(
        ("setup", "branch", "add"),
        help="add a branch with its code and time zone (A1)",
        configure=_configure_branch_add,
        run=_branch_add,
    )
    commands.add(
        ("setup", "practitioner", "add"),
        help="add a practitioner with a calendar of their own (A1)",
        configure=_configure_practitioner_add,
        run=_practitioner_add,
    )
    commands.add(
        ("setup", "hours"),
        help="set a practitioner's weekly working hours, replacing earlier ones (A10)",
        configure=_configure_hours,
        run=_hours,
    )
    commands.add(
        ("setup", "room-hours"),
        help="set when a room can be booked, replacing earlier hours (A5)",
        configure=_configure_room_hours,
        run=_room_hours,
    )
    commands.add(
        ("setup", "type", "add"),
        help="add an appointment type with its duration and buffers (A2, A10)",
        configure=_configure_type_add,
        run=_type_add,
    )
    commands.add(
        ("setup", "show"),
        help="show how the practice is set up: rooms, practitioners, hours, types",
        configure=_configure_show,
        run=_show,
    )
