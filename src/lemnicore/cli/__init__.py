"""G3: the ``lemnicore`` command line. Built-in commands and plugin commands register
through the same ``lemnicore_register_commands`` hook.

G6: options come from the command line, the environment and ``lemnicore.toml``
(:mod:`lemnicore.cli.config`); ``-v``/``-q`` set the level of stdlib logging for every
package (:mod:`lemnicore.cli.logs`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lemnicore.cli.failures import DEBUG_FLAG, run_reporting_failures, take_debug_flag
from lemnicore.cli.registry import CommandRegistry

if TYPE_CHECKING:
    from lemnicore.cli.config import Settings

DESCRIPTION = "lemnicore — the appointment engine for practices and branch chains."
EPILOG = (
    "Options can also come from environment variables (LEMNICORE_STORE, "
    "LEMNICORE_NOTIFY_TRANSPORT, …) or a TOML file (./lemnicore.toml, $LEMNICORE_CONFIG or "
    "--config); see docs/cli.md."
)


def global_options() -> argparse.ArgumentParser:
    """The options that come before the command: ``--config``, ``-v``, ``-q`` (G6)."""
    options = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    options.add_argument(
        "--config",
        metavar="FILE",
        help="read options from this TOML file (default: ./lemnicore.toml)",
    )
    options.add_argument(
        "-v", "--verbose", action="count", default=0, help="say more (-vv: debug, all libraries)"
    )
    options.add_argument(
        "-q", "--quiet", action="count", default=0, help="say less (-q: errors only)"
    )
    return options


def _leading_options(argv: Sequence[str]) -> argparse.Namespace:
    """The global options given before the command word, read before the parser is built
    (the configuration file decides the commands' defaults)."""
    leading: list[str] = []
    words = iter(argv)
    for word in words:
        if not word.startswith("-"):
            break
        leading.append(word)
        if word == "--config":
            leading.append(next(words, ""))
    known, _ = global_options().parse_known_args(leading)
    return known


def build_parser(settings: Settings | None = None) -> argparse.ArgumentParser:
    """The full parser: every command any installed plugin registers, built-ins included,
    with defaults from ``settings`` (G6) when given."""
    from lemnicore import __version__
    from lemnicore.plugins.manager import make_plugin_manager

    pm = make_plugin_manager()
    registry = CommandRegistry()
    pm.hook.lemnicore_register_commands(commands=registry)
    from lemnicore.cli.importing import register_importer_commands

    register_importer_commands(registry, pm)  # E1: `lemnicore import NAME` per importer
    parser = registry.build_parser(
        description=DESCRIPTION, settings=settings, parents=[global_options()]
    )
    parser.epilog = EPILOG
    parser.add_argument("--version", action="version", version=f"lemnicore {__version__}")
    parser.add_argument(
        DEBUG_FLAG,
        action="store_true",
        help="on an error, show the Python traceback as well as the one-line message (G7)",
    )
    return parser


def _prepare(argv: Sequence[str] | None) -> argparse.ArgumentParser:
    """Logging first (plugins may warn while loading), then the configuration, then the parser."""
    from lemnicore.cli.config import load_settings
    from lemnicore.cli.logs import configure_logging

    leading = _leading_options(sys.argv[1:] if argv is None else argv)
    configure_logging(leading.verbose - leading.quiet)
    return build_parser(load_settings(leading.config))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (G7, documented in docs/cli.md).

    0 — done (also when the reader of the output went away, ``| head``); 1 — a lemnicore
    error (bad input, unknown record, bad store URL, corrupt or full store…), reported as
    one line on stderr; 2 — wrong usage (argparse); 3 — a file or folder cannot be read or
    written; 70 — an unexpected internal error; 130 — interrupted with Ctrl-C.
    ``--debug`` anywhere adds the traceback.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = take_debug_flag(arguments)

    def run() -> int:
        parser = _prepare(arguments)
        args = parser.parse_args(arguments)
        code: int = args._run(args)
        return code

    return run_reporting_failures(run, debug=debug)
