"""G3: the ``lemnicore`` command line. Built-in commands and plugin commands register
through the same ``lemnicore_register_commands`` hook."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lemnicore.cli.registry import CommandRegistry
from lemnicore.errors import LemnicoreError

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    0 — done; 1 — a lemnicore error (bad store URL, unknown room, broken plugin…), reported
    as one line on stderr; 2 — wrong usage (argparse); 130 — interrupted with Ctrl-C.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        code: int = args._run(args)
    except LemnicoreError as exc:
        print(f"lemnicore: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lemnicore: interrupted", file=sys.stderr)
        return 130
    return code
