"""E3/E4/A8: what an import says about the records it read — values every importer shares.

An :class:`Issue` names one source record, the field and the reason, and what the import
did with the record (its ``action``). A :class:`Merge` says which rule took two source
persons as one client; an :class:`Overlap` names two appointments that share a room and a
moment. The report (:mod:`lemnicore.importing.report`) groups them by reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from lemnicore.errors import ValidationError

SKIPPED = "skipped"
"""The record was not imported."""
IMPORTED = "imported"
"""The record was imported as it is, the problem noted (e.g. no e-mail address)."""
FIXED = "fixed"
"""The record was imported after a repair (e.g. ``\\n`` made a line break, bad e-mail left out)."""
MERGED = "merged"
"""The record was merged into another one (E4 duplicates)."""
WARNING = "warning"
"""Imported, but needs a look (overlaps, A8; possible duplicates, E4)."""

ACTIONS = (SKIPPED, WARNING, MERGED, FIXED, IMPORTED)
"""The actions in the order a report shows them: what was left out first, harmless notes
(``imported``: taken as it is, something noted) last."""


@attrs.frozen
class Issue:
    """One problem with one source record (E3): which record, which field, why."""

    kind: str
    record_id: str
    field: str
    reason: str
    action: str = IMPORTED

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}: {self.field}: {self.reason} [{self.action}]"


@attrs.frozen
class Merge:
    """E4: ``merged`` (a record id) was taken as the same client as ``kept``, by ``rule``.

    Also used for possible duplicates: there ``rule`` says why they were *not* merged.
    """

    rule: str
    kept: str
    merged: str


@attrs.frozen
class Overlap:
    """A8/E3: two appointments share a room and a moment.

    ``first`` and ``second`` are source record ids, or — for an appointment that was in
    the room before this import (entered by hand or by an earlier import) — ``existing``
    names it as ``appointment <id> (already in the room)``.
    """

    room_id: str
    first: str
    second: str


class FaultyRecordsError(ValidationError):
    """E7: an all-or-nothing import refused: some records are faulty, nothing was written.

    ``issues`` lists every faulty record (each names its record and field); ``hint`` says
    what the user can do about it.
    """

    def __init__(self, issues: Sequence[Issue], *, hint: str = "") -> None:
        self.issues = tuple(issues)
        self.hint = hint
        first = self.issues[0]
        more = f" (and {len(self.issues) - 1} more problems)" if len(self.issues) > 1 else ""
        super().__init__(first.field, f"{first.reason}{more}", record=first.record_id)
