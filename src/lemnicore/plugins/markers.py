"""The pluggy markers of the ``lemnicore`` project: decorate hook implementations with
:data:`hookimpl`."""

from __future__ import annotations

import pluggy

PROJECT_NAME = "lemnicore"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
