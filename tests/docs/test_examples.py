"""Documentation that runs (G1, G4): every ```python block in README.md and docs/*.md.

Blocks of one page run in order in one namespace, like a reader typing them into one
session, inside an empty temporary folder. A block right after a ``<!-- no-run -->`` line
is skipped (configuration fragments, sketches); a block after ``<!-- pytest -->`` is a test
module and runs under pytest in a subprocess, with the ``lemnicore`` pytest plugin loaded
from its entry point as a user's project would have it.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")


@attrs.frozen
class Block:
    page: Path
    line: int
    language: str
    marker: str  # "", "no-run" or "pytest"
    code: str


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the marker line before each."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        before = next((x.strip() for x in reversed(lines[:i]) if x.strip()), "")
        marker = m.group(1) if (m := re.fullmatch(r"<!-- ([\w-]+) -->", before)) else ""
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        code = "\n".join(lines[i + 1 : end]) + "\n"
        found.append(Block(page, i + 1, opening.group(1), marker, code))
        i = end + 1
    return found


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_g1_the_docs_have_the_pages_the_readme_links() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\((docs/[\w.-]+\.md)\)", readme):
        assert (ROOT / link).is_file(), link
    names = {p.name for p in PAGES}
    assert {"index.md", "architecture.md", "domain.md", "plugins.md", "cli.md"} <= names
    assert "testing.md" in names


def test_g1_markers_are_spelled_right() -> None:
    for page in PAGES:
        for block in blocks(page):
            assert block.marker in ("", "no-run", "pytest"), f"{page_id(page)}:{block.line}"


def test_g1_every_python_block_parses() -> None:
    """Even a ``no-run`` block must be valid Python, so it cannot rot into pseudo-code."""
    for page in PAGES:
        for block in blocks(page):
            if block.language == "python":
                ast.parse(block.code, filename=f"{page_id(page)}:{block.line}")


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_g1_python_examples_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in blocks(page):
        if block.language != "python" or block.marker:
            continue
        code = compile(block.code, f"{page_id(page)}:{block.line}", "exec")
        exec(code, namespace)
    capsys.readouterr()


@pytest.mark.parametrize(
    "block",
    [b for p in PAGES for b in blocks(p) if b.language == "python" and b.marker == "pytest"],
    ids=lambda b: f"{page_id(b.page)}:{b.line}",
)
def test_g1_pytest_examples_pass(block: Block, tmp_path: Path) -> None:
    (tmp_path / "test_from_docs.py").write_text(block.code, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_from_docs.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout


def test_g4_readme_quick_start_has_exactly_the_two_commands() -> None:
    """G4: one command runs the main job on SQLite, one runs the tests."""
    commands = [b.code.strip() for b in blocks(ROOT / "README.md") if b.language in ("sh", "")]
    assert commands == [
        "python3 -m pip install nox && python3 -m nox -s demo",
        "python3 -m pip install nox && python3 -m nox -s tests",
    ]
    noxfile = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    assert "def demo(" in noxfile
    assert "def tests(" in noxfile
    assert '"lemnicore", "demo"' in noxfile
