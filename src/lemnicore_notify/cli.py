"""``lemnicore notify test-transport URL --to ADDRESS`` (G3, D12): send one test message
through a transport URL and show the masked URL and the provider's message id."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lemnicore.cli.output import add_json_option, print_json
from lemnicore.cli.registry import CommandRegistry
from lemnicore.errors import PluginError
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager

if TYPE_CHECKING:
    from lemnicore.notifications.transport import Transport, TransportFactory

TEST_TEXT = "Test message from lemnicore: this transport works."


def transport_for_url(url: str) -> Transport:
    """The transport for ``url`` from every plugin's ``lemnicore_register_transports``."""
    from lemnicore_notify.urls import mask_url

    factories: dict[str, TransportFactory] = collect_registrations(
        make_plugin_manager().hook.lemnicore_register_transports, "transport"
    )
    scheme = urlsplit(url).scheme
    factory = factories.get(scheme)
    if factory is None:
        known = ", ".join(f"{name}://" for name in sorted(factories))
        raise PluginError(f"no transport serves {mask_url(url)} (installed: {known})")
    return factory(url)


def _configure(parser: argparse.ArgumentParser) -> None:
    from lemnicore.scheduling.clients import Channel

    parser.add_argument(
        "url",
        metavar="URL",
        nargs="?",
        help=(
            "transport URL, e.g. smtp://user:pass@host (default: the first configured "
            "transport, so the secret stays out of argv: LEMNICORE_NOTIFY_TRANSPORT or "
            "[notify] transport in lemnicore.toml)"
        ),
    )
    parser.add_argument(
        "--transport", action="append", default=[], metavar="URL", help=argparse.SUPPRESS
    )
    parser.add_argument("--to", required=True, help="recipient: e-mail, phone or Threema ID")
    parser.add_argument(
        "--channel",
        choices=[c.value for c in Channel],
        default=None,
        help="channel, if the transport carries several (default: its only one)",
    )
    parser.add_argument("--text", default=TEST_TEXT, help="message text")
    add_json_option(parser)


def _test_transport(args: argparse.Namespace) -> int:
    from lemnicore.notifications.transport import OutgoingMessage
    from lemnicore.scheduling.clients import Channel
    from lemnicore_notify.urls import mask_url

    url = args.url or next(iter(args.transport), None)
    if url is None:
        raise PluginError(
            "name the transport to test: a URL, or configure one "
            "(LEMNICORE_NOTIFY_TRANSPORT, or transport in the [notify] table of lemnicore.toml)"
        )
    args.url = url
    transport = transport_for_url(url)
    try:
        channels = sorted(transport.channels)
        channel = Channel(args.channel) if args.channel else channels[0]
        if channel not in transport.channels:
            print(f"this transport carries {', '.join(channels)}, not {channel}", file=sys.stderr)
            return 2
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        delivery = transport.send(
            OutgoingMessage(
                idempotency_key=f"test-transport-{stamp}",
                channel=channel,
                address=args.to,
                text=args.text,
                subject="lemnicore test message",
                kind="test",
            )
        )
    finally:
        transport.close()
    if args.json:
        print_json(
            {
                "transport": mask_url(args.url),
                "provider": delivery.provider,
                "message_id": delivery.provider_message_id,
                "detail": delivery.detail,
            }
        )
        return 0
    print(f"transport: {mask_url(args.url)}")
    print(f"sent via {delivery.provider}; message id: {delivery.provider_message_id or '-'}")
    if delivery.detail:
        print(f"detail: {delivery.detail}")
    return 0


def add_commands(commands: CommandRegistry) -> None:
    commands.describe_group("notify", "confirmations, reminders and message transports (D)")
    commands.add(
        ("notify", "test-transport"),
        help="send one test message through a transport URL (D12)",
        configure=_configure,
        run=_test_transport,
    )
