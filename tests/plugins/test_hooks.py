"""One test per hook (G1): each shows a plugin implementing the hook and the effect.

``test_meta.py`` checks that every hook in :mod:`lemnicore.plugins.hookspecs` has a
``test_hook_<name>`` here and a section in ``docs/plugins.md``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from lemnicore import (
    Channel,
    Delivery,
    ImporterFactory,
    MemoryStore,
    OutgoingMessage,
    Store,
    TransportFactory,
    UnknownStoreURLError,
    collect_registrations,
    hookimpl,
    make_plugin_manager,
    open_store,
)
from lemnicore.cli.registry import CommandRegistry
from lemnicore.testing import Practice


class SharedMemoryStores:
    """A third-party store plugin: ``shared://NAME`` opens the same store for one name."""

    def __init__(self) -> None:
        self.stores: dict[str, MemoryStore] = {}

    @hookimpl
    def lemnicore_open_store(self, url: str) -> Store | None:
        if not url.startswith("shared://"):
            return None
        return self.stores.setdefault(url, MemoryStore(url.removeprefix("shared://")))


class ListImporter:
    """An importer over a list of calendars, standing in for a real source (E1)."""

    name = "list"

    def __init__(self, calendars: list[Mapping[str, Any]]) -> None:
        self.calendars = calendars

    def list_calendars(self) -> list[Mapping[str, Any]]:
        return list(self.calendars)

    def close(self) -> None:
        self.calendars = []


class ImporterPlugin:
    @hookimpl
    def lemnicore_register_importers(
        self, register: Callable[[str, ImporterFactory], None]
    ) -> None:
        register("list", ListImporter)


class Outbox:
    """A transport that keeps what it is given (D12), configured by ``outbox://NAME``."""

    channels = frozenset({Channel.EMAIL, Channel.SMS})

    def __init__(self, url: str) -> None:
        self.url = url
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> Delivery:
        self.sent.append(message)
        return Delivery("outbox", provider_message_id=str(len(self.sent)))

    def close(self) -> None:
        """Nothing to release."""


class OutboxPlugin:
    @hookimpl
    def lemnicore_register_transports(
        self, register: Callable[[str, TransportFactory], None]
    ) -> None:
        register("outbox", Outbox)


class HelloPlugin:
    @hookimpl
    def lemnicore_register_commands(self, commands: CommandRegistry) -> None:
        commands.describe_group("greet", "friendly commands")
        commands.add(
            ("greet", "hello"),
            help="say hello",
            configure=lambda p: p.add_argument("--name", default="world"),
            run=self.hello,
        )

    def hello(self, args: argparse.Namespace) -> int:
        print(f"hello, {args.name}")
        return 0


def test_hook_lemnicore_open_store() -> None:
    """F1: a third-party plugin opens its own URL scheme through ``open_store``; the
    built-ins still answer theirs, because the plugin returns ``None`` for them."""
    plugin = SharedMemoryStores()
    pm = make_plugin_manager(load_entrypoints=False, plugins=[plugin])
    store = open_store("shared://practice", pm)
    assert open_store("shared://practice", pm) is store
    assert open_store("shared://other", pm) is not store
    assert isinstance(open_store("memory://", pm), MemoryStore)

    # The store is a full store: a practice set up in it is visible on the next open.
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    room = practice.add_room("Room 1")
    with open_store("shared://practice", pm).unit_of_work(write=False) as uow:
        assert uow.rooms.get(room).name == "Room 1"


def test_f1_open_store_without_the_plugin_refuses_its_scheme() -> None:
    """F1: with no plugin for a scheme the error names the URL."""
    pm = make_plugin_manager(load_entrypoints=False)
    with pytest.raises(UnknownStoreURLError, match="no storage plugin opens 'shared://x'"):
        open_store("shared://x", pm)


def test_hook_lemnicore_register_importers() -> None:
    """E1: importers are plugins, found by name."""
    pm = make_plugin_manager(load_entrypoints=False, plugins=[ImporterPlugin()])
    importers = collect_registrations(pm.hook.lemnicore_register_importers, "importer")
    assert importers["list"] is ListImporter
    assert "ics" in importers  # E8: the built-in .ics importer registers the same way
    # Without the plugin, no "list" importer exists.
    bare = make_plugin_manager(load_entrypoints=False)
    assert "list" not in collect_registrations(bare.hook.lemnicore_register_importers, "importer")


def test_hook_lemnicore_register_transports() -> None:
    """D12: transports are plugins, found by URL scheme; the factory takes the URL."""
    pm = make_plugin_manager(load_entrypoints=False, plugins=[OutboxPlugin()])
    transports = collect_registrations(pm.hook.lemnicore_register_transports, "transport")
    assert transports["outbox"] is Outbox
    outbox = transports["outbox"]("outbox://front-desk")
    assert isinstance(outbox, Outbox)
    assert outbox.url == "outbox://front-desk"
    bare = make_plugin_manager(load_entrypoints=False)
    assert "outbox" not in collect_registrations(
        bare.hook.lemnicore_register_transports, "transport"
    )


def test_hook_lemnicore_register_commands(capsys: pytest.CaptureFixture[str]) -> None:
    """G3: a plugin adds ``lemnicore greet hello`` next to the built-in commands."""
    pm = make_plugin_manager(load_entrypoints=False, plugins=[HelloPlugin()])
    registry = CommandRegistry()
    pm.hook.lemnicore_register_commands(commands=registry)
    assert {("greet", "hello"), ("demo",), ("slots",), ("version",)} <= set(registry.commands)
    parser = registry.build_parser()
    args = parser.parse_args(["greet", "hello", "--name", "Praxis"])
    assert args._run(args) == 0
    assert capsys.readouterr().out == "hello, Praxis\n"
    assert "friendly commands" in parser.format_help()
