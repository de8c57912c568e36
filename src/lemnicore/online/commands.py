"""G3/C1/C5: staff commands for online booking — ``lemnicore booking release|requests|confirm``.

The CLI acts as the operator of the store (the system actor named ``cli``), like an admin
shell; an app's own web layer calls :class:`~lemnicore.online.service.OnlineBooking` with
the logged-in staff member's actor instead.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lemnicore.cli.arguments import open_cli_store
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.clock import SystemClock
from lemnicore.plugins.markers import hookimpl
from lemnicore.timekeeping import zone

if TYPE_CHECKING:
    from lemnicore.access.actors import Actor


def cli_actor() -> Actor:
    """Who the command line acts as (B1): the system, named so the audit trail says so."""
    from lemnicore.access.actors import Actor, Role

    return Actor(id="cli", role=Role.SYSTEM, name="lemnicore command line")


def _store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")


def _configure_release(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("room", metavar="ROOM", help="id of the room to offer online")
    parser.add_argument(
        "--calendar", required=True, help="calendar id the requests land in (as proposed)"
    )
    parser.add_argument(
        "--link-base", default=None, help="public URL prefix, e.g. https://praxis.example/book"
    )
    _store_argument(parser)


def _release(args: argparse.Namespace) -> int:
    from lemnicore.online.service import OnlineBooking

    store = open_cli_store(args.store, must_exist=True)
    try:
        booking = OnlineBooking(store, SystemClock(), link_base=args.link_base)
        release = booking.release(cli_actor(), args.room, args.calendar)
        print(f"Room {args.room} is offered online; requests go to calendar {args.calendar}.")
        print(f"token: {release.token}")
        print(f"link:  {booking.link(release)}")
    finally:
        store.close()
    return 0


def _configure_requests(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calendar", default=None, help="only requests in this calendar")
    _store_argument(parser)
    add_json_option(parser)


def _requests(args: argparse.Namespace) -> int:
    from lemnicore.online.service import OnlineBooking

    store = open_cli_store(args.store, must_exist=True, read_only=True)
    try:
        found = OnlineBooking(store, SystemClock()).requests(cli_actor(), calendar_id=args.calendar)
        with store.unit_of_work(write=False) as uow:
            zones = {
                r.id: uow.branches.get(r.branch_id).time_zone
                for r in uow.rooms.all()
                if r.id in {f.room_id for f in found}
            }
        if args.json:
            print_json(
                [
                    {
                        "appointment_id": r.appointment_id,
                        "start": r.start.astimezone(zone(zones[r.room_id])),
                        "room_id": r.room_id,
                        "name": r.requester.display_name if r.requester else None,
                        "email": r.requester.email if r.requester else None,
                        "phone": r.requester.phone if r.requester else None,
                    }
                    for r in found
                ]
            )
            return 0
        if not found:
            print("No open booking requests.")
        for request in found:
            start = request.start.astimezone(zone(zones[request.room_id]))
            who = request.requester
            name = who.display_name if who else "(comment edited)"
            contact = ", ".join(p for p in (who.email, who.phone) if p) if who else ""
            print(
                f"{request.appointment_id}  {start:%a %d.%m.%Y %H:%M}  {request.room_id}"
                f"  {name}  {contact}"
            )
    finally:
        store.close()
    return 0


def _configure_confirm(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("appointment", metavar="APPOINTMENT_ID", help="the proposed appointment")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--client", default=None, help="id of an existing client to attach")
    who.add_argument(
        "--new-client",
        action="store_true",
        help="create a client from the requester's details (override with --last-name etc.)",
    )
    parser.add_argument("--last-name", default=None)
    parser.add_argument("--first-name", default=None)
    parser.add_argument("--email", default=None)
    parser.add_argument("--phone", default=None)
    parser.add_argument("--type", default=None, help="appointment type to book it as")
    _store_argument(parser)


def _confirm(args: argparse.Namespace) -> int:
    from lemnicore.online.requests import BookingRequestForm, NewClient
    from lemnicore.online.service import OnlineBooking

    store = open_cli_store(args.store, must_exist=True)
    try:
        booking = OnlineBooking(store, SystemClock())
        new_client = None
        if args.new_client:
            with store.unit_of_work(write=False) as uow:
                comment = uow.appointments.get(args.appointment).comment
            form = BookingRequestForm.from_comment(comment)
            base = NewClient.from_request(form) if form else NewClient(args.last_name or "")
            new_client = NewClient(
                last_name=args.last_name or base.last_name,
                first_name=args.first_name if args.first_name is not None else base.first_name,
                email=args.email or base.email,
                phone=args.phone or base.phone,
            )
        booked = booking.confirm(
            cli_actor(),
            args.appointment,
            client_id=args.client,
            new_client=new_client,
            type_id=args.type,
        )
        print(f"Booked {booked.id} for client {booked.client_id}.")
    finally:
        store.close()
    return 0


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    commands.describe_group("booking", "online self-booking: release rooms, handle requests (C)")
    commands.add(
        ("booking", "release"),
        help="offer a room online and print its booking link (C1)",
        configure=_configure_release,
        run=_release,
    )
    commands.add(
        ("booking", "requests"),
        help="list open online booking requests (C5)",
        configure=_configure_requests,
        run=_requests,
    )
    commands.add(
        ("booking", "confirm"),
        help="attach a client to a request and book it (C5)",
        configure=_configure_confirm,
        run=_confirm,
    )
