"""A clock that only moves when told to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lemnicore.timekeeping import require_aware


class FakeClock:
    """A :class:`~lemnicore.clock.Clock` for tests and simulations.

    >>> from datetime import UTC, datetime, timedelta, UTC
    >>> clock = FakeClock(datetime(2026, 3, 28, 12, tzinfo=UTC))
    >>> clock.advance(hours=1).hour
    13
    """

    def __init__(self, now: datetime) -> None:
        self._now = require_aware(now, "now")

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> datetime:
        self._now = require_aware(now, "now")
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; returns the new now."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("a clock does not run backwards")
        # Elapsed time: add in UTC and return to the clock's zone. ``aware + timedelta`` would
        # add wall-clock time, and ten minutes after 02:55 CEST on 25 October would be 03:05.
        self._now = (self._now.astimezone(UTC) + step).astimezone(self._now.tzinfo)
        return self._now
