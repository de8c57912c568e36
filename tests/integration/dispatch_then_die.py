"""A dispatcher process that dies the hard way right after a provider accepted a message.

``python dispatch_then_die.py STORE_PATH NOW [--before] URL...`` runs the notification
service once on the SQLite store with transports built from the URLs through the plugin
hook, and calls ``os._exit`` as soon as the first ``send`` returns: no ``finally``, no
commit, no flush — what a power cut or ``kill -9`` leaves behind (D15). With
``--before`` it dies after the row was committed as ``sending`` but before the provider
was called. Exits 0 if nothing was sent.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

from lemnicore.notifications.service import NotificationService
from lemnicore.notifications.transport import Delivery, OutgoingMessage, Transport
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager
from lemnicore.scheduling.clients import Channel
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.testing import FakeClock

DIED = 17


class DieAfterSend:
    """Forwards to a real transport, then ends the process before anything is recorded."""

    def __init__(self, inner: Transport, *, before: bool = False) -> None:
        self.inner = inner
        self.before = before

    @property
    def channels(self) -> frozenset[Channel]:
        return self.inner.channels

    def send(self, message: OutgoingMessage) -> Delivery:
        if not self.before:
            self.inner.send(message)
        os._exit(DIED)

    def close(self) -> None:
        self.inner.close()


def main(argv: list[str]) -> int:
    store_path, now, *urls = argv
    before = "--before" in urls
    urls = [url for url in urls if url != "--before"]
    factories = collect_registrations(
        make_plugin_manager().hook.lemnicore_register_transports, "transport"
    )
    transports = [
        DieAfterSend(factories[url.split("://", 1)[0]](url), before=before) for url in urls
    ]
    store = SqliteStore(store_path)
    service = NotificationService(store, FakeClock(datetime.fromisoformat(now)), transports)
    service.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
