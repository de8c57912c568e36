"""G1: the runnable example in docs/notifications.md runs and prints what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).parents[2] / "docs" / "notifications.md"


def test_docs_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert code is not None
    exec(compile(code.group(1), str(DOC), "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["['confirmation']", "termine.ics", "['confirmation', 'reminder']"]
    assert any("reminder via email to eva@example.org: sent" in line for line in out)
