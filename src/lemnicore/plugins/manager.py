"""The plugin manager: a constructible object, so every test can build a fresh one."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

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

if TYPE_CHECKING:
    from lemnicore.storage.ports import Store

BUILTIN_PLUGINS = (
    "lemnicore.storage.memory_plugin",
    "lemnicore.storage.sqlite",
    "lemnicore.cli.builtin_commands",
    "lemnicore.online.commands",
    "lemnicore.cli.series_commands",
    "lemnicore.cli.client_commands",
    "lemnicore.cli.setup_commands",
    "lemnicore.notifications.cli",
    "lemnicore.importing.ical.plugin",
)

REQUIRES_ATTRIBUTE = "REQUIRES"
"""G5: a plugin may declare ``REQUIRES = {"httpx": "lemnicore[notify]"}`` — the modules it
needs and what to install to get them. A plugin whose modules are missing is left out with
one line naming what to install, instead of failing every ``lemnicore`` command."""

log = logging.getLogger("lemnicore.plugins")
_already_said: set[str] = set()

T = TypeVar("T")


def make_plugin_manager(
    *, load_entrypoints: bool = True, plugins: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A plugin manager with lemnicore's hooks, its built-in plugins and, unless told not
    to, every plugin installed under the ``lemnicore`` entry-point group.

    Entry points are loaded here, when asked for, never at import time. An installed
    plugin whose optional dependencies are missing is left out with one warning naming the
    extra that brings them (G5). ``plugins`` are registered too (handy in tests).
    Implementations of unknown hooks are refused.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    # pluggy checks a hook implementation's arguments when it is registered and unknown
    # hook names in check_pending(); both are one kind of mistake for a plugin author.
    try:
        for name in BUILTIN_PLUGINS:
            module: ModuleType = importlib.import_module(name)
            pm.register(module, name=name)
        if load_entrypoints:
            for entry_point in installed_entry_points(PROJECT_NAME):
                _load_entry_point(pm, entry_point)
        for plugin in plugins:
            pm.register(plugin)
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(str(exc)) from exc
    return pm


class InstalledEntryPoint(NamedTuple):
    """One ``name = module[:attr]`` line of an installed distribution's entry points."""

    name: str
    value: str
    distribution: Path | None
    """The distribution's ``.dist-info`` (or ``.egg-info``) folder, if it is one."""

    def load(self) -> Any:
        module, _, attrs = self.value.split("[")[0].strip().partition(":")
        loaded: Any = importlib.import_module(module.strip())
        for attr in filter(None, attrs.strip().split(".")):
            loaded = getattr(loaded, attr)
        return loaded


def installed_entry_points(group: str) -> Iterator[InstalledEntryPoint]:
    """Every installed entry point of ``group``, first distribution of a name on
    ``sys.path`` winning, as :func:`importlib.metadata.entry_points` finds them.

    Read straight from the metadata folders: importing :mod:`importlib.metadata` (email,
    zipfile, csv…) costs about a quarter of ``lemnicore --help`` (G5). A ``sys.path`` entry
    that is not a folder (a zip) makes this fall back to :mod:`importlib.metadata`.
    """
    if not all(os.path.isdir(entry or ".") or not os.path.exists(entry) for entry in sys.path):
        yield from _entry_points_from_importlib(group)
        return
    seen: set[str] = set()
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for folder in names:
            stem, _, kind = folder.rpartition(".")
            if kind not in ("dist-info", "egg-info"):
                continue
            distribution = _normalise(stem.split("-")[0])
            if distribution in seen:
                continue
            seen.add(distribution)
            path = Path(entry or ".", folder)
            yield from _read_group(path, group)


def _read_group(path: Path, group: str) -> Iterator[InstalledEntryPoint]:
    try:
        text = (path / "entry_points.txt").read_text(encoding="utf-8")
    except OSError:
        return
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == group and "=" in line:
            name, _, value = line.partition("=")
            yield InstalledEntryPoint(name.strip(), value.strip(), path)


def _entry_points_from_importlib(group: str) -> Iterator[InstalledEntryPoint]:
    from importlib.metadata import entry_points

    for ep in entry_points(group=group):
        yield InstalledEntryPoint(ep.name, ep.value, None)


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _load_entry_point(pm: pluggy.PluginManager, entry_point: InstalledEntryPoint) -> None:
    """Register one installed plugin, or leave it out if what it needs is missing (G5)."""
    if pm.get_plugin(entry_point.name) is not None or pm.is_blocked(entry_point.name):
        return
    try:
        plugin = entry_point.load()
    except ModuleNotFoundError as exc:
        missing = exc.name or str(exc)
        _leave_out(entry_point.name, [missing], _extra_for(entry_point, missing))
        return
    missing_modules = missing_requirements(plugin)
    if missing_modules:
        needs: Mapping[str, str] = getattr(plugin, REQUIRES_ATTRIBUTE)
        _leave_out(entry_point.name, missing_modules, needs[missing_modules[0]])
        return
    pm.register(plugin, name=entry_point.name)


def missing_requirements(plugin: object) -> list[str]:
    """The modules a plugin declares in ``REQUIRES`` that cannot be imported here."""
    needs: Mapping[str, str] = getattr(plugin, REQUIRES_ATTRIBUTE, {})
    return [name for name in needs if not _importable(name)]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _extra_for(entry_point: InstalledEntryPoint, module: str) -> str | None:
    """The ``dist[extra]`` whose requirements name ``module``, read from the metadata of
    the distribution that declares the entry point (for plugins without ``REQUIRES``)."""
    from importlib.metadata import PathDistribution  # only when a plugin is left out

    if entry_point.distribution is None:
        return None
    dist = PathDistribution(entry_point.distribution)
    wanted = _normalise(module.split(".")[0])
    for requirement in dist.requires or ():
        found = re.match(
            r"\s*([A-Za-z0-9][A-Za-z0-9._-]*).*extra\s*==\s*['\"]([^'\"]+)", requirement
        )
        if found and _normalise(found.group(1)) == wanted:
            return f"{dist.metadata['Name']}[{found.group(2)}]"
    return None


def _leave_out(name: str, missing: list[str], install: str | None) -> None:
    hint = f"; install {install}" if install else ""
    line = f"plugin {name!r} left out: it needs {', '.join(missing)}{hint}"
    if line not in _already_said:  # one line per process, however many managers are built
        _already_said.add(line)
        log.warning(line)


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
