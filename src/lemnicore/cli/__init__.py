"""G3: the ``lemnicore`` command line. Built-in commands and plugin commands register
through the same ``lemnicore_register_commands`` hook."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lemnicore.cli.failures import DEBUG_FLAG, run_reporting_failures, take_debug_flag
from lemnicore.cli.registry import CommandRegistry

DESCRIPTION = "lemnicore — the appointment engine for practices and branch chains."


def build_parser() -> argparse.ArgumentParser:
    """The full parser: every command any installed plugin registers, built-ins included."""
    from lemnicore import __version__
    from lemnicore.plugins.manager import make_plugin_manager

    pm = make_plugin_manager()
    registry = CommandRegistry()
    pm.hook.lemnicore_register_commands(commands=registry)
    from lemnicore.cli.importing import register_importer_commands

    register_importer_commands(registry, pm)  # E1: `lemnicore import NAME` per importer
    parser = registry.build_parser(description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"lemnicore {__version__}")
    parser.add_argument(
        DEBUG_FLAG,
        action="store_true",
        help="on an error, show the Python traceback as well as the one-line message (G7)",
    )
    return parser


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
        parser = build_parser()
        args = parser.parse_args(arguments)
        code: int = args._run(args)
        return code

    return run_reporting_failures(run, debug=debug)
