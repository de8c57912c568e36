"""``--json`` for every listing and report command (G6): one option, one encoder.

Listings print a JSON document on stdout instead of the table, so scripts and monitoring
read the same facts a person reads. Instants are ISO 8601 with their offset, dates
``YYYY-MM-DD``, enums their value.
"""

from __future__ import annotations

import argparse
import enum
import json
import sys
from datetime import date, datetime, time, timedelta
from typing import Any


def add_json_option(parser: argparse.ArgumentParser) -> None:
    """``--json``: print the result as one JSON document on stdout."""
    parser.add_argument(
        "--json", action="store_true", help="print the result as JSON (for scripts)"
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(document: Any, *, compact: bool = False) -> str:
    """``document`` as JSON text (dates, instants and enums encoded): indented, or on one
    line with ``compact`` (JSON Lines, e.g. one report per run of ``notify serve``)."""
    if compact:
        return json.dumps(document, default=_encode, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(document, default=_encode, ensure_ascii=False, indent=2)


def print_json(document: Any) -> None:
    """Write ``document`` as JSON to stdout, followed by a newline."""
    sys.stdout.write(to_json(document) + "\n")
