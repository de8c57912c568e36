"""G6: ``-v``/``-q`` — one stdlib ``logging`` set-up for every package.

lemnicore's packages (``lemnicore``, ``lemnicore_notify``, ``lemnicore_etermin`` and any
plugin logging under its own name) log through :mod:`logging`; the command line decides
how much reaches stderr. Other libraries (httpx logs every request URL) stay at warnings
unless ``-vv`` asks for debugging.
"""

from __future__ import annotations

import logging
import sys

_LEVELS = {-2: logging.CRITICAL, -1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}


class _Lines(logging.Formatter):
    """``lemnicore: warning: …`` — the same one-line shape as the command's errors."""

    def format(self, record: logging.LogRecord) -> str:
        record.levelname_lower = record.levelname.lower()
        return super().format(record)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the moment (tests and callers redirect it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def _ours_or_warning(record: logging.LogRecord) -> bool:
    """Below warnings, only lemnicore's own loggers (``lemnicore*``) speak at ``-v``."""
    return record.levelno >= logging.WARNING or record.name.startswith("lemnicore")


def configure_logging(verbosity: int) -> None:
    """Send log records to stderr: ``verbosity`` 0 shows warnings, 1 (``-v``) information
    from lemnicore and its plugins, 2 (``-vv``) debugging of every library; -1 (``-q``)
    errors only, -2 nothing but critical failures."""
    level = logging.DEBUG if verbosity >= 2 else _LEVELS[max(verbosity, -2)]
    detail = " %(name)s" if verbosity >= 2 else ""
    handler = _Stderr()
    handler.setFormatter(_Lines(f"lemnicore:{detail} %(levelname_lower)s: %(message)s"))
    if verbosity < 2:
        handler.addFilter(_ours_or_warning)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_lemnicore_cli", False)]:
        root.removeHandler(old)
    handler._lemnicore_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
