"""G5: ``import lemnicore``, ``lemnicore --help`` and ``lemnicore version`` load no heavy
library — the public names are imported on first use (PEP 562), plugins register without
importing their transports, commands add their options only when used.

The time itself is measured in benchmarks/test_bench_startup.py, never asserted here.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = (
    "icalendar",
    "httpx",
    "phonenumbers",
    "holidays",
    "cattrs",
    "dateutil",
    "sqlite3",
    # the web extra: the serve command registers without them (G5)
    "starlette",
    "jinja2",
    "uvicorn",
    "itsdangerous",
    # the postgres extra: the store plugin registers without it (G5)
    "psycopg",
    "psycopg_pool",
)


def modules_loaded_by(code: str) -> set[str]:
    probe = (
        "import sys, contextlib, io\n"
        f"{code}\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules}"
        " | ({'importlib.metadata'} & set(sys.modules)))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def test_g5_import_lemnicore_loads_no_heavy_library() -> None:
    loaded = modules_loaded_by(
        "import lemnicore, lemnicore_notify, lemnicore_etermin, lemnicore_web, lemnicore_web.plugin,"
        " lemnicore_postgres, lemnicore_postgres.plugin, lemnicore.importing.ical.plugin"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "attr" not in loaded


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["version"],
        ["notify", "--help"],
        ["serve", "--help"],
        ["import", "--help"],
        ["store", "--help"],
        ["setup", "--help"],
        ["setup", "hours", "--help"],
    ],
)
def test_g5_the_command_line_starts_without_heavy_libraries(argv: list[str]) -> None:
    code = (
        "from lemnicore.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({argv!r})"
    )
    loaded = modules_loaded_by(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "importlib.metadata" not in loaded  # entry points are read without it


def test_g5_a_public_name_loads_when_first_used() -> None:
    loaded = modules_loaded_by("import lemnicore\nlemnicore.Room")
    assert "icalendar" not in loaded
    assert "attr" in loaded


@pytest.mark.parametrize(
    "package", ["lemnicore", "lemnicore_notify", "lemnicore_etermin", "lemnicore_web"]
)
def test_g1_the_lazy_table_matches_the_typed_imports_and_all(package: str) -> None:
    """The names mypy sees (``if TYPE_CHECKING:`` imports), the names ``__getattr__`` serves
    (``_EXPORTS``) and ``__all__`` are the same set, each from the same module."""
    tree = ast.parse((SRC / package / "__init__.py").read_text())
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                typed.update({alias.name: str(imp.module) for alias in imp.names})
    module = importlib.import_module(package)
    exports: dict[str, str] = module._EXPORTS
    assert typed == exports
    assert set(module.__all__) - {"__version__"} == set(exports)
    for name in module.__all__:
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        module.NoSuchName  # noqa: B018
