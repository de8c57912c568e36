"""The eTermin plugin: registered through the ``lemnicore`` entry-point group like any
third-party plugin (``lemnicore_etermin.plugin`` in ``pyproject.toml``).

Registering does not import httpx (G5): the importer factory and the commands import their
modules when used; without the ``etermin`` extra the plugin is left out with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lemnicore.plugins.markers import hookimpl

if TYPE_CHECKING:
    from lemnicore.cli.registry import CommandRegistry
    from lemnicore.importing.ports import Importer, ImporterFactory

REQUIRES = {"httpx": "lemnicore[etermin]"}
"""G5: what this plugin needs; the plugin manager leaves it out when it is missing."""


def connect(public_key: str, private_key: str, **options: Any) -> Importer:
    """E1: the eTermin importer — :meth:`lemnicore_etermin.takeover.EterminImporter.connect`,
    imported when an import starts."""
    from lemnicore_etermin.takeover import EterminImporter

    return EterminImporter.connect(public_key, private_key, **options)


@hookimpl
def lemnicore_register_importers(register: Callable[[str, ImporterFactory], None]) -> None:
    """E1: ``etermin`` — ``factory(public_key, private_key, base_url=...)``."""
    register("etermin", connect)


@hookimpl
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    """G3: the ``import …`` and ``export csv-contacts`` commands."""
    from lemnicore_etermin import cli

    cli.register(commands)
