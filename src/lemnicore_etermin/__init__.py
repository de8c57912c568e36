"""lemnicore_etermin — data takeover from the eTermin booking service (SPEC E).

The pieces, each usable on its own:

- :class:`EterminClient` — the signed httpx client (E1), keys in memory only.
- :func:`read_account`, :func:`plan_takeover` — pure: records → a :class:`TakeoverPlan`
  with every issue, merge and overlap (E2–E4).
- :class:`EterminImporter`, :func:`commit_takeover`, :func:`dry_run` — fetch, write in
  batches under one import id, idempotently (E4–E6).
- :func:`import_contacts_csv`, :func:`export_contacts_csv` — the CSV contact format (E7);
  :class:`CsvContactsImporter` runs it on the shared import pipeline.
- :func:`respect_erasures`, :class:`ErasedClients` — clients erased on request stay erased
  (B5); :func:`commit_takeover` applies them itself.
- :mod:`lemnicore_etermin.testing` — a faithful fake eTermin API over loopback.

The names load on first use (PEP 562), so that registering the plugin imports no
third-party library (G5).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lemnicore.importing.issues import Overlap
    from lemnicore_etermin.api import EterminClient, sign
    from lemnicore_etermin.csv_contacts import (
        CsvContactsImporter,
        CsvContactsPlugin,
        CsvImportReport,
        CsvOptions,
        LineProblem,
        contact_content_key,
        export_contacts_csv,
        import_contacts_csv,
        read_contacts_csv,
    )
    from lemnicore_etermin.dedup import Merge
    from lemnicore_etermin.erasures import ErasedClients, respect_erasures
    from lemnicore_etermin.errors import (
        CsvImportError,
        EterminAuthError,
        EterminError,
        EterminUnavailableError,
    )
    from lemnicore_etermin.plan import (
        CalendarMapping,
        FetchedAccount,
        TakeoverOptions,
        TakeoverPlan,
        plan_takeover,
        read_account,
    )
    from lemnicore_etermin.records import Issue
    from lemnicore_etermin.report import report_json, report_text
    from lemnicore_etermin.source import EterminPlugin, EterminSource
    from lemnicore_etermin.takeover import EterminImporter, commit_takeover, dry_run, next_import_id

_EXPORTS: dict[str, str] = {
    "Overlap": "lemnicore.importing.issues",
    "EterminClient": "lemnicore_etermin.api",
    "sign": "lemnicore_etermin.api",
    "CsvContactsImporter": "lemnicore_etermin.csv_contacts",
    "CsvContactsPlugin": "lemnicore_etermin.csv_contacts",
    "CsvImportReport": "lemnicore_etermin.csv_contacts",
    "CsvOptions": "lemnicore_etermin.csv_contacts",
    "LineProblem": "lemnicore_etermin.csv_contacts",
    "contact_content_key": "lemnicore_etermin.csv_contacts",
    "export_contacts_csv": "lemnicore_etermin.csv_contacts",
    "import_contacts_csv": "lemnicore_etermin.csv_contacts",
    "read_contacts_csv": "lemnicore_etermin.csv_contacts",
    "Merge": "lemnicore_etermin.dedup",
    "ErasedClients": "lemnicore_etermin.erasures",
    "respect_erasures": "lemnicore_etermin.erasures",
    "CsvImportError": "lemnicore_etermin.errors",
    "EterminAuthError": "lemnicore_etermin.errors",
    "EterminError": "lemnicore_etermin.errors",
    "EterminUnavailableError": "lemnicore_etermin.errors",
    "CalendarMapping": "lemnicore_etermin.plan",
    "FetchedAccount": "lemnicore_etermin.plan",
    "TakeoverOptions": "lemnicore_etermin.plan",
    "TakeoverPlan": "lemnicore_etermin.plan",
    "plan_takeover": "lemnicore_etermin.plan",
    "read_account": "lemnicore_etermin.plan",
    "Issue": "lemnicore_etermin.records",
    "report_json": "lemnicore_etermin.report",
    "report_text": "lemnicore_etermin.report",
    "EterminPlugin": "lemnicore_etermin.source",
    "EterminSource": "lemnicore_etermin.source",
    "EterminImporter": "lemnicore_etermin.takeover",
    "commit_takeover": "lemnicore_etermin.takeover",
    "dry_run": "lemnicore_etermin.takeover",
    "next_import_id": "lemnicore_etermin.takeover",
}


def __getattr__(name: str) -> Any:
    """PEP 562: import a public name from its module the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "CalendarMapping",
    "CsvContactsImporter",
    "CsvContactsPlugin",
    "CsvImportError",
    "CsvImportReport",
    "CsvOptions",
    "ErasedClients",
    "EterminAuthError",
    "EterminClient",
    "EterminError",
    "EterminImporter",
    "EterminPlugin",
    "EterminSource",
    "EterminUnavailableError",
    "FetchedAccount",
    "Issue",
    "LineProblem",
    "Merge",
    "Overlap",
    "TakeoverOptions",
    "TakeoverPlan",
    "commit_takeover",
    "contact_content_key",
    "dry_run",
    "export_contacts_csv",
    "import_contacts_csv",
    "next_import_id",
    "plan_takeover",
    "read_account",
    "read_contacts_csv",
    "report_json",
    "report_text",
    "respect_erasures",
    "sign",
]
