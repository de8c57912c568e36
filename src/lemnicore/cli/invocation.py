"""G4: how to run ``lemnicore`` again, written the way it works from the user's shell.

``python3 -m nox -s demo`` runs the command inside nox's own virtualenv, where ``lemnicore``
is not on the user's ``PATH``; a hint that says ``lemnicore slots …`` would then be
"command not found". The hints print the command as this process was started instead:
``lemnicore`` when that is what the shell finds, else the script's path
(``.nox/demo/bin/lemnicore``) or ``python -m lemnicore`` with the interpreter's path.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path


def _shown(path: Path) -> str:
    """``path`` relative to the current folder when it lies inside it, else absolute."""
    absolute = path.absolute()
    try:
        return shlex.quote(str(absolute.relative_to(Path.cwd())))
    except ValueError:
        return shlex.quote(str(absolute))


# nox and tox put their virtualenv's bin folder first on PATH while they run a command;
# the user's shell, where the hint is typed, does not have it.
_RUNNERS = ("NOX_CURRENT_SESSION", "TOX_ENV_NAME")


def command_prefix(argv0: str | None = None) -> str:
    """The words that start ``lemnicore`` in this environment, ready to print in a hint."""
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name.startswith("lemnicore") and script.is_file():
        found = shutil.which("lemnicore")
        inside_a_runner = any(os.environ.get(name) for name in _RUNNERS)
        if found and not inside_a_runner and os.path.samefile(found, script):
            return "lemnicore"
        return _shown(script)
    return f"{_shown(Path(sys.executable))} -m lemnicore"
