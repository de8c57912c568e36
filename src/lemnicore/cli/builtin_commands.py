"""The built-in commands: ``version``, ``slots``, ``demo`` (G3).

They register through the ``lemnicore_register_commands`` hook exactly like a plugin's.
This module imports only what building the parser needs; each command imports the
services it runs when it runs, so ``lemnicore --help`` stays fast (G5).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lemnicore.cli.arguments import add_store_option, iso_date, iso_instant, open_cli_store
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.errors import ValidationError
from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.scheduling.practice import Room
    from lemnicore.storage.ports import UnitOfWork


def _version(args: argparse.Namespace) -> int:
    from lemnicore import __version__

    if getattr(args, "json", False):
        print_json({"name": "lemnicore", "version": __version__})
    else:
        print(f"lemnicore {__version__}")
    return 0


def _configure_slots(parser: argparse.ArgumentParser) -> None:
    add_store_option(parser)
    parser.add_argument(
        "--room", required=True, help="the room's id or its exact name, e.g. demo-room-1"
    )
    parser.add_argument(
        "--week",
        type=iso_date,
        default=None,
        metavar="DATE",
        help="any date in the week to show, as YYYY-MM-DD (default: this week)",
    )
    parser.add_argument(
        "--calendar",
        default=None,
        metavar="ID",
        help="also count this practitioner's calendar as busy, and use its own working times",
    )
    add_json_option(parser)


def find_room(uow: UnitOfWork, wanted: str) -> Room:
    """The room with id ``wanted``, else the one named ``wanted`` (case-insensitive).

    An unknown room is a :class:`ValidationError` naming ``--room`` and listing the rooms
    the store does know, so the user can copy the right id.
    """
    rooms = uow.rooms.all()
    by_id = [r for r in rooms if r.id == wanted]
    by_name = [r for r in rooms if r.name.casefold() == wanted.casefold()]
    if by_id or len(by_name) == 1:
        return (by_id or by_name)[0]
    known = ", ".join(f"{r.id} ({r.name})" for r in rooms) or "none — the store is empty"
    reason = "names several rooms, use the id" if by_name else "no such room"
    raise ValidationError("--room", f"{wanted!r}: {reason}; rooms: {known}")


def _slots(args: argparse.Namespace) -> int:
    """A5/C2: the free slots of one room, a week at a time."""
    from datetime import time, timedelta

    from lemnicore.access.actors import SYSTEM_ACTOR
    from lemnicore.cli.tables import week_table
    from lemnicore.clock import SystemClock
    from lemnicore.services.booking import AppointmentBook
    from lemnicore.timekeeping import local_datetime, zone

    store = open_cli_store(args.store, must_exist=True, read_only=True)
    try:
        with store.unit_of_work(write=False) as uow:
            room = find_room(uow, args.room)
            tz = zone(uow.branches.get(room.branch_id).time_zone)
            if args.calendar is not None:
                uow.calendars.get(args.calendar)
        day = args.week or SystemClock().now().astimezone(tz).date()
        monday = day - timedelta(days=day.weekday())
        days = [monday + timedelta(days=n) for n in range(7)]
        start = local_datetime(monday, time(0), tz)
        end = local_datetime(monday + timedelta(days=7), time(0), tz)
        grid = AppointmentBook(store, SystemClock()).slot_grid(
            SYSTEM_ACTOR, room.id, start, end, calendar_id=args.calendar
        )
        if args.json:
            print_json(
                {
                    "room": {"id": room.id, "name": room.name},
                    "time_zone": tz.key,
                    "week": monday,
                    "slots": [
                        {
                            "start": s.start.astimezone(tz),
                            "end": s.end.astimezone(tz),
                            "free": s.free,
                        }
                        for s in grid
                    ],
                }
            )
            return 0
        title = f"Free slots in {room.name} ({room.id}), week of {monday:%a %d.%m.%Y} ({tz.key}):"
        print(week_table(title, days, grid, tz))
    finally:
        store.close()
    return 0


def _configure_demo(parser: argparse.ArgumentParser) -> None:
    from lemnicore.cli.config import CONFIGURABLE

    # The sample practice goes into its own file, never into the store LEMNICORE_STORE or
    # lemnicore.toml names for real work.
    setattr(add_store_option(parser), CONFIGURABLE, False)
    parser.add_argument(
        "--now",
        type=iso_instant,
        default=None,
        metavar="ISO",
        help=(
            "pretend it is this instant, e.g. 2026-05-04T09:00 (Europe/Berlin unless an "
            "offset is given); default: the system clock"
        ),
    )
    add_json_option(parser)


def _demo(args: argparse.Namespace) -> int:
    from lemnicore.cli.demo import run_demo

    return run_demo(args)


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    commands.add(
        "version", help="print the lemnicore version", configure=add_json_option, run=_version
    )
    commands.add(
        "slots",
        help="show the free slots of a room for one week (A5, C2)",
        configure=_configure_slots,
        run=_slots,
    )
    commands.add(
        "demo",
        help=(
            "create (or reuse) a sample practice in ./lemnicore-demo.db and show the coming "
            "week's free slots"
        ),
        configure=_configure_demo,
        run=_demo,
    )
