"""Identifiers: random, URL-safe, sortable enough to eyeball."""

from __future__ import annotations

import uuid
from collections.abc import Callable

IdFactory = Callable[[], str]


def new_id() -> str:
    """A fresh random id (UUID4 as 32 hex digits)."""
    return uuid.uuid4().hex
