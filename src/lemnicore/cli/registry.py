"""G3: the command registry that built-in and plugin commands are added to."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from lemnicore.errors import PluginError

if TYPE_CHECKING:
    from lemnicore.cli.config import Settings

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]


class Command(NamedTuple):
    """One sub-command: its words, its one-line help, how to add its options, how to run."""

    path: tuple[str, ...]
    help: str
    configure: Configure
    run: Run


class _CommandParser(argparse.ArgumentParser):
    """A command's parser that adds its options only when that command is used (G5).

    ``lemnicore --help`` lists the commands without running any command's ``configure``,
    so a plugin's option set-up (and whatever it imports) costs nothing until needed.
    """

    _pending: Callable[[], None] | None = None

    def _configure_now(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending()

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        self._configure_now()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._configure_now()
        return super().format_usage()

    def format_help(self) -> str:
        self._configure_now()
        return super().format_help()


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
        self,
        prog: str = "lemnicore",
        description: str = "",
        *,
        settings: Settings | None = None,
        parents: list[argparse.ArgumentParser] | None = None,
    ) -> argparse.ArgumentParser:
        """The argparse parser of every added command.

        With ``settings`` (G6), each command's options take their defaults from the
        environment and the configuration file (see :mod:`lemnicore.cli.config`).
        ``parents`` add options to the top level, e.g. the global ``--config``/``-v``/``-q``.
        """
        parser = argparse.ArgumentParser(prog=prog, description=description, parents=parents or [])
        groups: dict[tuple[str, ...], argparse._SubParsersAction[argparse.ArgumentParser]] = {
            (): parser.add_subparsers(
                dest="command", metavar="COMMAND", required=True, parser_class=_CommandParser
            )
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
                        dest="_".join(prefix),
                        metavar="COMMAND",
                        required=True,
                        parser_class=_CommandParser,
                    )
            command = self.commands[key]
            leaf = groups[key[:-1]].add_parser(key[-1], help=command.help, description=command.help)
            leaf.set_defaults(_run=command.run)
            assert isinstance(leaf, _CommandParser)
            leaf._pending = _configuration(leaf, command, settings)
        return parser


def _configuration(
    leaf: argparse.ArgumentParser, command: Command, settings: Settings | None
) -> Callable[[], None]:
    def configure() -> None:
        command.configure(leaf)
        if settings is not None:
            settings.apply(leaf, command.path)

    return configure
