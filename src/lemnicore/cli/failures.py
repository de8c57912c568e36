"""G7: how the ``lemnicore`` command ends when something goes wrong.

Every failure a user can cause ends in one line on stderr naming the cause and a documented
exit code (docs/cli.md); ``--debug`` adds the Python traceback. Output piped into a reader
that stops early (``lemnicore … | head``) is not a failure: the command ends quietly.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from collections.abc import Callable

from lemnicore.errors import LemnicoreError

EXIT_OK = 0
"""Done — also when the reader of the output closed the pipe early (``| head``)."""
EXIT_ERROR = 1
"""A lemnicore error: bad input, unknown record, a store that cannot be used."""
EXIT_USAGE = 2
"""Wrong usage: unknown option, malformed value, missing input file (argparse)."""
EXIT_FILE = 3
"""A file or folder cannot be read or written (missing, no permission, disk full)."""
EXIT_INTERNAL = 70
"""An unexpected error inside lemnicore or a plugin — a bug; ``--debug`` shows where."""
EXIT_INTERRUPTED = 130
"""Interrupted with Ctrl-C."""

DEBUG_FLAG = "--debug"


def take_debug_flag(argv: list[str]) -> bool:
    """Remove every ``--debug`` before a ``--`` from ``argv``; whether there was one.

    Taken out before argparse sees the arguments, so it works after any sub-command too
    (``lemnicore slots --room x --debug``).
    """
    end = argv.index("--") if "--" in argv else len(argv)
    found = DEBUG_FLAG in argv[:end]
    argv[:end] = [a for a in argv[:end] if a != DEBUG_FLAG]
    return found


def one_line(text: str) -> str:
    """``text`` on one line, printable whatever it holds (lone surrogates, NUL)."""
    flat = " ".join(str(text).split())
    return flat.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def describe_os_error(exc: OSError) -> str:
    """``cannot open 'x.csv': no such file or directory`` — the file and the cause."""
    if exc.errno == errno.ENOSPC:
        cause = "the disk is full"
    else:
        cause = (exc.strerror or type(exc).__name__).lower()
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    if not names:
        return f"{cause}: {exc}" if exc.strerror is None else cause
    where = " → ".join(repr(os.fsdecode(n)) if isinstance(n, bytes) else repr(n) for n in names)
    return f"cannot use {where}: {cause}"


def report(message: str) -> None:
    """One line on stderr; a closed stderr is not worth a second failure."""
    try:
        print(f"lemnicore: error: {one_line(message)}", file=sys.stderr)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _quiet_closed_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the interpreter's final flush
    does not print a second BrokenPipeError (Python's documented recipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (a test's StringIO): nothing will flush later


def _is_closed_pipe(exc: BaseException) -> bool:
    return isinstance(exc, BrokenPipeError) or (
        isinstance(exc, OSError)
        and exc.errno in (errno.EPIPE, errno.ECONNRESET)
        and not exc.filename
    )


def run_reporting_failures(action: Callable[[], int], *, debug: bool = False) -> int:
    """Run ``action`` (a command) and turn every failure into one line and an exit code."""
    try:
        code = action()
        sys.stdout.flush()
        return code
    except SystemExit:
        raise  # argparse: usage errors (2) and --help (0) speak for themselves
    except KeyboardInterrupt:
        report("interrupted")
        return EXIT_INTERRUPTED
    except BaseException as exc:
        if _is_closed_pipe(exc):
            _quiet_closed_stdout()
            return EXIT_OK
        if not isinstance(exc, Exception):
            raise
        if debug:
            traceback.print_exc(file=sys.stderr)
        if isinstance(exc, LemnicoreError):
            report(str(exc))
            return EXIT_ERROR
        if isinstance(exc, OSError):
            report(describe_os_error(exc))
            return EXIT_FILE
        hint = "" if debug else " (run again with --debug to see where)"
        report(f"internal error {type(exc).__name__}: {exc}{hint}")
        return EXIT_INTERNAL
