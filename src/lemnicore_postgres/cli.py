"""``lemnicore store copy SOURCE_URL TARGET_URL`` (F1, G3): move a practice between stores,
e.g. from the embedded SQLite file to PostgreSQL, with a progress bar and a verification."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from lemnicore.cli.output import add_json_option, print_json
from lemnicore.errors import StoreError
from lemnicore.plugins.manager import open_store

if TYPE_CHECKING:
    from lemnicore.cli.registry import CommandRegistry


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A one-line progress bar on stderr, redrawn at most ten times a second."""
    last = 0.0

    def show(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last < 0.1:
            return
        last = now
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        print(f"\r{label} [{bar}] {done}/{total} rows", end=end, file=sys.stderr, flush=True)

    return show


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE_URL", help="e.g. sqlite:///praxis.db")
    parser.add_argument("target", metavar="TARGET_URL", help="e.g. postgresql://host/praxis")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="overwrite the practice in a target that is not empty (default: refuse)",
    )
    add_json_option(parser)


def _copy(args: argparse.Namespace) -> int:
    try:
        from lemnicore_postgres.copy import copy_practice
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise StoreError(f"store copy needs: pip install 'lemnicore[postgres]' ({exc})") from exc

    source = open_store(args.source)
    try:
        target = open_store(args.target)
        try:
            report = copy_practice(
                source,
                target,
                replace=args.replace,
                progress=progress_bar("copying"),
                actor_id="cli",  # the store's operator on the command line (B1)
            )
        finally:
            target.close()
    finally:
        source.close()
    if args.json:
        print_json(
            {
                "source": report.source,
                "target": report.target,
                "rows": report.rows,
                "tables": [
                    {"table": t.table, "rows": t.rows, "sha256": t.digest} for t in report.tables
                ],
            }
        )
        return 0
    print(f"copied {report.source} -> {report.target}")
    print(f"{'table':<30} {'rows':>9}  sha256 (verified on both sides)")
    for table in report.tables:
        print(f"{table.table:<30} {table.rows:>9}  {table.digest[:16]}")
    print(f"{'total':<30} {report.rows:>9}")
    return 0


def add_commands(commands: CommandRegistry) -> None:
    commands.describe_group("store", "whole-practice operations on stores (F1)")
    commands.add(
        ("store", "copy"),
        help="copy a whole practice to another store and verify it (counts and digests)",
        configure=_configure,
        run=_copy,
    )
