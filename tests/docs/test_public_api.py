"""G1: everything public is importable from the top level and documented in docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lemnicore

DOCS = Path(__file__).resolve().parents[2] / "docs"


def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


@pytest.mark.parametrize("name", lemnicore.__all__)
def test_g1_every_public_name_is_importable_and_documented(name: str) -> None:
    assert hasattr(lemnicore, name)
    assert re.search(rf"`[^`]*\b{re.escape(name)}\b[^`]*`", docs_text()), (
        f"lemnicore.{name} is public but no page in docs/ mentions it"
    )


def test_g1_all_names_each_export_once() -> None:
    assert len(set(lemnicore.__all__)) == len(lemnicore.__all__)
