"""The plugin manager: a constructible object, so every test can build a fresh one."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any, TypeVar

import pluggy

from lemnicore.errors import (
    LemnicoreError,
    PluginError,
    StoreError,
    StoreURLError,
    UnknownStoreURLError,
)
from lemnicore.plugins import hookspecs
from lemnicore.plugins.markers import PROJECT_NAME
from lemnicore.storage.ports import Store

BUILTIN_PLUGINS = (
    "lemnicore.storage.memory",
    "lemnicore.storage.sqlite",
    "lemnicore.cli.builtin_commands",
    "lemnicore.online.commands",
    "lemnicore.cli.series_commands",
    "lemnicore.cli.client_commands",
    "lemnicore.notifications.cli",
    "lemnicore.importing.ical.plugin",
)

T = TypeVar("T")


def make_plugin_manager(
    *, load_entrypoints: bool = True, plugins: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A plugin manager with lemnicore's hooks, its built-in plugins and, unless told not
    to, every plugin installed under the ``lemnicore`` entry-point group.

    Entry points are loaded here, when asked for, never at import time. ``plugins`` are
    registered too (handy in tests). Implementations of unknown hooks are refused.
    """
    import importlib

    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    # pluggy checks a hook implementation's arguments when it is registered and unknown
    # hook names in check_pending(); both are one kind of mistake for a plugin author.
    try:
        for name in BUILTIN_PLUGINS:
            module: ModuleType = importlib.import_module(name)
            pm.register(module, name=name)
        if load_entrypoints:
            pm.load_setuptools_entrypoints(PROJECT_NAME)
        for plugin in plugins:
            pm.register(plugin)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm


def collect_registrations(hook: Callable[..., Any], kind: str) -> dict[str, Any]:
    """Call a ``register(name, thing)`` style hook and gather the results by name.

    A name registered twice is a :class:`PluginError`: silently letting one plugin shadow
    another's transport or importer would send messages through the wrong provider.
    """
    found: dict[str, Any] = {}

    def register(name: str, thing: Any) -> None:
        if name in found:
            raise PluginError(f"two plugins register the {kind} {name!r}")
        found[name] = thing

    hook(register=register)
    return found


def open_store(
    url: str, pm: pluggy.PluginManager | None = None, *, read_only: bool = False
) -> Store:
    """F1: open the store for ``url`` through the ``lemnicore_open_store`` hook.

    With ``read_only`` the store is never migrated or written (F3). A URL that is not text,
    holds a NUL byte or is not valid Unicode is a :class:`StoreURLError`; a plugin failing
    with anything but a lemnicore error becomes a :class:`StoreError` naming the URL (G7).
    """
    if not isinstance(url, str):
        raise StoreURLError(url, "a store URL must be text")
    if "\x00" in url:
        raise StoreURLError(url, "a store URL cannot contain a NUL byte")
    try:
        url.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreURLError(url, "a store URL must be valid Unicode text") from None
    manager = pm or make_plugin_manager()
    try:
        store: Store | None = manager.hook.lemnicore_open_store(url=url, read_only=read_only)
    except LemnicoreError:
        raise
    except Exception as exc:  # a plugin's own error type, e.g. its driver's
        raise StoreError(f"cannot open the store {url!r}: {exc}") from exc
    if store is None:
        raise UnknownStoreURLError(url)
    return store
