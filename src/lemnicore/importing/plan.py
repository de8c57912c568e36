"""E3/E4/A8: an import as a plan — what a commit would write and what the report says.

Every importer (eTermin, ``.ics`` files, a third party's) turns what it read into one
:class:`ImportPlan`; the pipeline (:mod:`lemnicore.importing.pipeline`) dry-runs, reports,
commits and resets plans without knowing where they came from. Everything here is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import date
from typing import Protocol

import attrs

from lemnicore.access.logins import ClientLogin
from lemnicore.importing.issues import SKIPPED, WARNING, Issue, Merge, Overlap
from lemnicore.importing.runs import ImportedConfirmations
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.practice import AppointmentType
from lemnicore.scheduling.rules import overlapping_pairs


class ImportSettings(Protocol):
    """What the user chose for any import (E1, D16, D17, D18)."""

    @property
    def organisation_id(self) -> str: ...

    @property
    def confirmations(self) -> ImportedConfirmations: ...

    @property
    def reminders_from(self) -> date | None: ...

    @property
    def default_consent(self) -> bool | None: ...


SourceRef = tuple[str, str]
"""A source person's ``(key, record id)``: ``("etermin:contact:c-1", "contact 1")``."""


@attrs.frozen
class ImportPlan:
    """Everything a commit would write, and everything the report says (E3, E4).

    ``window_from``/``window_to`` are ``None`` for a source without a time window (CSV
    contacts, E7): its report shows no window, appointments or notifications.
    """

    source: str
    import_id: str | None
    options: ImportSettings
    window_from: date | None
    window_to: date | None
    appointment_types: tuple[AppointmentType, ...]
    clients: tuple[Client, ...]
    appointments: tuple[Appointment, ...]
    deleted_keys: frozenset[str]
    issues: tuple[Issue, ...]
    merges: tuple[Merge, ...]
    overlaps: tuple[Overlap, ...]
    shared_rooms: Mapping[str, tuple[str, ...]]
    counts: Mapping[str, int]
    client_sources: Mapping[str, tuple[SourceRef, ...]] = attrs.field(factory=dict)
    """Client id → ``(key, record id)`` of every source person merged into it (E4), the
    canonical one first: the keys that recognise the client again, and the record ids the
    report names. (Not the persons themselves: the plan outlives the fetched records.)"""
    possible_duplicates: tuple[Merge, ...] = ()
    """E4: persons kept apart although name and birth date (or phone) match, because their
    e-mail addresses or phone numbers differ — for a person to decide."""
    logins: tuple[ClientLogin, ...] = ()
    """C6/E7: booking-page logins of planned clients (``client_id`` is the planned client's
    id; the password only as its hash). Written with their clients, removed by a reset."""
    match_stored_by_email: bool = False
    """E4/E7: a planned client not recognised by its keys whose e-mail address and name a
    stored client of the organisation has (entered by hand, or by another source) is that
    client: it is left out and the stored client left as it is, reported as merged. Same
    e-mail but another name (a family sharing one address) is imported and reported as a
    possible duplicate. See :func:`~lemnicore.importing.commit.screen_stored_emails`."""
    delete_existing: bool = False
    """E7: the commit first deletes every stored client that is not erased, keeping their
    appointments (unlinked, the comment naming the former client); a dry run counts them."""
    all_or_nothing: bool = False
    """E7: any faulty record (a ``skipped`` issue of the importer, or a login id the store
    has already) makes the commit refuse before it writes anything
    (:class:`~lemnicore.importing.issues.FaultyRecordsError`)."""
    summary: tuple[str, ...] = ()
    """Lines the importer adds to the report's summary (e.g. the tag every contact gets)."""

    @property
    def faulty_records(self) -> list[Issue]:
        """The issues that kept a record out of the import."""
        return [i for i in self.issues if i.action == SKIPPED]


def in_room_overlaps(
    appointments: Sequence[Appointment], source_of: Mapping[str, str]
) -> tuple[list[Overlap], list[Issue], set[str]]:
    """A8: pairs of planned appointments sharing a room and a moment.

    ``source_of`` maps appointment id → the record id the report names. Returns the
    overlaps, one warning per pair, and the ids of every appointment in a pair.
    """
    overlaps: list[Overlap] = []
    issues: list[Issue] = []
    double: set[str] = set()
    for first, second in overlapping_pairs(appointments):
        one, two = source_of[first.id], source_of[second.id]
        overlaps.append(Overlap(first.room_id, one, two))
        double.update((first.id, second.id))
        reason = f"overlaps {one} in room {first.room_id!r}"
        issues.append(Issue("appointment", two, "time", reason, WARNING))
    return overlaps, issues, double


def with_stored_overlaps(
    plan: ImportPlan, stored: Iterable[Appointment], *, already_stored: Set[str] = frozenset()
) -> ImportPlan:
    """A8: ``plan`` with its appointments that overlap appointments already in the room.

    ``stored`` are the store's appointments in the plan's rooms and window (entered by
    hand or by an earlier import). An overlapping planned appointment is marked
    ``double_booked`` (a conflict, A4) and reported with the stored one it meets; the
    stored appointment itself is left as it is (a reset must not have touched it, E5).
    Stored appointments that *are* planned ones (same external id: a re-run) are ignored,
    and so are planned ones in ``already_stored`` (external ids): a commit leaves those as
    they are, so they meet nothing new.
    """
    planned_keys = {a.external_id for a in plan.appointments if a.external_id}
    others = [
        a for a in stored if a.blocks_room and not (a.external_id and a.external_id in planned_keys)
    ]
    if not others:
        return plan
    rooms = {a.room_id for a in others}
    stored_ids = {a.id for a in others}
    overlaps: list[Overlap] = []
    issues: list[Issue] = []
    flagged: set[str] = set()
    candidates = [
        *others,
        *(
            a
            for a in plan.appointments
            if a.room_id in rooms and not (a.external_id and a.external_id in already_stored)
        ),
    ]
    for one, two in overlapping_pairs(candidates):
        if (one.id in stored_ids) == (two.id in stored_ids):
            continue  # two stored (not this import's business) or two planned (done)
        other, planned = (one, two) if one.id in stored_ids else (two, one)
        name = appointment_name(planned)
        existing = f"appointment {other.id} (already in the room)"
        overlaps.append(Overlap(planned.room_id, existing, name))
        reason = (
            f"overlaps {existing} {other.start:%d.%m.%Y %H:%M}Z–{other.end:%H:%M}Z"
            f" in room {planned.room_id!r}: imported as a conflict (double-booked)"
        )
        issues.append(Issue("appointment", name, "time", reason, WARNING))
        flagged.add(planned.id)
    if not flagged:
        return plan
    appointments = tuple(
        attrs.evolve(a, double_booked=True) if a.id in flagged and not a.double_booked else a
        for a in plan.appointments
    )
    counts = dict(plan.counts) | {
        "overlaps_with_existing": len(overlaps),
        "issues": plan.counts.get("issues", len(plan.issues)) + len(issues),
    }
    return attrs.evolve(
        plan,
        appointments=appointments,
        overlaps=plan.overlaps + tuple(overlaps),
        issues=plan.issues + tuple(issues),
        counts=counts,
    )


def appointment_name(appointment: Appointment) -> str:
    """How a report names a planned appointment: its source record id if the importer
    kept one in ``external_id``, else its id."""
    return appointment.external_id or appointment.id
