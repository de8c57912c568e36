"""E3/E4/E6: the import report — for a person first, complete in the JSON file.

The text report reads top-down: what happened (counts), then *why* records were left out
or changed — counts by reason first, then every such record grouped by its reason — and
the harmless notes last (imported as they are, e.g. "no e-mail address"), shortened per
reason. The JSON report holds every issue, merge and overlap, and is written record by
record to the file, so a report of 335 000 issues never sits in memory as one string (E6).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import attrs

from lemnicore.importing.issues import ACTIONS, FIXED, IMPORTED, MERGED, SKIPPED, WARNING, Issue
from lemnicore.importing.plan import ImportPlan
from lemnicore.importing.ports import Progress
from lemnicore.importing.runs import ImportRun

ACTION_TITLES = {
    SKIPPED: "Left out",
    WARNING: "Needs a look",
    MERGED: "Merged into another record",
    FIXED: "Imported after a repair",
    IMPORTED: "Notes (imported as they are)",
}

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[\d:.+Z-]+)?|\d{1,2}\.\d{1,2}\.\d{4}(?: [\d:]+Z?)?")
_TIME = re.compile(r"\d{1,2}:\d{2}Z?")
_NUMBER = re.compile(r"\b\d+\b")
_PARENS = re.compile(r"\([^()]*\)")


def reason_of(issue: Issue) -> str:
    """The reason an issue is grouped under: its kind, field and reason with the
    record's own values (quoted text, dates, ids) masked, e.g. ``appointment ·
    StartDateTime · … is outside …``. Issues that differ only in their values group."""
    reason = issue.reason
    if reason.startswith(("same client as ", "possible duplicate")):
        # "same client as contact 7 (same e-mail)": the rule is the reason.
        found = _PARENS.findall(reason)
        rule = found[-1].strip("()") if found and reason.startswith("same") else ""
        reason = f"same client as another record ({rule})" if rule else reason.split(" as ")[0]
    masked = _QUOTED.sub("…", reason)
    masked = _ISO_MOMENT.sub("…", masked)
    masked = _TIME.sub("…", masked)
    masked = _NUMBER.sub("…", masked)
    masked = re.sub(r"…(?:[\s–…-]*…)+", "…", masked)
    return f"{issue.kind} · {issue.field} · {masked}"


def issues_by_reason(issues: Iterable[Issue]) -> dict[str, dict[str, list[Issue]]]:
    """Action → reason → the issues, actions in report order (left out first, notes last),
    reasons by how many records they concern."""
    grouped: dict[str, dict[str, list[Issue]]] = {action: {} for action in ACTIONS}
    for issue in issues:
        grouped.setdefault(issue.action, {}).setdefault(reason_of(issue), []).append(issue)
    return {
        action: dict(sorted(reasons.items(), key=lambda kv: (-len(kv[1]), kv[0])))
        for action, reasons in grouped.items()
        if reasons
    }


def _title(plan: ImportPlan, run: ImportRun) -> str:
    if run.status == "dry_run":
        return f"Test import (dry run) of {plan.source} — nothing was written"
    return f"{plan.source} import {run.id}: {run.status}"


def _contacts_summary(plan: ImportPlan, run: ImportRun) -> Iterator[str]:
    """E7: the summary of a source without a window: contacts (and logins) only."""
    c = run.counts
    # The importer's faulty lines and login ids taken — not the erased clients (B5), which
    # are left out on purpose and never make a commit refuse.
    faulty = c.get("faulty_lines", 0) + c.get("login_ids_taken", 0)
    yield (
        f"Contacts: {c.get('clients', 0)} to import from {c.get('contacts_read', 0)} lines"
        + (f"; {c['logins']} with a login" if c.get("logins") else "")
    )
    if faulty:
        yield (
            f"Faulty: {faulty} lines — a commit refuses them all and writes nothing"
            if plan.all_or_nothing
            else f"Faulty: {faulty} lines, skipped"
        )
    if c.get("merged") or c.get("possible_duplicates"):
        yield (
            f"Duplicates (E4): {c.get('merged', 0)} lines merged into an earlier line,"
            f" {c.get('possible_duplicates', 0)} possible duplicates kept apart"
        )
    if c.get("clients_in_store_by_email"):
        yield (
            f"Already in the store by e-mail and name (E4): {c['clients_in_store_by_email']},"
            " left as they are"
        )
    yield from plan.summary
    if plan.delete_existing:
        done = "deleted first" if run.status != "dry_run" else "to be deleted first"
        yield (
            f"Existing contacts {done}: {c.get('clients_deleted', 0)};"
            f" their {c.get('appointments_kept', 0)} appointments kept, without the client link"
        )
    if c.get("clients_erased"):
        yield f"Clients erased on request (B5): {c['clients_erased']}, skipped"
    if "clients_created" in c:
        yield (
            f"Written: {c['clients_created']} contacts imported"
            + (f", {c.get('logins_created', 0)} logins created" if "logins_created" in c else "")
            + f" (already there: {c.get('clients_existing', 0)} contacts)"
        )


def _summary(plan: ImportPlan, run: ImportRun) -> Iterator[str]:
    if plan.window_from is None or plan.window_to is None:
        yield from _contacts_summary(plan, run)
        return
    c = run.counts
    yield f"Window: {plan.window_from:%d.%m.%Y} – {plan.window_to:%d.%m.%Y}"
    yield (
        f"Clients: {c.get('clients', 0)} (from {c.get('contacts_read', 0)} contacts and"
        f" the appointments; {c.get('merged', 0)} duplicates merged,"
        f" {c.get('possible_duplicates', 0)} possible duplicates kept apart)"
    )
    yield f"Appointments: {c.get('appointments', 0)}, blocked times: {c.get('blocks', 0)}"
    left_out = [
        (c.get("outside_window", 0), "outside the window"),
        (c.get("unknown_calendar", 0), "in unselected/unknown calendars"),
        (c.get("deleted_in_source", 0), f"deleted in {plan.source}"),
        (c.get("all_day", 0), "all-day events"),
    ]
    yield "Left out: " + ", ".join(f"{n} {what}" for n, what in left_out if n or "window" in what)
    if c.get("clients_erased"):
        yield (
            f"Clients erased on request (B5): {c['clients_erased']} erased on request, skipped;"
            f" {c.get('appointments_of_erased', 0)} of their appointments taken as anonymous"
            " busy time"
        )
    if "clients_created" in c:
        yield (
            f"Written: {c['clients_created']} clients, {c['appointments_created']} appointments"
            f" (already there: {c.get('clients_existing', 0)} clients,"
            f" {c.get('appointments_existing', 0)} appointments);"
            f" cancelled as deleted in {plan.source}: {c.get('appointments_cancelled', 0)}"
        )
    yield (
        "Notifications: "
        + ("confirm future appointments" if run.sends_confirmations else "no confirmations")
        + ", "
        + (
            f"reminders from {run.reminders_from:%d.%m.%Y}"
            if run.reminders_from
            else "no reminders"
        )
        + " (D16/D17; only for clients whose record allows it, D18)"
    )
    yield from plan.summary
    for room, ids in plan.shared_rooms.items():
        pairs = sum(1 for o in plan.overlaps if o.room_id == room and "already" not in o.first)
        yield (
            f"Warning (A8): calendars {', '.join(ids)} share room {room!r};"
            f" {pairs} overlapping pairs"
        )
    existing = c.get("overlaps_with_existing", 0)
    if plan.overlaps:
        yield (
            f"Overlaps: {len(plan.overlaps)} pairs, {existing} of them with appointments"
            " already in the room (kept, marked double-booked: conflicts, A4/A8)"
        )


def write_report_text(
    out: TextIO, plan: ImportPlan, run: ImportRun, *, notes_per_reason: int = 5
) -> None:
    """E3: the readable report, written to ``out`` line by line.

    Every record left out, needing a look, merged or repaired is listed under its reason;
    harmless notes come last, ``notes_per_reason`` examples per reason (the JSON report
    has them all).
    """
    out.write(_title(plan, run) + "\n")
    for line in _summary(plan, run):
        out.write(line + "\n")
    grouped = issues_by_reason(plan.issues)
    if not grouped:
        out.write("Every record was imported as it is.\n")
        return
    out.write("\nRecords by reason:\n")
    for action, reasons in grouped.items():
        total = sum(len(v) for v in reasons.values())
        out.write(f"  {ACTION_TITLES.get(action, action)}: {total}\n")
        for reason, items in reasons.items():
            out.write(f"    {len(items):>7}  {reason}\n")
    for action, reasons in grouped.items():
        out.write(f"\n{ACTION_TITLES.get(action, action)}:\n")
        for reason, items in reasons.items():
            out.write(f"  {reason} ({len(items)}):\n")
            shown = items if action != IMPORTED else items[:notes_per_reason]
            for issue in shown:
                out.write(f"    {issue.record_id}: {issue.reason}\n")
            if len(shown) < len(items):
                out.write(f"    … and {len(items) - len(shown)} more (see --report-json)\n")


def report_text(plan: ImportPlan, run: ImportRun, *, notes_per_reason: int = 5) -> str:
    """The readable report as one string (see :func:`write_report_text`)."""
    buffer = io.StringIO()
    write_report_text(buffer, plan, run, notes_per_reason=notes_per_reason)
    return buffer.getvalue().rstrip("\n")


def _head(plan: ImportPlan, run: ImportRun) -> dict[str, Any]:
    return {
        "source": plan.source,
        "import_id": None if run.status == "dry_run" else run.id,
        "status": run.status,
        "window": (
            [plan.window_from.isoformat(), plan.window_to.isoformat()]
            if plan.window_from is not None and plan.window_to is not None
            else None
        ),
        "confirmations": run.confirmations,
        "reminders_from": run.reminders_from.isoformat() if run.reminders_from else None,
        "counts": dict(run.counts),
        "issue_summary": {
            action: {reason: len(items) for reason, items in reasons.items()}
            for action, reasons in issues_by_reason(plan.issues).items()
        },
        "shared_rooms": {room: list(ids) for room, ids in plan.shared_rooms.items()},
    }


def report_data(plan: ImportPlan, run: ImportRun) -> dict[str, Any]:
    """Everything the report says, as JSON-ready data (small imports, tests)."""
    return _head(plan, run) | {
        "issues": [attrs.asdict(i) for i in plan.issues],
        "merges": [attrs.asdict(m) for m in plan.merges],
        "possible_duplicates": [attrs.asdict(m) for m in plan.possible_duplicates],
        "overlaps": [attrs.asdict(o) for o in plan.overlaps],
    }


def report_json(plan: ImportPlan, run: ImportRun) -> str:
    """The JSON report as one string (see :func:`write_report_json` for large imports)."""
    return json.dumps(report_data(plan, run), indent=2, ensure_ascii=False)


def stream_report_json(
    out: TextIO, plan: ImportPlan, run: ImportRun, *, progress: Progress | None = None
) -> None:
    """E6: the JSON report written to ``out`` one record at a time (bounded memory).

    The result is the same document :func:`report_json` builds (one record per line).
    """
    sections: Mapping[str, tuple[Any, ...]] = {
        "issues": plan.issues,
        "merges": plan.merges,
        "possible_duplicates": plan.possible_duplicates,
        "overlaps": plan.overlaps,
    }
    total = sum(len(v) for v in sections.values())
    done = 0
    if progress:
        progress(0, total)
    head = json.dumps(_head(plan, run), indent=2, ensure_ascii=False)
    out.write(head[: head.rindex("}")].rstrip() + ",\n")
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for number, (name, items) in enumerate(sections.items()):
        out.write(f'  "{name}": [')
        for index, item in enumerate(items):
            out.write(("\n    " if index == 0 else ",\n    ") + encode(_fields(item)))
            done += 1
            if progress and done % 10_000 == 0:
                progress(done, total)
        out.write("\n  ]" if items else "]")
        out.write(",\n" if number + 1 < len(sections) else "\n")
    out.write("}\n")
    if progress:
        progress(total, total)


def _fields(item: Any) -> dict[str, Any]:
    # attrs.asdict recurses and copies; these values are flat strings.
    return {a.name: getattr(item, a.name) for a in attrs.fields(type(item))}


def write_report_json(
    path: Path, plan: ImportPlan, run: ImportRun, *, progress: Progress | None = None
) -> None:
    """E6: stream the JSON report to ``path`` (see :func:`stream_report_json`)."""
    with path.open("w", encoding="utf-8") as out:
        stream_report_json(out, plan, run, progress=progress)
