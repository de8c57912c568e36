"""G3/G6: ``lemnicore notify run | serve | why | policy`` — the notification service on the
command line.

The service itself is imported when a command runs, not when the parser is built, so
``lemnicore --help`` stays fast (G5).
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from lemnicore.cli.arguments import open_cli_store
from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.clock import Clock, SystemClock
from lemnicore.errors import PluginError, ValidationError
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager
from lemnicore.plugins.markers import hookimpl
from lemnicore.timekeeping import require_aware, zone

if TYPE_CHECKING:
    import pluggy

    from lemnicore.notifications.service import RunReport
    from lemnicore.notifications.transport import Transport
    from lemnicore.storage.ports import Store


def _store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    parser.add_argument(
        "--now",
        default=None,
        help="pretend it is this moment (ISO 8601; without offset: the practice's local time)",
    )


def _organisation_zone(store: Store) -> str:
    """The zone the practice reads its clock in (the first organisation's; default Berlin)."""
    with store.unit_of_work(write=False) as uow:
        organisations = uow.organisations.all()
    return organisations[0].time_zone if organisations else "Europe/Berlin"


def _clock(store: Store, text: str | None) -> Clock:
    if text is None:
        return SystemClock()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("--now", f"not an ISO 8601 date and time: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(_organisation_zone(store)))
    from lemnicore.testing.clock import FakeClock

    return FakeClock(require_aware(moment, "--now"))


def _open_transports(urls: list[str], pm: pluggy.PluginManager, into: list[Transport]) -> None:
    """Build one transport per URL into ``into`` (so the caller can close whatever was
    opened, also when a later URL is refused)."""
    factories = collect_registrations(pm.hook.lemnicore_register_transports, "transport")
    for url in urls:
        scheme = url.split("://", 1)[0]
        factory = factories.get(scheme)
        if factory is None:
            known = ", ".join(f"{s}://" for s in sorted(factories)) or "none installed"
            raise PluginError(
                f"no transport plugin serves {scheme}:// (available: {known}; "
                "install lemnicore[notify] for e-mail, SMS and Threema)"
            )
        into.append(factory(url))


def shown_url(transport: Transport, url: str) -> str:
    """How a transport is named in output: its own ``masked_url`` if it has one, else only
    the scheme — a URL carries credentials, and core cannot know where they sit (D12)."""
    masked = getattr(transport, "masked_url", None)
    return masked if isinstance(masked, str) else f"{url.split('://', 1)[0]}://…"


def _transport_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be sent; send and write nothing"
    )
    parser.add_argument(
        "--transport",
        action="append",
        default=[],
        metavar="URL",
        help=(
            "a message transport, e.g. smtp://user@host:587 (repeatable; better kept out of "
            "argv: LEMNICORE_TRANSPORT or 'transport' in lemnicore.toml)"
        ),
    )
    add_json_option(parser)


def _configure_run(parser: argparse.ArgumentParser) -> None:
    _store_argument(parser)
    _transport_options(parser)
    parser.add_argument(
        "--branches",
        default=None,
        help="D2: only these comma-separated branch codes in this run (any case); "
        "an unknown code is refused",
    )


def _no_transport(pm: pluggy.PluginManager, command: str) -> int:
    factories = collect_registrations(pm.hook.lemnicore_register_transports, "transport")
    known = ", ".join(f"{s}://" for s in sorted(factories)) or "none installed"
    print(
        f"lemnicore {command}: no transport configured, so nothing can be sent.\n"
        "  Give one or more with --transport URL (available schemes: "
        f"{known}),\n  or add --dry-run to see what would be sent and why."
    )
    return 2


def report_document(report: RunReport, tz_name: str) -> dict[str, Any]:
    """G6: a run report as the JSON ``notify run --json`` prints (one per run for ``serve``)."""
    tz = zone(tz_name)
    return {
        "now": report.plan.now.astimezone(tz),
        "time_zone": tz_name,
        "dry_run": report.dry_run,
        "due": [
            {
                "kind": m.kind,
                "channel": m.channel,
                "on_work_list": m.on_work_list,
                "address": m.address,
                "client_id": m.client_id,
                "appointments": [a.id for a in m.appointments],
            }
            for m in report.plan.due
        ],
        "dispatched": [
            {
                "kind": o.kind,
                "channel": o.channel,
                "address": o.address,
                "state": o.state,
                "detail": o.detail,
            }
            for o in report.dispatched
        ],
        "skipped": [
            {
                "appointment_id": s.appointment_id,
                "kind": s.kind,
                "reason": s.reason,
                "detail": s.detail,
            }
            for s in report.plan.skipped
        ],
        "shortened": [
            {"message_id": message_id, "note": note} for message_id, note in report.shortened
        ],
    }


def print_report(report: RunReport, tz_name: str) -> None:
    """The text of one run: what was due, what happened to it, what was skipped and why."""
    verb = "would send" if report.dry_run else "due"
    local = report.plan.now.astimezone(zone(tz_name))
    print(
        f"Run at {local:%Y-%m-%d %H:%M} {tz_name} ({local:%Z}): "
        f"{len(report.plan.due)} message(s) {verb}"
    )
    for m in report.plan.due:
        ids = ", ".join(a.id for a in m.appointments)
        place = "work list" if m.on_work_list else m.channel.value
        print(f"  {verb}: {m.kind.value} via {place} to {m.address} [{ids}]")
    for outcome in report.dispatched:
        detail = f" ({outcome.detail})" if outcome.detail else ""
        print(f"  {outcome.state.value}: {outcome.kind.value} to {outcome.address}{detail}")
    for message_id, note in report.shortened:
        print(f"  {message_id}: {note}")  # D13
    if report.plan.skipped:
        print(f"Skipped {len(report.plan.skipped)}:")
        for s in report.plan.skipped:
            print(f"  {s.appointment_id} {s.kind.value}: {s.reason.value} — {s.detail}")


def _run(args: argparse.Namespace) -> int:
    from lemnicore.notifications.service import NotificationService

    pm = make_plugin_manager()
    store = open_cli_store(args.store, must_exist=True, read_only=args.dry_run)
    transports: list[Transport] = []
    try:
        _open_transports(args.transport, pm, transports)
        if not transports and not args.dry_run:
            return _no_transport(pm, "notify run")
        if not args.json:
            for transport, url in zip(transports, args.transport, strict=True):
                channels = ", ".join(sorted(transport.channels))
                print(f"Transport {shown_url(transport, url)} ({channels})")
        service = NotificationService(store, _clock(store, args.now), transports)
        if args.branches is not None:
            policy = service.policy().with_changes(branch_codes=args.branches)
            service = NotificationService(store, service.clock, transports, policy)
        report = service.run(dry_run=args.dry_run)
        tz_name = _organisation_zone(store)
        if args.json:
            print_json(report_document(report, tz_name))
        else:
            print_report(report, tz_name)
    finally:
        for transport in transports:
            transport.close()
        store.close()
    return 0


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    parser.add_argument(
        "--every",
        default=None,
        metavar="DURATION",
        help="time between runs, e.g. 1h, 30m, 1h30m, 90s (default: the policy's run interval, 1h)",
    )
    _transport_options(parser)


def _serve(args: argparse.Namespace) -> int:
    from lemnicore.cli.scheduler import serve

    pm = make_plugin_manager()
    transports: list[Transport] = []
    try:
        _open_transports(args.transport, pm, transports)
        if not transports and not args.dry_run:
            return _no_transport(pm, "notify serve")
        return serve(
            args.store, transports, every=args.every, dry_run=args.dry_run, as_json=args.json
        )
    finally:
        for transport in transports:
            transport.close()


def _configure_why(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("appointment_id", metavar="APPOINTMENT_ID")
    _store_argument(parser)
    add_json_option(parser)


def _why(args: argparse.Namespace) -> int:
    from lemnicore.notifications.service import NotificationService

    store = open_cli_store(args.store, must_exist=True, read_only=True)
    try:
        service = NotificationService(store, _clock(store, args.now))
        from lemnicore.access.actors import SYSTEM_ACTOR

        explanation = service.why(SYSTEM_ACTOR, args.appointment_id)
        with store.unit_of_work(write=False) as uow:
            organisations = uow.organisations.all()
        tz = organisations[0].time_zone if organisations else "Europe/Berlin"
        if args.json:
            print_json(
                {
                    "appointment_id": explanation.appointment.id,
                    "now": explanation.now.astimezone(zone(tz)),
                    "reminder_due_at": explanation.reminder_due_at.astimezone(zone(tz)),
                    "last_notified_at": explanation.last_notified_at,
                    "due": [
                        {
                            "kind": m.kind,
                            "channel": m.channel,
                            "address": m.address,
                            "due_at": m.due_at,
                        }
                        for m in explanation.due
                    ],
                    "skips": [
                        {"kind": s.kind, "reason": s.reason, "detail": s.detail}
                        for s in explanation.skips
                    ],
                    "lines": explanation.lines(tz),
                }
            )
        else:
            print("\n".join(explanation.lines(tz)))
    finally:
        store.close()
    return 0


def _on_off(text: str) -> bool:
    value = text.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, got {text!r}")


def _configure_policy(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="store URL, e.g. sqlite:///practice.db")
    parser.add_argument("--enabled", type=_on_off, help="switch the service on or off")
    parser.add_argument("--hours-before", type=int, help="D5: remind H hours before")
    parser.add_argument("--min-hours-between", type=int, help="D8: guard, 1-99 hours")
    parser.add_argument("--combine", type=_on_off, help="D9: one reminder per client and date")
    parser.add_argument("--confirmations", type=_on_off, help="D10: send confirmations")
    parser.add_argument("--ics", type=_on_off, help="D11: attach an .ics to confirmations")
    parser.add_argument(
        "--ics-organizer", help="D11: the practice's e-mail address, the ORGANIZER of each .ics"
    )
    parser.add_argument(
        "--ics-uid-domain", help="D11: the domain ending each event UID (set it before the first)"
    )
    parser.add_argument("--quiet-hours", help="D6: HH:MM-HH:MM, or 'none'")
    parser.add_argument(
        "--blackout", action="append", help="D7: HH:MM-HH:MM (repeatable); 'none' clears"
    )
    parser.add_argument("--branches", help="D2: comma-separated branch codes; '' for all")
    parser.add_argument("--start-date", help="D3: YYYY-MM-DD, or 'none'")
    add_json_option(parser)


def _policy(args: argparse.Namespace) -> int:
    from lemnicore.notifications.service import NotificationService

    changes: dict[str, object] = {}
    for option, key in (
        ("enabled", "enabled"),
        ("hours_before", "reminder__hours_before"),
        ("min_hours_between", "reminder__min_hours_between"),
        ("combine", "reminder__combine_per_date"),
        ("confirmations", "confirmation__enabled"),
        ("ics", "confirmation__attach_ics"),
        ("ics_organizer", "confirmation__ics_organizer"),
        ("ics_uid_domain", "confirmation__ics_uid_domain"),
        ("quiet_hours", "quiet_hours"),
        ("branches", "branch_codes"),
    ):
        value = getattr(args, option)
        if value is not None:
            changes[key] = value
    if args.blackout is not None:
        changes["blackout_windows"] = [b for b in args.blackout if b.lower() != "none"]
    if args.start_date is not None:
        try:
            changes["start_date"] = (
                None if args.start_date.lower() == "none" else date.fromisoformat(args.start_date)
            )
        except ValueError:
            raise ValidationError(
                "start_date", f"expected YYYY-MM-DD, got {args.start_date!r}"
            ) from None
    # F3: only a change writes; looking at the policy opens the store read-only, so it
    # never migrates an older store.
    store = open_cli_store(args.store, must_exist=True, read_only=not changes)
    try:
        service = NotificationService(store, SystemClock())
        policy = service.policy()
        if changes:
            policy = policy.with_changes(**changes)
            service.save_policy(policy)
            policy = service.policy()  # as saved (D2: codes as the branches spell them)
            if not args.json:
                print("Policy saved.")
        r, c = policy.reminder, policy.confirmation
        if args.json:
            print_json(
                {
                    "store": store.url,
                    "enabled": policy.enabled,
                    "run_interval": policy.run_interval,
                    "start_date": policy.start_date,
                    "branches": sorted(policy.branch_codes),
                    "quiet_hours": str(policy.quiet_hours) if policy.quiet_hours else None,
                    "blackout_windows": [str(b) for b in policy.blackout_windows],
                    "reminders": {
                        "enabled": r.enabled,
                        "hours_before": r.hours_before,
                        "min_hours_between": r.min_hours_between,
                        "combine_per_date": r.combine_per_date,
                    },
                    "confirmations": {
                        "enabled": c.enabled,
                        "attach_ics": c.attach_ics,
                        "ics_organizer": c.ics_organizer,
                        "ics_uid_domain": c.ics_uid_domain,
                    },
                    "channel_order": list(policy.template.channel_order),
                    "sms_max_segments": policy.template.sms_max_segments,
                }
            )
            return 0
        print(f"Notification policy of {store.url}")
        print(f"  service:            {'on' if policy.enabled else 'off'}")
        print(f"  run interval:       {policy.run_interval}")
        print(f"  start date:         {policy.start_date or 'immediately'}")
        print(f"  branches:           {','.join(sorted(policy.branch_codes)) or 'all'}")
        print(f"  quiet hours:        {policy.quiet_hours or 'none'}")
        print(f"  blackout windows:   {', '.join(map(str, policy.blackout_windows)) or 'none'}")
        print(
            f"  reminders:          {'on' if r.enabled else 'off'}, {r.hours_before} h before,"
            f" guard {r.min_hours_between} h, combine per date {'on' if r.combine_per_date else 'off'}"
        )
        print(
            f"  confirmations:      {'on' if c.enabled else 'off'},"
            f" .ics {'attached' if c.attach_ics else 'not attached'}"
        )
        order = " > ".join(ch.value for ch in policy.template.channel_order)
        print(
            f"  channel order:      {order} (SMS at most {policy.template.sms_max_segments} segments)"
        )
        for text in policy.template.texts:
            print(f"  text {text.channel.value}/{text.kind.value}: {text.body.splitlines()[0]}")
    finally:
        store.close()
    return 0


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    commands.describe_group("notify", "confirmations and reminders (SPEC D)")
    commands.add(
        ("notify", "run"),
        help="run the notification service once (D): plan, send, record",
        configure=_configure_run,
        run=_run,
    )
    commands.add(
        ("notify", "serve"),
        help="run the notification service every --every (default 1h) until stopped (G6)",
        configure=_configure_serve,
        run=_serve,
    )
    commands.add(
        ("notify", "why"),
        help="explain why an appointment was or was not confirmed or reminded",
        configure=_configure_why,
        run=_why,
    )
    commands.add(
        ("notify", "policy"),
        help="show or change the notification policy stored in the store",
        configure=_configure_policy,
        run=_policy,
    )
