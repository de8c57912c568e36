"""lemnicore_etermin — data takeover from the eTermin booking service (SPEC E).

The pieces, each usable on its own:

- :class:`EterminClient` — the signed httpx client (E1), keys in memory only.
- :func:`read_account`, :func:`plan_takeover` — pure: records → a :class:`TakeoverPlan`
  with every issue, merge and overlap (E2–E4).
- :class:`EterminImporter`, :func:`commit_takeover`, :func:`dry_run` — fetch, write in
  batches under one import id, idempotently (E4–E6).
- :func:`import_contacts_csv`, :func:`export_contacts_csv` — the CSV contact format (E7).
- :func:`respect_erasures`, :class:`ErasedClients` — clients erased on request stay erased
  (B5); :func:`commit_takeover` applies them itself.
- :mod:`lemnicore_etermin.testing` — a faithful fake eTermin API over loopback.
"""

from lemnicore.importing.issues import Overlap
from lemnicore_etermin.api import EterminClient, sign
from lemnicore_etermin.csv_contacts import (
    CsvImportReport,
    CsvOptions,
    LineProblem,
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

__all__ = [
    "CalendarMapping",
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
