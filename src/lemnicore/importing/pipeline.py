"""E1–E6: the one import pipeline — fetch, plan, screen, write, report — for every importer.

``run_import`` takes an :class:`~lemnicore.importing.ports.Importer` and gives it what
every import needs: a dry run that writes nothing (E3), the screening against the store
(clients erased on request, B5; overlaps with appointments already in the room, A8), the
batched, resumable commit under one import id (E4), progress for every phase in records
done / total (E6), and the report (text, and the full detail streamed to a JSON file).
Reset (E5) is :func:`lemnicore.importing.reset.reset_import`, whatever the source.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

import attrs

from lemnicore.access.actors import Actor, Scope
from lemnicore.access.policy import require_scope
from lemnicore.clock import Clock
from lemnicore.errors import ValidationError
from lemnicore.importing.commit import commit_plan, dry_run, next_import_id, screen_plan
from lemnicore.importing.plan import ImportPlan
from lemnicore.importing.ports import DEFAULT_BATCH_SIZE, Importer, Progress
from lemnicore.importing.report import stream_report_json
from lemnicore.importing.runs import ImportedConfirmations, ImportRun
from lemnicore.services.lookup import calendars_of, rooms_of
from lemnicore.storage.ports import Store
from lemnicore.timekeeping import DEFAULT_TIME_ZONE, zone

PHASES = ("fetch", "plan", "write", "report")
"""E6: the phases a run reports progress for, in order."""

PhaseProgress = Callable[[str, int, int], None]
"""Called with (phase, records done, records in total)."""


def _confirmations(value: str | ImportedConfirmations) -> ImportedConfirmations:
    try:
        return ImportedConfirmations(value)
    except ValueError:
        allowed = ", ".join(c.value for c in ImportedConfirmations)
        raise ValidationError("confirmations", f"must be one of {allowed}, got {value!r}") from None


@attrs.frozen
class ImportTarget:
    """The practice an import goes into and what the user chose for every importer.

    ``rooms`` and ``calendars`` are the store's ids, so an importer can check a mapping
    before reading anything (E2). The window is in days relative to ``today``, inclusive.
    """

    organisation_id: str
    time_zone: str = DEFAULT_TIME_ZONE
    rooms: frozenset[str] = frozenset()
    calendars: frozenset[str] = frozenset()
    window_from_days: int = -500
    window_to_days: int = 200
    confirmations: ImportedConfirmations = attrs.field(
        default=ImportedConfirmations.NONE, converter=_confirmations
    )
    reminders_from: date | None = None
    default_consent: bool | None = None

    def __attrs_post_init__(self) -> None:
        if self.window_from_days > self.window_to_days:
            raise ValidationError(
                "window", f"from ({self.window_from_days}) is after to ({self.window_to_days})"
            )
        zone(self.time_zone)

    def window(self, today: date) -> tuple[date, date]:
        """The first and last local day of the import window."""
        return today + timedelta(days=self.window_from_days), today + timedelta(
            days=self.window_to_days
        )

    @classmethod
    def of_store(
        cls, store: Store, organisation_id: str | None = None, **choices: object
    ) -> ImportTarget:
        """The target for ``organisation_id`` (or the store's only organisation)."""
        with store.unit_of_work(write=False) as uow:
            organisations = uow.organisations.all()
            found = [o for o in organisations if o.id == organisation_id] if organisation_id else []
            if not organisation_id and len(organisations) == 1:
                found = organisations
            if len(found) != 1:
                names = ", ".join(o.id for o in organisations) or "none"
                raise ValidationError(
                    "--organisation", f"name the organisation to import into (store has: {names})"
                )
            org = found[0]
            # B1: an import maps only to the practice's own rooms and calendars; another
            # practice's in the same store are not offered (nor named in errors).
            rooms = frozenset(r.id for r in rooms_of(uow, org.id))
            calendars = frozenset(c.id for c in calendars_of(uow, org.id))
        choices.setdefault("default_consent", org.default_notification_consent)
        return cls(
            organisation_id=org.id,
            time_zone=org.time_zone,
            rooms=rooms,
            calendars=calendars,
            **choices,  # type: ignore[arg-type]
        )

    def room_and_calendar(
        self, target: str, *, option: str, spec: str, default_calendar: str | None = None
    ) -> tuple[str, str]:
        """E2: ``ROOM[@CALENDAR]`` checked against the store; names the option and spec."""
        room, _, calendar = target.partition("@")
        calendar = (
            calendar
            or default_calendar
            or (next(iter(self.calendars)) if len(self.calendars) == 1 else "")
        )
        if not room:
            raise ValidationError(option, f"expected …=ROOM[@CALENDAR], got {spec!r}")
        if room not in self.rooms:
            raise ValidationError(
                option,
                f"no room {room!r} in the store (for {spec!r};"
                f" store has: {', '.join(sorted(self.rooms)) or 'none'})",
            )
        if calendar not in self.calendars:
            raise ValidationError(
                option,
                f"name the lemnicore calendar as …={room}@CALENDAR (for {spec!r};"
                f" store has: {', '.join(sorted(self.calendars)) or 'none'})",
            )
        return room, calendar


@attrs.frozen
class ImportOutcome:
    """What a run of the pipeline did: the run (``dry_run`` or ``committed``) and the plan
    as screened against the store — what the report describes."""

    run: ImportRun
    plan: ImportPlan


def _phase(progress: PhaseProgress | None, phase: str) -> Progress:
    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(phase, done, total)

    return report


def run_import(
    actor: Actor,
    importer: Importer,
    store: Store,
    *,
    clock: Clock,
    today: date,
    dry: bool = False,
    progress: PhaseProgress | None = None,
    report_json: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportOutcome:
    """E1–E6: one import from ``importer`` into ``store``; ``dry`` writes nothing (E3).

    ``actor`` is who imports: it needs the administration scope (B1), and each written
    batch is audited in its name (B3). The importer is closed after reading, so its
    credentials are not kept while the store is written.
    """
    require_scope(actor, Scope.ADMINISTRATION, "import data")
    report_file: TextIO | None = None
    try:
        if report_json is not None:
            # Opened first: an unwritable report path fails before anything is imported.
            try:
                report_file = report_json.open("w", encoding="utf-8")
            except OSError as exc:
                raise ValidationError(
                    "--report-json", f"cannot write {str(report_json)!r}: {exc.strerror}"
                ) from None
        try:
            return _run(
                importer, store, actor, clock, today, dry, progress, report_file, batch_size
            )
        finally:
            gc.unfreeze()
    finally:
        importer.close()
        if report_file is not None:
            report_file.close()


def _run(
    importer: Importer,
    store: Store,
    actor: Actor,
    clock: Clock,
    today: date,
    dry: bool,
    progress: PhaseProgress | None,
    report_file: TextIO | None,
    batch_size: int,
) -> ImportOutcome:
    try:
        fetched = importer.fetch(_phase(progress, "fetch"), today=today)
    finally:
        importer.close()
    # E6: what was read (and, below, planned) lives until the run ends and holds no
    # reference cycles; frozen, the cyclic collector stops walking it again and again.
    gc.freeze()
    import_id = None if dry else next_import_id(store, importer.name)
    plan = importer.plan(
        fetched,
        import_id=import_id,
        today=today,
        now=clock.now(),
        progress=_phase(progress, "plan"),
    )
    del fetched
    gc.freeze()
    if dry:
        with store.unit_of_work(write=False) as uow:
            plan = screen_plan(uow, plan)
        write = _phase(progress, "write")
        write(0, 0)
        run = dry_run(plan, clock=clock)
    else:
        run, plan = commit_plan(
            store,
            plan,
            clock=clock,
            actor=actor,
            batch_size=batch_size,
            progress=_phase(progress, "write"),
        )
    if report_file is not None:
        stream_report_json(report_file, plan, run, progress=_phase(progress, "report"))
    return ImportOutcome(run, plan)
