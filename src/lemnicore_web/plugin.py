"""The web plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin (``web = "lemnicore_web.plugin"`` in pyproject.toml).

Registering imports neither Starlette nor Jinja2 nor uvicorn (G5): ``lemnicore serve``
imports them when it runs, and without the ``web`` extra the plugin is left out with one
line naming it (see :data:`REQUIRES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.cli.registry import CommandRegistry

REQUIRES = {
    "starlette": "lemnicore[web]",
    "jinja2": "lemnicore[web]",
    "uvicorn": "lemnicore[web]",
    "itsdangerous": "lemnicore[web]",
}
"""G5: what this plugin needs; the plugin manager leaves it out when one is missing."""


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    from lemnicore_web.cli import add_commands

    add_commands(commands)
