"""G3/A9: ``lemnicore series propose|book`` — a prescription of N treatments from the shell.

Like ``lemnicore booking``, the command line acts as the operator of the store (the system
actor named ``cli``); an app calls :class:`~lemnicore.services.series.SeriesBook` with the
logged-in staff member's actor instead.
"""

from __future__ import annotations

import argparse
from datetime import time
from typing import TYPE_CHECKING

from lemnicore.cli.arguments import iso_date, iso_instant, open_cli_store
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.clock import Clock, SystemClock
from lemnicore.online.commands import cli_actor
from lemnicore.plugins.markers import hookimpl
from lemnicore.timekeeping import zone

if TYPE_CHECKING:
    from lemnicore.scheduling.series import SeriesProposal, SeriesRequest

# G5: the weekday names are spelled here so that ``--help`` imports no scheduling model.
WEEKDAY_NAMES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _weekdays(text: str) -> frozenset[int]:
    """``TU,TH`` → {1, 3}."""
    names = [p.strip().upper()[:2] for p in text.split(",") if p.strip()]
    unknown = [n for n in names if n not in WEEKDAY_NAMES]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"expected weekdays such as TU,TH (one of {', '.join(WEEKDAY_NAMES)}), got {text!r}"
        )
    return frozenset(WEEKDAY_NAMES.index(n) for n in names)


def _wall_time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a time such as 09:00, got {text!r}") from None


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    parser.add_argument("--client", required=True, help="the client's id")
    parser.add_argument("--type", required=True, dest="type_id", help="appointment type id")
    parser.add_argument("--calendar", required=True, help="the practitioner's calendar id")
    parser.add_argument("--count", required=True, type=int, help="how many treatments, e.g. 10")
    parser.add_argument(
        "--weekdays", required=True, type=_weekdays, help="wished weekdays, e.g. TU,TH"
    )
    parser.add_argument("--time", required=True, type=_wall_time, help="wished time, e.g. 09:00")
    parser.add_argument("--from", required=True, type=iso_date, dest="first", help="YYYY-MM-DD")
    parser.add_argument("--until", required=True, type=iso_date, dest="last", help="YYYY-MM-DD")
    parser.add_argument(
        "--room", required=True, action="append", dest="rooms", help="a room id (repeatable)"
    )
    parser.add_argument(
        "--now", type=iso_instant, default=None, help="pretend it is this time (for trials)"
    )
    add_json_option(parser)


def _request(args: argparse.Namespace, time_zone: str) -> SeriesRequest:
    from lemnicore.scheduling.series import SeriesRequest

    return SeriesRequest(
        client_id=args.client,
        type_id=args.type_id,
        calendar_id=args.calendar,
        count=args.count,
        weekdays=args.weekdays,
        preferred_time=args.time,
        earliest_start=args.first,
        latest_end=args.last,
        room_ids=tuple(args.rooms),
        time_zone=time_zone,
    )


def _print(proposal: SeriesProposal, time_zone: str, heading: str) -> None:
    tz = zone(time_zone)
    print(heading)
    for n, slot in enumerate(proposal.slots, 1):
        mark = "" if slot.as_asked else "  (nearest free time)"
        print(f"{n:3d}. {slot.start.astimezone(tz):%a %d.%m.%Y %H:%M}  {slot.room_id}{mark}")
    if proposal.shortfall:
        print(f"Note: {proposal.shortfall}")


def _run(args: argparse.Namespace, *, book: bool) -> int:
    from lemnicore.cli.demo import StoppedClock
    from lemnicore.services.series import SeriesBook

    store = open_cli_store(args.store, must_exist=True)
    try:
        with store.unit_of_work(write=False) as uow:
            room = uow.rooms.get(args.rooms[0])
            time_zone = uow.branches.get(room.branch_id).time_zone
        clock: Clock = StoppedClock(args.now) if args.now is not None else SystemClock()
        series = SeriesBook(store, clock)
        request = _request(args, time_zone)
        if not book:
            proposal = series.propose(cli_actor(), request)
            if args.json:
                print_json(
                    {
                        "requested": request.count,
                        "complete": proposal.complete,
                        "shortfall": proposal.shortfall or None,
                        "slots": [
                            {
                                "start": slot.start.astimezone(zone(time_zone)).isoformat(),
                                "room_id": slot.room_id,
                                "as_asked": slot.as_asked,
                            }
                            for slot in proposal.slots
                        ],
                    }
                )
            else:
                _print(proposal, time_zone, f"Proposed {len(proposal.slots)} of {request.count}:")
            return 0 if proposal.complete else 1
        booked = series.book(cli_actor(), request)
        tz = zone(time_zone)
        if args.json:
            print_json(
                {
                    "series_id": booked[0].series_id,
                    "appointments": [
                        {
                            "id": a.id,
                            "start": a.start.astimezone(tz).isoformat(),
                            "room_id": a.room_id,
                        }
                        for a in booked
                    ],
                }
            )
            return 0
        print(f"Booked series {booked[0].series_id} ({len(booked)} appointments):")
        for n, a in enumerate(booked, 1):
            print(f"{n:3d}. {a.start.astimezone(tz):%a %d.%m.%Y %H:%M}  {a.room_id}  {a.id}")
        return 0
    finally:
        store.close()


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    commands.describe_group("series", "appointment series: N treatments of a prescription (A9)")
    commands.add(
        ("series", "propose"),
        help="propose N free slots for a series (nothing is booked); exit 1 if fewer fit",
        configure=_configure,
        run=lambda args: _run(args, book=False),
    )
    commands.add(
        ("series", "book"),
        help="book a whole series at once, or nothing (A9)",
        configure=_configure,
        run=lambda args: _run(args, book=True),
    )


__all__ = ["lemnicore_register_commands"]
