"""E8/E2: ``.ics`` calendar files on the import pipeline — each file mapped to a room.

:func:`plan_calendar_import` is pure: read calendars → an
:class:`~lemnicore.importing.plan.ImportPlan` of appointments (no clients: a calendar
export does not say reliably who the client is; the event's title and description become
the appointment's comment). :class:`CalendarFileImporter` reads the files for the
pipeline; :class:`IcsPlugin` is ``lemnicore import ics``.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import attrs

from lemnicore._validators import non_empty
from lemnicore.errors import ValidationError
from lemnicore.importing.ical.reading import (
    CalendarFile,
    ReadCalendar,
    calendar_name,
    read_calendar,
)
from lemnicore.importing.issues import SKIPPED, Issue
from lemnicore.importing.pipeline import ImportTarget
from lemnicore.importing.plan import ImportPlan, in_room_overlaps
from lemnicore.importing.ports import Progress
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.practice import AppointmentType

SOURCE = "ics"
EVENT_TYPE = AppointmentType(
    "ics-event", "Appointment (from a calendar file)", allows_auto_notifications=False
)
"""Imported events carry no client, so no notification could go anywhere anyway."""


def record_id_for(key: str) -> str:
    """The lemnicore id for an event key: the same on every run (E4, E5)."""
    return hashlib.blake2b(key.encode(), digest_size=16, person=b"lemnicore-ics").hexdigest()


@attrs.frozen
class FileMapping:
    """E2: one calendar file into one lemnicore room and calendar."""

    file: str = attrs.field(validator=non_empty)
    room_id: str = attrs.field(validator=non_empty)
    calendar_id: str = attrs.field(validator=non_empty)


def plan_calendar_import(
    calendars: Sequence[ReadCalendar],
    mappings: Sequence[FileMapping],
    target: ImportTarget,
    *,
    today: date,
    now: datetime,
    import_id: str | None = None,
    progress: Progress | None = None,
) -> ImportPlan:
    """E8/E2/E3/A8: map each file's events to its room; report duplicates and overlaps.

    An event whose key (UID + recurrence id) was already read — the same event exported
    in two files — is imported once and reported. Overlaps in a room are kept, marked
    ``double_booked`` and reported (A4, A8).
    """
    del now  # events carry no creation time worth keeping; kept for the port's shape
    window_from, window_to = target.window(today)
    mapping = {m.file: m for m in mappings}
    issues: list[Issue] = [i for c in calendars for i in c.issues]
    total = sum(len(c.events) for c in calendars)
    done = 0
    if progress is not None:
        progress(0, total)
    seen: dict[str, str] = {}
    appointments: list[Appointment] = []
    source_of: dict[str, str] = {}
    duplicates = 0
    for read in calendars:
        target_of = mapping[read.file]
        for event in read.events:
            done += 1
            if progress is not None and (done % 5000 == 0 or done == total):
                progress(done, total)
            if event.key in seen:
                duplicates += 1
                reason = f"the same event (UID) was read from {seen[event.key]!r} already"
                issues.append(Issue("event", event.record_id, "UID", reason, SKIPPED))
                continue
            seen[event.key] = read.file
            comment = "\n".join(p for p in (event.summary, event.description) if p)
            appointment = Appointment(
                id=record_id_for(event.key),
                calendar_id=target_of.calendar_id,
                room_id=target_of.room_id,
                start=event.start,
                end=event.end,
                type_id=EVENT_TYPE.id,
                comment=comment,
                external_id=event.key,
                import_id=import_id,
            )
            appointments.append(appointment)
            source_of[appointment.id] = event.record_id
    overlaps, overlap_issues, double = in_room_overlaps(appointments, source_of)
    issues.extend(overlap_issues)
    if double:
        appointments = [
            attrs.evolve(a, double_booked=True) if a.id in double else a for a in appointments
        ]
    rooms: dict[str, list[str]] = {}
    for m in mappings:
        rooms.setdefault(m.room_id, []).append(m.file)
    counts = {
        "calendars": len(mappings),
        "contacts_read": 0,
        "appointments_read": total,
        "clients": 0,
        "appointments": len(appointments),
        "blocks": 0,
        "merged": 0,
        "possible_duplicates": 0,
        "duplicate_events": duplicates,
        "outside_window": sum(c.outside_window for c in calendars),
        "all_day": sum(c.all_day for c in calendars),
        "overlaps": len(overlaps),
        "faulty_records": sum(1 for i in issues if i.action == SKIPPED),
        "issues": len(issues),
    }
    return ImportPlan(
        source=SOURCE,
        import_id=import_id,
        options=target,
        window_from=window_from,
        window_to=window_to,
        appointment_types=(EVENT_TYPE,),
        clients=(),
        appointments=tuple(appointments),
        deleted_keys=frozenset(),
        issues=tuple(issues),
        merges=(),
        overlaps=tuple(overlaps),
        shared_rooms={room: tuple(files) for room, files in rooms.items() if len(files) > 1},
        counts=counts,
    )


class CalendarFileImporter:
    """E8: the pipeline's importer for ``.ics`` files, each mapped to a room."""

    name = SOURCE

    def __init__(
        self,
        files: Iterable[CalendarFile],
        mappings: Sequence[FileMapping],
        target: ImportTarget,
    ) -> None:
        self.files = tuple(files)
        self.mappings = tuple(mappings)
        self.target = target
        names = {f.name for f in self.files}
        unmapped = [m.file for m in self.mappings if m.file not in names]
        if unmapped:
            raise ValidationError("--file", f"no calendar file {unmapped[0]!r} was given")

    def list_calendars(self) -> list[Mapping[str, Any]]:
        """E1: one calendar per file: the file name and its ``X-WR-CALNAME``."""
        return [{"id": f.name, "name": calendar_name(f.data) or f.name} for f in self.files]

    def fetch(self, progress: Progress, *, today: date) -> list[ReadCalendar]:
        first, last = self.target.window(today)
        result: list[ReadCalendar] = []
        events = 0
        for file in self.files:
            read = read_calendar(
                file, time_zone=self.target.time_zone, first_day=first, last_day=last
            )
            result.append(read)
            events += len(read.events)
            progress(events, events)  # a file's size says nothing about its events
        return result

    def plan(
        self,
        fetched: list[ReadCalendar],
        *,
        import_id: str | None,
        today: date,
        now: datetime,
        progress: Progress,
    ) -> ImportPlan:
        return plan_calendar_import(
            fetched,
            self.mappings,
            self.target,
            today=today,
            now=now,
            import_id=import_id,
            progress=progress,
        )

    def close(self) -> None:
        self.files = ()


class IcsPlugin:
    """``lemnicore import ics FILE=ROOM[@CALENDAR] …`` (E8)."""

    help = "import appointments from .ics calendar files, one room per file (E8)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "files",
            nargs="+",
            metavar="FILE=ROOM[@CALENDAR]",
            help="a calendar file (Google, Outlook, Apple, CalDAV export) and the room its"
            " events go to; with --list-calendars just FILE",
        )

    def open(self, args: argparse.Namespace, target: ImportTarget) -> CalendarFileImporter:
        files: list[CalendarFile] = []
        mappings: list[FileMapping] = []
        for spec in args.files:
            path, sep, where = spec.rpartition("=") if "=" in spec else (spec, "", "")
            try:
                data = Path(path).read_bytes()
            except OSError as exc:
                raise ValidationError("FILE", f"cannot read {path!r}: {exc.strerror}") from None
            files.append(CalendarFile(path, data))
            if not sep:
                if args.list_calendars:
                    continue
                raise ValidationError("FILE", f"expected FILE=ROOM[@CALENDAR], got {spec!r}")
            room, calendar = target.room_and_calendar(where, option="FILE", spec=spec)
            mappings.append(FileMapping(path, room, calendar))
        return CalendarFileImporter(files, mappings, target)
