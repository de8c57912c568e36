"""The clock port. Domain rules never read the clock; services ask a :class:`Clock`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Where services read the time: :class:`SystemClock` in production, a fake in tests."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)
