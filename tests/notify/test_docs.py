"""G1: the examples in docs/transports.md run as written (against the loopback fakes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "transports.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{n}" for n in range(len(BLOCKS))])
def test_g1_transport_docs_examples_run(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(code, str(DOC), "exec"), {"__name__": "docs_example"})
    out = capsys.readouterr().out
    for expected in re.findall(r"# (\S.*)$", code, re.MULTILINE):
        if expected.startswith(
            (
                "smtp://",
                "sms+seven://",
                "+49",
                "Ihre Termine",
                "Terminbestätigung",
                "Erinnerung: Termin",
                "handed_over",
                "not_handed_over",
                "threema offers",
            )
        ):
            assert expected in out
