"""The web plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin (``web = "lemnicore_web.plugin"`` in pyproject.toml)."""

from __future__ import annotations

from lemnicore.cli.registry import CommandRegistry
from lemnicore.plugins.markers import hookimpl


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    from lemnicore_web.cli import add_commands

    add_commands(commands)
