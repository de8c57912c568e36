"""G1: the examples in docs/access.md and docs/online-booking.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def _examples() -> list[tuple[str, str]]:
    return [
        (f"{name}#{n}", code)
        for name in ("access.md", "online-booking.md")
        for n, code in enumerate(BLOCK.findall((DOCS / name).read_text(encoding="utf-8")))
    ]


@pytest.mark.parametrize(("where", "code"), _examples(), ids=[w for w, _ in _examples()])
def test_g1_doc_example_runs(where: str, code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, where, "exec"), {"__name__": "__doc_example__"})
    assert capsys.readouterr().out
