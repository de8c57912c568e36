"""A5/A10 on the command line: weekly hours as text — ``"mon-fri 08:00-12:00,13:00-17:00"``
read into :class:`~lemnicore.WorkingTime` values and written back as
``Mon–Fri 08:00–12:00``. Bad text is a :class:`~lemnicore.ValidationError` naming the
option (G7)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lemnicore.errors import ValidationError

if TYPE_CHECKING:
    from lemnicore.scheduling.availability import WorkingTime

_SHOWN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME = r"(\d{1,2}):(\d{2})"
_WINDOW = re.compile(rf"^{_TIME}\s*[-–]\s*{_TIME}$")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day(word: str, option: str, text: str) -> int:
    name = word.strip().lower()
    for number, full in enumerate(_FULL_DAY_NAMES):
        if len(name) >= 3 and full.startswith(name):
            return number
    raise ValidationError(
        option, f"{text!r}: unknown weekday {word.strip()!r} (use mon, tue, … sun)"
    )


def _days(words: str, option: str, text: str) -> frozenset[int]:
    found: set[int] = set()
    for part in words.split(","):
        first, dash, last = part.partition("-")
        if not first.strip():
            raise ValidationError(option, f"{text!r}: missing weekday before {part!r}")
        start = _day(first, option, text)
        end = _day(last, option, text) if dash else start
        if end < start:
            raise ValidationError(option, f"{text!r}: {part.strip()!r} runs backwards")
        found.update(range(start, end + 1))
    return frozenset(found)


def weekly_hours(texts: Sequence[str], option: str = "--hours") -> tuple[WorkingTime, ...]:
    """``["mon-fri 08:00-12:00,13:00-17:00; sat 09:00-12:00"]`` as working times (A5/A10).

    Anything unreadable is a :class:`ValidationError` naming ``option`` and the text.
    """
    from datetime import time

    from lemnicore.scheduling.availability import WorkingTime, require_separate

    found: list[WorkingTime] = []
    for text in texts:
        for group in (g.strip() for g in text.split(";")):
            if not group:
                continue
            days, _, windows = group.partition(" ")
            if not windows.strip():
                raise ValidationError(
                    option,
                    f"{group!r}: expected weekdays and times, e.g. 'mon-fri 08:00-12:00,13:00-17:00'",
                )
            weekdays = _days(days, option, group)
            for window in windows.split(","):
                match = _WINDOW.match(window.strip())
                if match is None:
                    raise ValidationError(
                        option, f"{group!r}: {window.strip()!r} is not a time span like 08:00-12:00"
                    )
                h1, m1, h2, m2 = (int(g) for g in match.groups())
                try:
                    start, end = time(h1, m1), time(h2, m2)
                except ValueError:
                    raise ValidationError(
                        option, f"{group!r}: {window.strip()!r} is not a time of day"
                    ) from None
                if end <= start:
                    raise ValidationError(
                        option, f"{group!r}: {window.strip()!r} ends before it starts"
                    )
                found.append(WorkingTime(weekdays, start, end))
    if not found:
        raise ValidationError(option, "no working times given")
    require_separate(tuple(found), option)
    return tuple(found)


def weekdays_text(weekdays: frozenset[int]) -> str:
    """``{0, 1, 2, 3, 4}`` → ``Mon–Fri``; ``{0, 2}`` → ``Mon, Wed``."""
    days = sorted(weekdays)
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        _SHOWN_DAYS[r[0]] if len(r) == 1 else f"{_SHOWN_DAYS[r[0]]}–{_SHOWN_DAYS[r[-1]]}"
        for r in runs
    )


def hours_text(working_times: Sequence[WorkingTime]) -> str:
    """Working times as ``Mon–Fri 08:00–12:00; Sat 09:00–12:00``."""
    return "; ".join(
        f"{weekdays_text(w.weekdays)} {w.start:%H:%M}–{w.end:%H:%M}" for w in working_times
    )
