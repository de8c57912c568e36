"""G3: the ``lemnicore`` command line. Built-in commands and plugin commands register
through the same ``lemnicore_register_commands`` hook."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from lemnicore.cli.registry import CommandRegistry
from lemnicore.errors import LemnicoreError
from lemnicore.plugins.manager import make_plugin_manager


def build_parser() -> object:
    pm = make_plugin_manager()
    registry = CommandRegistry()
    pm.hook.lemnicore_register_commands(commands=registry)
    return registry.build_parser(
        description="lemnicore — the appointment engine for practices and branch chains."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 lemnicore error, 2 usage)."""
    pm = make_plugin_manager()
    registry = CommandRegistry()
    pm.hook.lemnicore_register_commands(commands=registry)
    parser = registry.build_parser(
        description="lemnicore — the appointment engine for practices and branch chains."
    )
    args = parser.parse_args(argv)
    try:
        code: int = args._run(args)
    except LemnicoreError as exc:
        print(f"lemnicore: error: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
