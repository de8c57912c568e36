"""lemnicore's own tests use the public pytest plugin (``lemnicore.testing``) first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lemnicore.plugins.manager import open_store
from lemnicore.storage.ports import Store

STORE_KINDS = ("memory", "sqlite", "postgres")


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """F1: every store lemnicore ships, opened by URL through the plugin hook.

    A test using this fixture runs once per store, so all must behave identically.
    PostgreSQL runs on the session's throwaway server (``postgres_url``).
    """
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
    elif request.param == "memory":
        url = "memory://"
    else:
        url = f"sqlite:///{tmp_path / 'practice.db'}"
    opened = open_store(url)
    yield opened
    opened.close()
