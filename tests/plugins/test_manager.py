"""The plugin manager (G1): constructible, strict about unknown hooks and duplicate names,
and lazy about entry points."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import entry_points

import pluggy
import pytest

from lemnicore import (
    PluginError,
    TransportFactory,
    collect_registrations,
    hookimpl,
    make_plugin_manager,
)
from lemnicore.cli.registry import CommandRegistry
from lemnicore.plugins.manager import BUILTIN_PLUGINS

ADAPTERS = {
    "etermin": "lemnicore_etermin.plugin",
    "notify": "lemnicore_notify.plugin",
    "web": "lemnicore_web.plugin",
    "postgres": "lemnicore_postgres.plugin",
}


class Misspelled:
    """A plugin whose author mistyped a hook name."""

    @hookimpl
    def lemnicore_register_transport(self, register: object) -> None:
        """(should be ``lemnicore_register_transports``)"""


class WrongArgument:
    """A plugin whose hook takes an argument the hook does not provide."""

    @hookimpl
    def lemnicore_open_store(self, uri: str) -> None:
        """(the hook's argument is ``url``)"""


def test_g1_check_pending_refuses_an_implementation_of_an_unknown_hook() -> None:
    with pytest.raises(PluginError, match="lemnicore_register_transport"):
        make_plugin_manager(load_entrypoints=False, plugins=[Misspelled()])


def test_g1_an_implementation_with_a_wrong_argument_is_a_plugin_error() -> None:
    with pytest.raises(PluginError, match="uri"):
        make_plugin_manager(load_entrypoints=False, plugins=[WrongArgument()])


def test_g1_every_manager_is_fresh() -> None:
    """A plugin registered in one manager is not seen by the next (tests build their own)."""
    first = make_plugin_manager(load_entrypoints=False)
    plugin = object()
    first.register(plugin, name="extra")
    second = make_plugin_manager(load_entrypoints=False)
    assert first.get_plugin("extra") is plugin
    assert second.get_plugin("extra") is None


def test_g2_the_plugin_manager_fixture_has_the_builtins(
    plugin_manager: pluggy.PluginManager,
) -> None:
    """G2: the ``plugin_manager`` fixture of ``lemnicore.testing``."""
    names = {name for name, _ in plugin_manager.list_name_plugin()}
    assert set(BUILTIN_PLUGINS) <= names


def test_g1_the_adapters_come_in_through_the_lemnicore_entry_point_group() -> None:
    """SPEC 0: lemnicore_etermin and lemnicore_notify are plugins like any third party's."""
    declared = {ep.name: ep.value for ep in entry_points(group="lemnicore")}
    assert declared.items() >= ADAPTERS.items()
    loaded = dict(make_plugin_manager().list_name_plugin())
    for name, module in ADAPTERS.items():
        assert loaded[name].__name__ == module
    without = dict(make_plugin_manager(load_entrypoints=False).list_name_plugin())
    assert not set(ADAPTERS) & set(without)


def test_g1_importing_lemnicore_loads_no_entry_point() -> None:
    """Entry points load when a plugin manager is made, never at ``import lemnicore``."""
    probe = (
        "import sys, lemnicore, lemnicore.cli, lemnicore.testing\n"
        "print(sorted(m for m in sys.modules if m.startswith(('lemnicore_etermin', "
        "'lemnicore_notify'))))\n"
        "lemnicore.make_plugin_manager()\n"
        "print(sorted(m for m in sys.modules if m.endswith('.plugin') and "
        "m.startswith('lemnicore_')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    before, after = done.stdout.splitlines()
    assert before == "[]"
    assert after == str(sorted(ADAPTERS.values()))


def test_g1_collect_registrations_refuses_a_name_registered_twice() -> None:
    """Two plugins claiming one scheme would route messages through the wrong provider."""

    class First:
        @hookimpl
        def lemnicore_register_transports(
            self, register: Callable[[str, TransportFactory], None]
        ) -> None:
            register("sms", lambda url: NotImplemented)

    class Second(First):
        pass

    pm = make_plugin_manager(load_entrypoints=False, plugins=[First(), Second()])
    with pytest.raises(PluginError, match="two plugins register the transport 'sms'"):
        collect_registrations(pm.hook.lemnicore_register_transports, "transport")


def test_g3_command_registry_refuses_a_command_path_twice() -> None:
    registry = CommandRegistry()
    registry.add(("import", "csv"), help="", configure=lambda p: None, run=lambda a: 0)
    with pytest.raises(PluginError, match="two plugins add the command 'lemnicore import csv'"):
        registry.add(("import", "csv"), help="", configure=lambda p: None, run=lambda a: 0)


def test_g3_a_plugin_cannot_shadow_a_builtin_command() -> None:
    class Shadow:
        @hookimpl
        def lemnicore_register_commands(self, commands: CommandRegistry) -> None:
            commands.add("demo", help="mine", configure=lambda p: None, run=lambda a: 0)

    pm = make_plugin_manager(load_entrypoints=False, plugins=[Shadow()])
    with pytest.raises(PluginError, match="'lemnicore demo'"):
        pm.hook.lemnicore_register_commands(commands=CommandRegistry())


@pytest.mark.parametrize(
    ("first", "second"), [(("import",), ("import", "csv")), (("import", "csv"), ("import",))]
)
def test_g3_command_registry_refuses_a_command_that_is_also_a_group(
    first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    registry = CommandRegistry()
    registry.add(first, help="", configure=lambda p: None, run=lambda a: 0)
    with pytest.raises(PluginError, match="both a command and the group"):
        registry.add(second, help="", configure=lambda p: None, run=lambda a: 0)
