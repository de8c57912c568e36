"""datasette-style meta-tests (G1): every hook has a test and a section in docs/plugins.md
that names its parameters."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from lemnicore import make_plugin_manager
from lemnicore.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DOC = ROOT / "docs" / "plugins.md"


def hook_names() -> list[str]:
    pm = make_plugin_manager(load_entrypoints=False)
    names = sorted(n for n in vars(hookspecs) if n.startswith("lemnicore_"))
    assert all(getattr(pm.hook, n).has_spec() for n in names)
    return names


def documented_hooks() -> dict[str, list[str]]:
    """``### `lemnicore_x(a, b)` `` headings of docs/plugins.md → their parameter names."""
    found: dict[str, list[str]] = {}
    for name, params in re.findall(
        r"^### `(lemnicore_\w+)\(([^)]*)\)`", PLUGIN_DOC.read_text(), re.M
    ):
        found[name] = [p.strip() for p in params.split(",") if p.strip()]
    return found


def test_g1_there_are_hooks() -> None:
    assert len(hook_names()) >= 4


@pytest.mark.parametrize("name", hook_names())
def test_g1_every_hook_has_a_test(name: str) -> None:
    tests = "".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    assert f"def test_hook_{name}(" in tests


@pytest.mark.parametrize("name", hook_names())
def test_g1_every_hook_is_documented_with_its_parameters(name: str) -> None:
    documented = documented_hooks()
    assert name in documented, f"docs/plugins.md has no '### `{name}(…)`' section"
    spec = inspect.signature(getattr(hookspecs, name))
    assert documented[name] == list(spec.parameters)


def test_g1_docs_describe_no_hook_that_does_not_exist() -> None:
    assert set(documented_hooks()) <= set(hook_names())
