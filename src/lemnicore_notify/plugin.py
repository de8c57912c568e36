"""The transports plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin (``notify = "lemnicore_notify.plugin"`` in pyproject.toml).

Registering imports neither httpx nor phonenumbers (G5): each factory imports its transport
module when a URL of its scheme is opened, so ``lemnicore --help`` stays fast, and without
the ``notify`` extra the plugin is left out with one line (see :data:`REQUIRES`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.cli.registry import CommandRegistry
    from lemnicore.notifications.transport import Transport, TransportFactory

REQUIRES = {"httpx": "lemnicore[notify]", "phonenumbers": "lemnicore[notify]"}
"""G5: what this plugin needs; the plugin manager leaves it out when one is missing."""


def _factory(module: str, class_name: str) -> TransportFactory:
    """A transport factory that imports ``module`` only when a URL is opened."""

    def open_transport(url: str) -> Transport:
        factory: TransportFactory = getattr(importlib.import_module(module), class_name).from_url
        return factory(url)

    open_transport.__qualname__ = open_transport.__name__ = f"{class_name}.from_url"
    open_transport.__doc__ = f"Open a :class:`{module}.{class_name}` from its URL (D12)."
    return open_transport


TRANSPORTS: dict[str, TransportFactory] = {
    "smtp": _factory("lemnicore_notify.smtp", "SmtpTransport"),
    "smtps": _factory("lemnicore_notify.smtp", "SmtpTransport"),
    "sms+seven": _factory("lemnicore_notify.seven", "SevenSmsTransport"),
    "sms+twilio": _factory("lemnicore_notify.twilio", "TwilioSmsTransport"),
    "threema": _factory("lemnicore_notify.threema", "ThreemaTransport"),
    "worklist": _factory("lemnicore_notify.worklist", "WorkListTransport"),
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
