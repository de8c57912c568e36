"""E1/E4: eTermin on the shared import pipeline — ``lemnicore import etermin``.

:class:`EterminSource` is the pipeline's :class:`~lemnicore.importing.ports.Importer` for
one run: it reads the account (:class:`~lemnicore_etermin.takeover.EterminImporter`) and
maps it (:func:`~lemnicore_etermin.plan.plan_takeover`). :class:`EterminPlugin` builds it
from the command line; the pipeline adds dry run, report, commit, reset and progress.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lemnicore.cli.arguments import existing_file
from lemnicore.errors import ValidationError
from lemnicore.importing.pipeline import ImportTarget
from lemnicore.importing.ports import Progress
from lemnicore_etermin.api import DEFAULT_BASE_URL
from lemnicore_etermin.plan import (
    SOURCE,
    CalendarMapping,
    FetchedAccount,
    TakeoverOptions,
    TakeoverPlan,
    plan_takeover,
)
from lemnicore_etermin.takeover import EterminImporter

PUBLIC_KEY_ENV = "LEMNICORE_ETERMIN_PUBLIC_KEY"
"""E1: the environment variable that may hold the public API key."""
PRIVATE_KEY_FILE_ENV = "LEMNICORE_ETERMIN_PRIVATE_KEY_FILE"
"""E1: the environment variable that may name the file holding the private API key."""


class EterminSource:
    """One eTermin takeover for the pipeline: the account, the mapping, the target."""

    name = SOURCE

    def __init__(
        self, importer: EterminImporter, mappings: Sequence[CalendarMapping], target: ImportTarget
    ) -> None:
        self.importer = importer
        self.mappings = tuple(mappings)
        self.target = target
        self._options: TakeoverOptions | None = None

    def __repr__(self) -> str:
        return f"EterminSource({self.importer!r}, {len(self.mappings)} calendars)"

    def list_calendars(self) -> list[Mapping[str, Any]]:
        """E1: ``{"id", "name"}`` of every calendar of the account (and eTermin's fields)."""
        return [
            {"id": str(c.get("CalendarID")), "name": str(c.get("CalendarName")), **c}
            for c in self.importer.list_calendars()
        ]

    @property
    def options(self) -> TakeoverOptions:
        if self._options is None:
            if not self.mappings:
                listing = ", ".join(f"{c['id']} ({c['name']})" for c in self.list_calendars())
                raise ValidationError("--calendar", f"map at least one eTermin calendar: {listing}")
            t = self.target
            self._options = TakeoverOptions(
                organisation_id=t.organisation_id,
                calendars=self.mappings,
                window_from_days=t.window_from_days,
                window_to_days=t.window_to_days,
                confirmations=t.confirmations,
                reminders_from=t.reminders_from,
                time_zone=t.time_zone,
                default_consent=t.default_consent,
            )
        return self._options

    def fetch(self, progress: Progress, *, today: date) -> FetchedAccount:
        return self.importer.fetch(self.options, today=today, progress=progress)

    def plan(
        self,
        fetched: FetchedAccount,
        *,
        import_id: str | None,
        today: date,
        now: datetime,
        progress: Progress,
    ) -> TakeoverPlan:
        return plan_takeover(
            fetched, self.options, today=today, now=now, import_id=import_id, progress=progress
        )

    def close(self) -> None:
        self.importer.close()


def _read_key_file(path: Path, option: str) -> str:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValidationError(option, f"cannot read {str(path)!r}: {exc.strerror}") from None
    if not key:
        raise ValidationError(option, f"{str(path)!r} is empty")
    return key


def api_keys(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, str]:
    """E1: the key pair from the command line, a file or the environment — in that order.

    The public key is not secret, but a command line ends up in shell histories and
    process lists all the same; the private key is only ever read from a file.
    """
    if args.public_key:
        public = str(args.public_key)
    elif args.public_key_file:
        public = _read_key_file(args.public_key_file, "--public-key-file")
    elif environ.get(PUBLIC_KEY_ENV, "").strip():
        public = environ[PUBLIC_KEY_ENV].strip()
    else:
        raise ValidationError(
            "--public-key", f"give the eTermin public key (--public-key-file or {PUBLIC_KEY_ENV})"
        )
    key_file = args.private_key_file or (
        Path(environ[PRIVATE_KEY_FILE_ENV]) if environ.get(PRIVATE_KEY_FILE_ENV) else None
    )
    if key_file is None:
        raise ValidationError(
            "--private-key-file",
            f"give the file holding the eTermin private key (or set {PRIVATE_KEY_FILE_ENV})",
        )
    return public, _read_key_file(key_file, "--private-key-file")


class EterminPlugin:
    """``lemnicore import etermin``: the eTermin options; the pipeline adds the rest."""

    help = "take over an eTermin account (E1-E6)"

    def configure(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--public-key",
            help=f"eTermin public API key (or set {PUBLIC_KEY_ENV}, or use --public-key-file)",
        )
        parser.add_argument(
            "--public-key-file",
            type=existing_file,
            help="file holding the eTermin public API key",
        )
        parser.add_argument(
            "--private-key-file",
            type=existing_file,
            help="file holding the eTermin private API key (read for this run, never stored;"
            f" or set {PRIVATE_KEY_FILE_ENV})",
        )
        parser.add_argument(
            "--calendar",
            action="append",
            default=[],
            metavar="ID=ROOM[@CALENDAR]",
            help="import eTermin calendar ID into ROOM (repeat; E2)",
        )
        parser.add_argument(
            "--target-calendar", help="lemnicore calendar for mappings that name none"
        )
        parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="eTermin API base URL")

    def open(self, args: argparse.Namespace, target: ImportTarget) -> EterminSource:
        mappings = []
        for spec in args.calendar:
            source, _, where = spec.partition("=")
            if not source or not where:
                raise ValidationError(
                    "--calendar", f"expected ETERMIN_ID=ROOM[@CALENDAR], got {spec!r}"
                )
            room, calendar = target.room_and_calendar(
                where, option="--calendar", spec=spec, default_calendar=args.target_calendar
            )
            mappings.append(CalendarMapping(source, room, calendar))
        public_key, private_key = api_keys(args, os.environ)
        importer = EterminImporter.connect(public_key, private_key, base_url=args.base_url)
        return EterminSource(importer, mappings, target)
