"""G1: every public name of the three packages is listed in docs/api.md and has a docstring.

``docs/api.md`` is the page a reader scans for "is there something for X?"; a name that is
exported but missing there, or that explains nothing when ``help()`` is called on it, is
not really public. Constants and type aliases have no ``__doc__`` of their own: for them
the docstring is the string literal right after the assignment in the defining module.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
PACKAGES = ("lemnicore", "lemnicore_notify", "lemnicore_etermin", "lemnicore_web")
NAMES = [
    (package, name)
    for package in PACKAGES
    for name in importlib.import_module(package).__all__
    if name != "__version__"
]


def attribute_docstring(module_name: str, name: str) -> str | None:
    """The string literal following ``name = …`` at module level, if any."""
    module = sys.modules[module_name]
    tree = ast.parse(inspect.getsource(module))
    body = tree.body
    for node, after in zip(body, [*body[1:], None], strict=True):
        targets = (
            [node.target]
            if isinstance(node, ast.AnnAssign)
            else node.targets
            if isinstance(node, ast.Assign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            if (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                return after.value.value
            return None
    return None


def own_docstring(obj: Any) -> str | None:
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if isinstance(obj, type) and issubclass(obj, enum.Enum) and doc == enum.Enum.__doc__:
        return None
    if (
        isinstance(obj, type)
        and issubclass(obj, tuple)
        and doc
        and doc.startswith(obj.__name__ + "(")
    ):
        return None  # NamedTuple's generated signature
    return doc


@pytest.mark.parametrize(("package", "name"), NAMES, ids=[f"{p}.{n}" for p, n in NAMES])
def test_g1_every_public_name_is_in_the_api_page(package: str, name: str) -> None:
    assert re.search(rf"`[^`\n]*\b{re.escape(name)}\b[^`\n]*`", API), (
        f"{package}.{name} is public but docs/api.md does not list it"
    )


@pytest.mark.parametrize(("package", "name"), NAMES, ids=[f"{p}.{n}" for p, n in NAMES])
def test_g1_every_public_name_has_a_docstring(package: str, name: str) -> None:
    exports: dict[str, str] = importlib.import_module(package)._EXPORTS
    obj = getattr(importlib.import_module(package), name)
    defined_in = exports[name]
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.ismethod(obj):
        doc = own_docstring(obj)
    else:  # a constant, a marker, a type alias: the literal after its assignment
        doc = attribute_docstring(defined_in, name) or (
            own_docstring(obj) if callable(obj) and not isinstance(obj, type) else None
        )
        if doc is None:
            doc = _docstring_where_defined(obj, name, defined_in)
    assert (doc or "").strip(), f"{package}.{name} has no docstring"


def _docstring_where_defined(obj: Any, name: str, imported_from: str) -> str | None:
    """A re-exported constant is documented where it is assigned, maybe one module further."""
    module = sys.modules[imported_from]
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and any(a.name == name for a in node.names):
            importlib.import_module(str(node.module))
            return attribute_docstring(str(node.module), name)
    return None


def test_g2_every_fixture_of_the_pytest_plugin_has_a_docstring() -> None:
    """``pytest --fixtures`` shows these to a downstream project's developers."""
    source = (ROOT / "src" / "lemnicore" / "testing" / "pytest_plugin.py").read_text()
    fixtures = [
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.FunctionDef)
        and any("fixture" in ast.unparse(d) for d in node.decorator_list)
    ]
    assert len(fixtures) >= 5
    undocumented = [f.name for f in fixtures if not ast.get_docstring(f)]
    assert undocumented == []


@pytest.mark.parametrize("cls", ["OutgoingMessage", "Attachment"])
def test_g1_every_field_of_a_message_is_documented(cls: str) -> None:
    """A transport author reads these fields; each has an attribute docstring."""
    import attrs

    import lemnicore

    module = sys.modules[lemnicore._EXPORTS[cls]]
    getattr(lemnicore, cls)
    tree = ast.parse(inspect.getsource(module))
    (klass,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls]
    body = klass.body
    documented = {
        node.target.id
        for node, after in zip(body, [*body[1:], None], strict=True)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and isinstance(after, ast.Expr)
        and isinstance(after.value, ast.Constant)
    }
    assert {f.name for f in attrs.fields(getattr(lemnicore, cls))} == documented
