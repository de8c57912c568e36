"""The transports plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin (``notify = "lemnicore_notify.plugin"`` in pyproject.toml)."""

from __future__ import annotations

from collections.abc import Callable

from lemnicore.cli.registry import CommandRegistry
from lemnicore.notifications.transport import TransportFactory
from lemnicore.plugins.markers import hookimpl
from lemnicore_notify.seven import SevenSmsTransport
from lemnicore_notify.smtp import SmtpTransport
from lemnicore_notify.threema import ThreemaTransport
from lemnicore_notify.twilio import TwilioSmsTransport
from lemnicore_notify.worklist import WorkListTransport

TRANSPORTS: dict[str, TransportFactory] = {
    "smtp": SmtpTransport.from_url,
    "smtps": SmtpTransport.from_url,
    "sms+seven": SevenSmsTransport.from_url,
    "sms+twilio": TwilioSmsTransport.from_url,
    "threema": ThreemaTransport.from_url,
    "worklist": WorkListTransport.from_url,
}
"""D12: the URL schemes this plugin serves and the factory for each."""


@hookimpl
def lemnicore_register_transports(register: Callable[[str, TransportFactory], None]) -> None:
    for scheme, factory in TRANSPORTS.items():
        register(scheme, factory)


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    from lemnicore_notify.cli import add_commands

    add_commands(commands)
