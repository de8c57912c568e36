"""G6: configuration without secrets in argv — environment variables and a TOML file.

Every ``--option`` of every command (plugins' included) can take its value from, in this
order, the command line, an environment variable, the TOML file, or its built-in default.
For the command ``lemnicore import etermin`` and its option ``--public-key`` (dest
``public_key``) the names tried are, most specific first:

- environment: ``LEMNICORE_IMPORT_ETERMIN_PUBLIC_KEY``, ``LEMNICORE_ETERMIN_PUBLIC_KEY``,
  ``LEMNICORE_IMPORT_PUBLIC_KEY``, ``LEMNICORE_PUBLIC_KEY``;
- TOML: ``public_key`` in the table ``[import.etermin]``, ``[etermin]``, ``[import]``, then
  at the top level (``public-key`` with a hyphen works too).

So ``LEMNICORE_STORE`` sets ``--store`` for every command and ``LEMNICORE_NOTIFY_TRANSPORT``
the transports of ``notify run`` and ``notify serve``. A repeatable option (``--transport``)
takes a TOML list or a whitespace-separated environment variable; an option is found under
its long name (``--from`` → ``from``) or its argparse ``dest`` (``window_from``); giving the option on the
command line replaces the configured list instead of adding to it.

The file is ``--config PATH``, else ``$LEMNICORE_CONFIG``, else ``./lemnicore.toml`` if it
exists. Naming a file that does not exist, or one that is not valid TOML, is an error.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lemnicore.errors import ValidationError

CONFIG_ENV = "LEMNICORE_CONFIG"
DEFAULT_CONFIG_FILE = "lemnicore.toml"
_NOT_CONFIGURABLE = {"help", "version", "config"}
CONFIGURABLE = "lemnicore_configurable"
"""Set this attribute of an argparse action to ``False`` to keep it out of the configuration
(``lemnicore demo --store`` must never default to the practice's real store)."""
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Settings:
    """The configured values: the environment and the parsed TOML file (if any)."""

    def __init__(
        self,
        table: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        source: Path | None = None,
    ) -> None:
        self.table: Mapping[str, Any] = table or {}
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.source = source

    @staticmethod
    def _scopes(command: Sequence[str]) -> list[tuple[str, ...]]:
        path = tuple(command)
        scopes = [path]
        if len(path) > 1:
            scopes.append(path[-1:])
        scopes += [path[:depth] for depth in range(len(path) - 1, -1, -1)]
        return list(dict.fromkeys(scopes))

    def lookup(self, command: Sequence[str], dest: str) -> tuple[Any, str] | None:
        """The configured value of option ``dest`` for ``command`` and where it came from
        (an environment variable's name or ``file:table.key``), or ``None``."""
        scopes = self._scopes(command)
        for scope in scopes:
            name = "LEMNICORE_" + "_".join((*scope, dest)).upper().replace("-", "_")
            if name in self.environ:
                return self.environ[name], name
        for scope in scopes:
            table: Any = self.table
            for word in scope:
                table = table.get(word) if isinstance(table, Mapping) else None
            if not isinstance(table, Mapping):
                continue
            for key in (dest, dest.replace("_", "-")):
                if key in table and not isinstance(table[key], Mapping):
                    return table[key], f"{self.source}:{'.'.join((*scope, key))}"
        return None

    def apply(self, parser: argparse.ArgumentParser, command: Sequence[str]) -> None:
        """Give every ``--option`` of the leaf ``parser`` its configured default; an option
        that is configured is no longer required on the command line."""
        for action in parser._actions:  # argparse has no public list of a parser's actions
            if not action.option_strings or action.dest in _NOT_CONFIGURABLE:
                continue
            if not getattr(action, CONFIGURABLE, True):
                continue
            names = [
                o.lstrip("-").replace("-", "_") for o in action.option_strings if o[:2] == "--"
            ]
            found = next(
                (
                    hit
                    for name in dict.fromkeys([*names, action.dest])
                    if (hit := self.lookup(command, name))
                ),
                None,
            )
            if found is None:
                continue
            value, origin = found
            action.required = False
            if isinstance(action, argparse._AppendAction):
                items = value.split() if isinstance(value, str) else value
                if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                    raise ValidationError(origin, "expected a list of strings")
                action.default = items
                action.__class__ = _ReplacingAppend
            elif action.nargs == 0:  # store_true / store_false
                action.default = _flag(value, origin)
            else:
                action.default = value if isinstance(value, str) else _scalar(value, origin)


class _ReplacingAppend(argparse._AppendAction):
    """``--transport`` on the command line replaces the configured list, not extends it."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if getattr(namespace, self.dest, None) is self.default:
            setattr(namespace, self.dest, [])
        super().__call__(parser, namespace, values, option_string)


def _flag(value: Any, origin: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValidationError(origin, f"expected true or false, got {value!r}")


def _scalar(value: Any, origin: str) -> Any:
    if isinstance(value, bool | int | float):
        return str(value)  # argparse converts a string default with the option's type
    raise ValidationError(origin, f"expected a string or number, got {value!r}")


def load_settings(path: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the configuration: ``path`` (``--config``), else ``$LEMNICORE_CONFIG``, else
    ``./lemnicore.toml`` if present; the environment always counts."""
    env = os.environ if environ is None else environ
    explicit = path or env.get(CONFIG_ENV) or None
    file = Path(explicit) if explicit else Path(DEFAULT_CONFIG_FILE)
    if not file.is_file():
        if explicit:
            raise ValidationError("--config", f"no such configuration file: {explicit}")
        return Settings(environ=env)
    import tomllib

    try:
        with file.open("rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(str(file), f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise ValidationError(str(file), f"cannot read the configuration: {exc.strerror}") from None
    return Settings(table, env, file)
