"""The import rules of docs/architecture.md, checked on the source (G1, STYLE: "the domain
never imports an adapter")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
KERNEL = ("lemnicore.errors", "lemnicore.timekeeping", "lemnicore.clock", "lemnicore.ids")
KERNEL_PRIVATE = ("lemnicore._validators",)
ADAPTER_PACKAGES = ("lemnicore_etermin", "lemnicore_notify", "lemnicore_postgres")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every absolute module name imported anywhere in the file (TYPE_CHECKING included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(package: str) -> list[Path]:
    root = SRC / package.replace(".", "/")
    found = sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]
    # A renamed package must not turn these checks into checks of nothing.
    assert found, f"no modules under {package}"
    assert all(p.is_file() for p in found), f"{package} is neither a package nor a module"
    return found


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def lemnicore_imports(path: Path) -> set[str]:
    return {n for n in imports_of(path) if within(n, ("lemnicore", *ADAPTER_PACKAGES))}


ALLOWED = {
    "lemnicore.errors": (),
    "lemnicore.timekeeping": ("lemnicore.errors",),
    "lemnicore.clock": (),
    "lemnicore.ids": (),
    "lemnicore.scheduling": (*KERNEL, *KERNEL_PRIVATE, "lemnicore.scheduling"),
    "lemnicore.access": (*KERNEL, *KERNEL_PRIVATE, "lemnicore.scheduling", "lemnicore.access"),
}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_g1_inner_layers_import_only_what_lies_further_in(package: str) -> None:
    for path in modules_under(package):
        stray = {n for n in lemnicore_imports(path) if not within(n, ALLOWED[package])}
        assert not stray, f"{module_name(path)} imports {sorted(stray)}"


def test_g1_services_never_build_an_adapter() -> None:
    forbidden = (
        "lemnicore.storage.memory",
        "lemnicore.storage.sqlite",
        "lemnicore.cli",
        "lemnicore.testing",
        *ADAPTER_PACKAGES,
    )
    for path in modules_under("lemnicore.services"):
        stray = {n for n in lemnicore_imports(path) if within(n, forbidden)}
        assert not stray, f"{module_name(path)} imports {sorted(stray)}"


def test_g1_ports_import_no_adapter() -> None:
    ports = [
        SRC / "lemnicore/storage/ports.py",
        SRC / "lemnicore/notifications/transport.py",
        SRC / "lemnicore/importing/ports.py",
    ]
    forbidden = ("lemnicore.storage.memory", "lemnicore.storage.sqlite", *ADAPTER_PACKAGES)
    for path in ports:
        stray = {n for n in lemnicore_imports(path) if within(n, forbidden)}
        assert not stray, f"{module_name(path)} imports {sorted(stray)}"


def test_g1_lemnicore_never_imports_the_adapter_packages() -> None:
    """They are plugins found through the ``lemnicore`` entry-point group."""
    for path in modules_under("lemnicore"):
        stray = {n for n in imports_of(path) if within(n, ADAPTER_PACKAGES)}
        assert not stray, f"{module_name(path)} imports {sorted(stray)}"


def test_g1_the_adapter_packages_do_not_import_each_other() -> None:
    for package in ADAPTER_PACKAGES:
        others = tuple(p for p in ADAPTER_PACKAGES if p != package)
        for path in modules_under(package):
            stray = {n for n in imports_of(path) if within(n, others)}
            assert not stray, f"{module_name(path)} imports {sorted(stray)}"


def test_g1_only_the_test_kit_imports_pytest() -> None:
    for path in modules_under("lemnicore"):
        if within(module_name(path), ("lemnicore.testing",)):
            continue
        assert not {n for n in imports_of(path) if within(n, ("pytest", "_pytest"))}, path


def test_g1_built_in_stores_know_only_their_port_and_the_domain() -> None:
    forbidden = ("lemnicore.services", "lemnicore.cli", "lemnicore.testing")
    for package in ("lemnicore.storage.memory", "lemnicore.storage.sqlite"):
        for path in modules_under(package):
            stray = {n for n in lemnicore_imports(path) if within(n, forbidden)}
            assert not stray, f"{module_name(path)} imports {sorted(stray)}"


def test_g1_the_import_check_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checks above would pass on a blind parser: prove this one sees what it must."""
    module = tmp_path / "stray.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "import lemnicore.storage.sqlite.store\n"
        "from lemnicore_notify import plugin\n"
        "from . import sibling\n"
        "if TYPE_CHECKING:\n"
        "    from lemnicore.cli import main\n"
        "def later():\n"
        "    import lemnicore_etermin.api\n",
        encoding="utf-8",
    )
    assert lemnicore_imports(module) == {
        "lemnicore.storage.sqlite.store",
        "lemnicore_notify",
        "lemnicore.cli",
        "lemnicore_etermin.api",
    }
    assert not within("lemnicore.scheduling", ("lemnicore.sched",))
