"""F1: the public storage contract, run against a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lemnicore.plugins.manager import open_store
from lemnicore.storage.ports import Store
from lemnicore.testing.contract import StoreContract


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[Store]:
        opened = open_store(postgres_url)
        yield opened
        opened.close()
