"""G3: the command registry that built-in and plugin commands are added to."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import attrs

from lemnicore.errors import PluginError

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]


@attrs.frozen
class Command:
    path: tuple[str, ...]
    help: str
    configure: Configure
    run: Run


class CommandRegistry:
    """Collects sub-commands by path, e.g. ``("import", "etermin")``.

    Groups (``import``, ``notify``) are created on first use, so a plugin can add
    ``("import", "etermin")`` without knowing who else adds to ``import``.
    """

    def __init__(self) -> None:
        self.commands: dict[tuple[str, ...], Command] = {}
        self.group_help: dict[tuple[str, ...], str] = {}

    def add(
        self, path: tuple[str, ...] | str, *, help: str, configure: Configure, run: Run
    ) -> None:
        """Add the command ``lemnicore <path…>``.

        A path used twice is a :class:`PluginError`, and so is a path that is also the
        group of another command (``import`` as a command and ``import etermin``): argparse
        could not tell them apart, and silently letting one plugin hide another's command
        would be worse than refusing to start.
        """
        key = (path,) if isinstance(path, str) else tuple(path)
        if not key or not all(key):
            raise PluginError(f"a command path needs at least one non-empty word, got {key!r}")
        if key in self.commands:
            raise PluginError(f"two plugins add the command 'lemnicore {' '.join(key)}'")
        for other in self.commands:
            shorter, longer = sorted((key, other), key=len)
            if longer[: len(shorter)] == shorter:
                raise PluginError(
                    f"'lemnicore {' '.join(shorter)}' cannot be both a command and the group "
                    f"of 'lemnicore {' '.join(longer)}'"
                )
        self.commands[key] = Command(key, help, configure, run)

    def describe_group(self, path: tuple[str, ...] | str, help: str) -> None:
        self.group_help[(path,) if isinstance(path, str) else tuple(path)] = help

    def build_parser(
        self, prog: str = "lemnicore", description: str = ""
    ) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(prog=prog, description=description)
        groups: dict[tuple[str, ...], argparse._SubParsersAction[argparse.ArgumentParser]] = {
            (): parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
        }
        for key in sorted(self.commands):
            for depth in range(1, len(key)):
                prefix = key[:depth]
                if prefix not in groups:
                    sub = groups[prefix[:-1]].add_parser(
                        prefix[-1],
                        help=self.group_help.get(prefix, ""),
                        description=self.group_help.get(prefix, ""),
                    )
                    groups[prefix] = sub.add_subparsers(
                        dest="_".join(prefix), metavar="COMMAND", required=True
                    )
            command = self.commands[key]
            leaf = groups[key[:-1]].add_parser(key[-1], help=command.help, description=command.help)
            command.configure(leaf)
            leaf.set_defaults(_run=command.run)
        return parser
