"""Arguments every command shares (G3): the store URL, dates and instants.

Plugin commands may use these too, so that ``--store`` and ``--now`` mean the same thing
and fail the same way in every ``lemnicore`` sub-command.
"""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from lemnicore.errors import LemnicoreError, StoreError, ValidationError
from lemnicore.plugins.manager import open_store
from lemnicore.timekeeping import DEFAULT_TIME_ZONE, require_aware, require_day, zone

if TYPE_CHECKING:
    from lemnicore.storage.ports import Store

DEMO_STORE_URL = "sqlite:///lemnicore-demo.db"
"""The embedded default: the SQLite file ``lemnicore demo`` creates in the current folder."""


def add_store_option(
    parser: argparse.ArgumentParser, *, default: str = DEMO_STORE_URL
) -> argparse.Action:
    """``--store URL``, defaulting to the demo database; returns the argparse action."""
    return parser.add_argument(
        "--store",
        default=default,
        metavar="URL",
        help=(
            "where the practice lives: sqlite:///relative.db, sqlite:////absolute.db, "
            "memory://, or a plugin's URL (default: %(default)s)"
        ),
    )


def existing_file(text: str) -> Path:
    """An argparse type: a file that exists and can be read (G7: a missing CSV file or key
    file is a usage error naming the file, not a traceback)."""
    path = Path(text)
    try:
        if not path.exists():
            raise argparse.ArgumentTypeError(f"no such file: {text!r}")
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file")
        if not os.access(path, os.R_OK):
            raise argparse.ArgumentTypeError(f"cannot read {text!r}: permission denied")
    except (OSError, ValueError) as exc:  # a NUL byte, a name too long for the system
        raise argparse.ArgumentTypeError(f"not a usable file name {text!r}: {exc}") from None
    return path


def output_file(text: str) -> Path:
    """An argparse type: a file to write whose folder exists (G7)."""
    path = Path(text)
    try:
        folder = path.parent
        if not folder.is_dir():
            raise argparse.ArgumentTypeError(
                f"cannot write {text!r}: the folder {str(folder)!r} does not exist"
            )
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"cannot write {text!r}: it is a folder")
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"not a usable file name {text!r}: {exc}") from None
    return path


def iso_date(text: str) -> date:
    """An argparse type: ``YYYY-MM-DD``."""
    try:
        return require_day(date.fromisoformat(text), "date")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} {exc.reason}") from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def iso_instant(text: str) -> datetime:
    """An argparse type: an ISO 8601 date-time; without an offset it is read as wall-clock
    time in Europe/Berlin (the default practice zone), so the result is always aware."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date-time such as 2026-05-04T09:00 or 2026-05-04T07:00+00:00, got {text!r}"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(DEFAULT_TIME_ZONE))
    try:
        return require_aware(value, "date-time")
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} {exc.reason}") from None


def open_cli_store(url: str, *, must_exist: bool = False, read_only: bool = False) -> Store:
    """Open ``url`` through the storage plugins (F1), with errors a user can act on.

    With ``must_exist`` a ``sqlite:///`` URL naming a missing file is refused instead of
    silently creating an empty practice — a read-only command on a typo'd path should say
    so. With ``read_only`` the store is never migrated or written (F3): commands that only
    read pass it. Any failure of a plugin while opening becomes a :class:`StoreError`, so
    the command line reports it in one line instead of a traceback.
    """
    from lemnicore.storage.sqlite import path_from_url

    path = path_from_url(url) if isinstance(url, str) else None
    if must_exist and path is not None and "\x00" not in path and not Path(path).exists():
        raise StoreError(
            f"the store file {path!r} does not exist (run 'lemnicore demo' to create the "
            f"demo practice, or check --store)"
        )
    try:
        return open_store(url, read_only=read_only)
    except LemnicoreError:
        raise
    except Exception as exc:  # a plugin's own error type, e.g. sqlite3.DatabaseError
        raise StoreError(f"cannot open the store {url!r}: {exc}") from exc
