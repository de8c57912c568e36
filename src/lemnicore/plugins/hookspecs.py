"""The hooks a lemnicore plugin can implement (G1).

A plugin is a module or object with functions named like these hooks and decorated with
:data:`lemnicore.hookimpl`. Third-party plugins declare it under the entry-point group
``lemnicore`` in their ``pyproject.toml``::

    [project.entry-points.lemnicore]
    mystore = "mypackage.lemnicore_plugin"

The built-in stores, the eTermin importer and the notification transports register through
exactly these hooks. Implement only the hooks you need; implementing a hook that is not
listed here is an error (the plugin manager runs ``check_pending()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lemnicore.plugins.markers import hookspec

if TYPE_CHECKING:
    from lemnicore.cli.registry import CommandRegistry
    from lemnicore.importing.ports import ImporterFactory
    from lemnicore.notifications.transport import TransportFactory
    from lemnicore.storage.ports import Store


@hookspec(firstresult=True)
def lemnicore_open_store(url: str, read_only: bool) -> Store | None:
    """Open the store for ``url``, or return ``None`` if the URL is not for this plugin.

    This is a "pick one" hook (``firstresult``): the first plugin that returns a store wins,
    so return ``None`` quickly for schemes you do not handle. The built-ins answer
    ``memory://`` and ``sqlite:///path``.

    :param url: the store URL as the user gave it, e.g. ``postgresql://host/db``.
    :param read_only: the caller only reads (F3): never migrate, never write; refuse a
        store that would need a migration. Raise :class:`lemnicore.errors.StoreError`
        subclasses for stores that cannot be opened (corrupt, newer schema, not a store of
        this plugin, locked, read-only), naming the store.
    :returns: an object implementing :class:`lemnicore.storage.ports.Store`, or ``None``.

    .. versionadded:: 0.1
    .. versionchanged:: 0.1 ``read_only`` (an implementation may leave it out of its
       signature; pluggy then does not pass it).
    """


@hookspec
def lemnicore_register_importers(register: Callable[[str, ImporterFactory], None]) -> None:
    """Register data-takeover importers (E1) by name.

    Call ``register(name, plugin)`` once per importer, e.g. ``register("etermin", ...)``,
    with a :class:`lemnicore.importing.ports.ImporterPlugin`; ``lemnicore import NAME``
    then runs it through the shared import pipeline (E4). Registering a name twice raises
    :class:`lemnicore.errors.PluginError`.

    :param register: the callback that records an importer plugin under a name.

    .. versionadded:: 0.1
    """


@hookspec
def lemnicore_register_transports(register: Callable[[str, TransportFactory], None]) -> None:
    """Register message transports (D12) by URL scheme.

    Call ``register(scheme, factory)`` for each scheme you serve, e.g.
    ``register("smtp", SmtpTransport.from_url)``. The factory takes the transport URL and
    returns a :class:`lemnicore.notifications.transport.Transport`. A scheme registered
    twice raises :class:`lemnicore.errors.PluginError`.

    :param register: the callback that records a transport factory under a URL scheme.

    .. versionadded:: 0.1
    """


@hookspec
def lemnicore_register_commands(commands: CommandRegistry) -> None:
    """Add sub-commands to the ``lemnicore`` command line (G3).

    :param commands: call ``commands.add(path, help=..., configure=..., run=...)`` where
        ``path`` is e.g. ``("import", "etermin")``; ``configure`` adds argparse arguments
        and ``run(args)`` returns the exit code.

    .. versionadded:: 0.1
    """
