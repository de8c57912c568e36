"""``lemnicore demo``: the main job on the embedded default store (G4).

It sets up — or, on a later run, reuses — the sample practice of
:mod:`lemnicore.cli.sample_practice` in ``./lemnicore-demo.db`` and prints the free slots of
the coming seven days per room, then what the hourly notification service would send now
(a dry run: nothing is sent). What a run added goes to stderr, the table to stdout, so a
re-run prints exactly the same table.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from datetime import datetime, time, timedelta

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.cli.arguments import open_cli_store
from lemnicore.cli.invocation import command_prefix
from lemnicore.cli.output import print_json
from lemnicore.cli.sample_practice import (
    BRANCH,
    COMMUNITY,
    ORGANISATION,
    PRACTITIONERS,
    ROOMS,
    TIME_ZONE,
    TREATMENT,
    set_up_demo_practice,
)
from lemnicore.cli.tables import week_table
from lemnicore.clock import Clock, SystemClock
from lemnicore.notifications.service import NotificationService
from lemnicore.services.booking import AppointmentBook
from lemnicore.services.entitlements import UNLIMITED
from lemnicore.storage.ports import Store
from lemnicore.timekeeping import local_datetime, zone


def coming_week_report(store: Store, now: datetime, store_url: str) -> str:
    """The demo's output: the practice in one paragraph, then the free slots from ``now``
    to the end of the seventh day, one table per room (A5)."""
    tz = zone(TIME_ZONE)
    today = now.astimezone(tz).date()
    days = [today + timedelta(days=n) for n in range(7)]
    end = local_datetime(today + timedelta(days=7), time(0), tz)
    with store.unit_of_work(write=False) as uow:
        clients = uow.clients.count()
        appointments = uow.appointments.count()
    book = AppointmentBook(store, StoppedClock(now), entitlements=UNLIMITED)  # reads only
    lines = [
        f"{ORGANISATION.name} — branch {BRANCH.code} {BRANCH.name} ({TIME_ZONE})",
        f"store {store_url}: {len(ROOMS)} rooms, {len(PRACTITIONERS)} practitioners in the "
        f'calendar community "{COMMUNITY.name}", {clients} clients, {appointments} appointments',
        "",
        f"Free {int(TREATMENT.default_duration.total_seconds() // 60)}-minute slots from "
        f"{now.astimezone(tz):%a %d.%m.%Y %H:%M} to {days[-1]:%a %d.%m.%Y}:",
    ]
    for room in ROOMS:
        grid = book.slot_grid(SYSTEM_ACTOR, room.id, now, end)
        lines += ["", week_table(f"{room.name} ({room.id})", days, grid, tz)]
    lines += ["", *notification_dry_run(store, now, store_url)]
    # Point at the first week the table has not shown yet.
    next_monday = days[-1] + timedelta(days=7 - days[-1].weekday())
    lines += [
        "",
        f"A week at a time: {command_prefix()} slots --store "
        f"{store_url} --room {ROOMS[0].id} --week {next_monday}",
    ]
    return "\n".join(lines)


def notification_dry_run(store: Store, now: datetime, store_url: str) -> list[str]:
    """What the hourly notification service would send at ``now`` (D1–D13), and why it
    would skip the rest — planned only: nothing is written, nothing is sent."""
    tz = zone(TIME_ZONE)
    plan = NotificationService(store, StoppedClock(now)).plan(now)
    kinds = Counter(f"{m.kind.value} by {m.channel.value}" for m in plan.due)
    reasons = Counter(s.reason.value for s in plan.skipped)
    lines = [
        f"Notifications due at {now.astimezone(tz):%a %d.%m.%Y %H:%M} (dry run, nothing sent):",
        "  " + (", ".join(f"{n} {what}" for what, n in sorted(kinds.items())) or "none"),
    ]
    for message in plan.due[:3]:
        lines.append(
            f"  e.g. {message.kind.value} to {message.address} listing "
            f"{len(message.appointments)} appointment(s)"
        )
    if reasons:
        lines.append("  not sent: " + ", ".join(f"{n} {why}" for why, n in sorted(reasons.items())))
        example = plan.skipped[0].appointment_id
        lines.append(
            f"  why? {command_prefix()} notify why {example} --store {store_url} "
            f"--now {now.astimezone(tz):%Y-%m-%dT%H:%M}"
        )
    return lines


def coming_week_document(store: Store, now: datetime, store_url: str) -> dict[str, object]:
    """G6: what :func:`coming_week_report` says, as the JSON ``lemnicore demo --json`` prints:
    the practice, every slot of the coming seven days per room, and the notification dry
    run's counts."""
    tz = zone(TIME_ZONE)
    today = now.astimezone(tz).date()
    end = local_datetime(today + timedelta(days=7), time(0), tz)
    with store.unit_of_work(write=False) as uow:
        clients = uow.clients.count()
        appointments = uow.appointments.count()
    book = AppointmentBook(store, StoppedClock(now), entitlements=UNLIMITED)  # reads only
    plan = NotificationService(store, StoppedClock(now)).plan(now)
    return {
        "store": store_url,
        "practice": {
            "organisation": ORGANISATION.name,
            "branch": {"code": BRANCH.code, "name": BRANCH.name},
            "time_zone": TIME_ZONE,
            "clients": clients,
            "appointments": appointments,
        },
        "from": now.astimezone(tz),
        "until": end,
        "rooms": [
            {
                "id": room.id,
                "name": room.name,
                "slots": [
                    {"start": s.start.astimezone(tz), "end": s.end.astimezone(tz), "free": s.free}
                    for s in book.slot_grid(SYSTEM_ACTOR, room.id, now, end)
                ],
            }
            for room in ROOMS
        ],
        "notifications": {
            "due": dict(Counter(f"{m.kind.value} by {m.channel.value}" for m in plan.due)),
            "skipped": dict(Counter(s.reason.value for s in plan.skipped)),
        },
    }


@attrs.frozen
class StoppedClock:
    """A clock fixed at one instant (``--now``), so a demo run can be reproduced."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant


def run_demo(args: argparse.Namespace) -> int:
    clock: Clock = StoppedClock(args.now) if args.now else SystemClock()
    now = clock.now()
    store = open_cli_store(args.store)
    try:
        setup = set_up_demo_practice(store, clock)
        if setup.added_anything:
            print(
                f"lemnicore demo: added {setup.master_records} practice records, "
                f"{setup.clients} clients and {setup.appointments} appointments "
                f"to {args.store}",
                file=sys.stderr,
            )
        else:
            print(f"lemnicore demo: reusing {args.store} (nothing to add)", file=sys.stderr)
        if getattr(args, "json", False):
            print_json(coming_week_document(store, now, args.store))
        else:
            print(coming_week_report(store, now, args.store))
    finally:
        store.close()
    return 0
