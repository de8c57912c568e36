"""The built-in commands: ``version``, ``slots``, ``demo`` (G3)."""

from __future__ import annotations

import argparse
from datetime import date, time, timedelta

from lemnicore.cli.registry import CommandRegistry
from lemnicore.clock import SystemClock
from lemnicore.plugins.manager import open_store
from lemnicore.plugins.markers import hookimpl
from lemnicore.services.booking import AppointmentBook
from lemnicore.timekeeping import local_datetime, zone


def _version(args: argparse.Namespace) -> int:
    from lemnicore import __version__

    print(f"lemnicore {__version__}")
    return 0


def _configure_slots(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    parser.add_argument("--room", required=True, help="room id")
    parser.add_argument(
        "--week",
        type=date.fromisoformat,
        default=None,
        help="any date in the week to show (YYYY-MM-DD; default: this week)",
    )
    parser.add_argument(
        "--calendar", default=None, help="only slots for this practitioner's calendar"
    )


def _slots(args: argparse.Namespace) -> int:
    store = open_store(args.store)
    try:
        with store.unit_of_work(write=False) as uow:
            room = uow.rooms.get(args.room)
            tz = zone(uow.branches.get(room.branch_id).time_zone)
        clock = SystemClock()
        day = args.week or clock.now().astimezone(tz).date()
        monday = day - timedelta(days=day.weekday())
        start = local_datetime(monday, time(0), tz)
        end = local_datetime(monday + timedelta(days=7), time(0), tz)
        slots = AppointmentBook(store, clock).free_slots(
            args.room, start, end, calendar_id=args.calendar
        )
        print(f"Free slots in {room.name} ({room.id}), week of {monday.isoformat()}:")
        for current in (monday + timedelta(days=n) for n in range(7)):
            todays = [s for s in slots if s.start.date() == current]
            times = ", ".join(s.start.strftime("%H:%M") for s in todays) or "—"
            print(f"  {current.strftime('%a %d.%m.')}  {times}")
    finally:
        store.close()
    return 0


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    commands.add(
        "version", help="print the lemnicore version", configure=lambda p: None, run=_version
    )
    commands.add(
        "slots",
        help="free slots of a room for one week (A5)",
        configure=_configure_slots,
        run=_slots,
    )
