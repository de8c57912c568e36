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


def command_prefix(argv0: str | None = None) -> str:
    """The words that start ``lemnicore`` in this environment, ready to print in a hint."""
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name.startswith("lemnicore") and script.is_file():
        found = shutil.which("lemnicore")
        if found and os.path.samefile(found, script):
            return "lemnicore"
        return _shown(script)
    return f"{_shown(Path(sys.executable))} -m lemnicore"
