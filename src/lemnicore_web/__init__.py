"""lemnicore_web: the embeddable booking page and JSON API (SPEC H1–H5), extra ``web``.

The names load on first use (PEP 562), so that registering the plugin — which every
``lemnicore`` command does — imports neither Starlette nor Jinja2 nor uvicorn (G5).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lemnicore_web.app import create_app
    from lemnicore_web.config import StaffLogin, WebConfig
    from lemnicore_web.mail import CancelLinkTransport
    from lemnicore_web.site import BookingSite

_EXPORTS: dict[str, str] = {
    "create_app": "lemnicore_web.app",
    "StaffLogin": "lemnicore_web.config",
    "WebConfig": "lemnicore_web.config",
    "CancelLinkTransport": "lemnicore_web.mail",
    "BookingSite": "lemnicore_web.site",
}
"""Where each public name lives; :func:`__getattr__` imports it on first use."""


def __getattr__(name: str) -> Any:
    """PEP 562: import a public name from its module the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = ["BookingSite", "CancelLinkTransport", "StaffLogin", "WebConfig", "create_app"]
