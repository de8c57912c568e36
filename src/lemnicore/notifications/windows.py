"""D6/D7: daily quiet hours and blackout windows in local wall-clock time.

A window ``[start, end)`` that ends at or before it starts runs over midnight
(20:00–06:00). Occurrences are computed per local date in the branch's zone, so a window
keeps its wall-clock edges across DST changes (the night of a switch is an hour shorter
or longer in elapsed time).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from lemnicore.errors import ValidationError
from lemnicore.timekeeping import local_datetime, to_utc

PRE_QUIET_LEAD = timedelta(minutes=90)
"""D6: a run this long before a quiet window starts also sends what falls due inside it."""


def _not_empty(instance: DailyWindow, attribute: attrs.Attribute[Any], value: time) -> None:
    if value == instance.start:
        raise ValidationError(
            "end", f"a daily window must not start and end at the same time ({value:%H:%M})"
        )
    if value.tzinfo is not None or instance.start.tzinfo is not None:
        raise ValidationError("start", "window edges are local wall-clock times without zone")


@attrs.frozen
class DailyWindow:
    """Every day from ``start`` to ``end`` local time; wraps midnight if ``end <= start``."""

    start: time
    end: time = attrs.field(validator=_not_empty)

    @classmethod
    def parse(cls, text: str, *, field: str = "window") -> DailyWindow:
        """``"20:00-06:00"`` → a window (clear error naming ``field`` otherwise)."""
        try:
            first, second = (part.strip() for part in text.split("-"))
            return cls(time.fromisoformat(first), time.fromisoformat(second))
        except ValidationError as exc:
            raise ValidationError(field, exc.reason) from None
        except ValueError:
            raise ValidationError(field, f"expected HH:MM-HH:MM, got {text!r}") from None

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def wraps_midnight(self) -> bool:
        return self.end <= self.start

    def occurrences(self, now: datetime, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """The window's occurrences that start on the local day before, of, or after ``now``."""
        today = now.astimezone(tz).date()
        found = []
        for offset in (-1, 0, 1):
            day = today + timedelta(days=offset)
            begin = local_datetime(day, self.start, tz)
            end_day = day + timedelta(days=1) if self.wraps_midnight else day
            # UTC values: callers subtract elapsed time from them (D6, 90 minutes before).
            found.append((to_utc(begin), to_utc(local_datetime(end_day, self.end, tz))))
        return found

    def contains(self, now: datetime, tz: ZoneInfo) -> bool:
        return any(begin <= now < end for begin, end in self.occurrences(now, tz))

    def upcoming_end(self, now: datetime, tz: ZoneInfo) -> datetime | None:
        """D6: if ``now`` lies in the 90 minutes before this window, the window's end."""
        for begin, end in self.occurrences(now, tz):
            if begin - PRE_QUIET_LEAD <= now < begin:
                return end
        return None


def quiet_window_at(
    now: datetime, quiet_hours: DailyWindow | None, blackouts: tuple[DailyWindow, ...], tz: ZoneInfo
) -> tuple[str, DailyWindow] | None:
    """Which window (``"quiet"`` or ``"blackout"``) ``now`` lies in, if any (D6, D7)."""
    if quiet_hours is not None and quiet_hours.contains(now, tz):
        return ("quiet", quiet_hours)
    for window in blackouts:
        if window.contains(now, tz):
            return ("blackout", window)
    return None


def reminder_horizon(
    now: datetime,
    run_interval: timedelta,
    quiet_hours: DailyWindow | None,
    blackouts: tuple[DailyWindow, ...],
    tz: ZoneInfo,
) -> datetime:
    """D5/D6/D7: reminders due before this instant go out in the run at ``now``.

    Normally ``now + run_interval``; in the 90 minutes before a quiet or blackout window
    it reaches to that window's end, so the next morning's reminders leave the evening before.
    """
    horizon = to_utc(now) + run_interval
    for window in (*((quiet_hours,) if quiet_hours else ()), *blackouts):
        end = window.upcoming_end(now, tz)
        if end is not None and end > horizon:
            horizon = end
    return horizon
