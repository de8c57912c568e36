"""E3/E4: the takeover report — readable text and JSON, from a plan and its run."""

from __future__ import annotations

import json
from typing import Any

import attrs

from lemnicore.importing.runs import ImportRun
from lemnicore_etermin.plan import TakeoverPlan, summarise_issues
from lemnicore_etermin.records import IMPORTED


def report_data(plan: TakeoverPlan, run: ImportRun) -> dict[str, Any]:
    """Everything the report says, as JSON-ready data."""
    return {
        "import_id": None if run.status == "dry_run" else run.id,
        "status": run.status,
        "window": [plan.window_from.isoformat(), plan.window_to.isoformat()],
        "confirmations": run.confirmations,
        "reminders_from": run.reminders_from.isoformat() if run.reminders_from else None,
        "counts": dict(run.counts),
        "issue_summary": summarise_issues(plan.issues),
        "issues": [attrs.asdict(i) for i in plan.issues],
        "merges": [attrs.asdict(m) for m in plan.merges],
        "overlaps": [attrs.asdict(o) for o in plan.overlaps],
        "shared_rooms": {room: list(ids) for room, ids in plan.shared_rooms.items()},
    }


def report_json(plan: TakeoverPlan, run: ImportRun) -> str:
    """E3/E6: the full report as JSON — every faulty record, merge and overlap."""
    return json.dumps(report_data(plan, run), indent=2, ensure_ascii=False)


def report_text(plan: TakeoverPlan, run: ImportRun, *, limit: int = 50) -> str:
    """A readable report; lists at most ``limit`` faulty records (the JSON has them all)."""
    c = run.counts
    title = (
        "Test import (dry run) — nothing was written"
        if run.status == "dry_run"
        else (f"eTermin import {run.id}: {run.status}")
    )
    out = [
        title,
        f"Window: {plan.window_from:%d.%m.%Y} – {plan.window_to:%d.%m.%Y}",
        f"Clients: {c.get('clients', 0)} (from {c.get('contacts_read', 0)} contacts and"
        f" the appointments; {c.get('merged', 0)} duplicates merged)",
        f"Appointments: {c.get('appointments', 0)}, blocked times: {c.get('blocks', 0)}",
        f"Left out: {c.get('outside_window', 0)} outside the window,"
        f" {c.get('unknown_calendar', 0)} in unselected/unknown calendars,"
        f" {c.get('deleted_in_source', 0)} deleted in eTermin",
    ]
    if c.get("clients_erased"):
        out.append(
            f"Clients erased on request (B5): {c['clients_erased']} erased on request, skipped;"
            f" {c.get('appointments_of_erased', 0)} of their appointments taken as anonymous"
            " busy time"
        )
    if "clients_created" in c:
        out.append(
            f"Written: {c['clients_created']} clients, {c['appointments_created']} appointments"
            f" (already there: {c.get('clients_existing', 0)} clients,"
            f" {c.get('appointments_existing', 0)} appointments);"
            f" cancelled as deleted in eTermin: {c.get('appointments_cancelled', 0)}"
        )
    out.append(
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
    for room, ids in plan.shared_rooms.items():
        out.append(
            f"Warning (A8): calendars {', '.join(ids)} share room {room!r};"
            f" {sum(1 for o in plan.overlaps if o.room_id == room)} overlapping pairs"
        )
    if plan.overlaps:
        out.append(f"Overlaps: {len(plan.overlaps)} pairs (kept, marked double-booked)")
    out.append("Problems by field:")
    out.extend(f"  {k}: {v}" for k, v in summarise_issues(plan.issues).items())
    faulty = [i for i in plan.issues if i.action != IMPORTED]
    if faulty:
        out.append(f"Records needing a look ({len(faulty)}):")
        out.extend(f"  {i}" for i in faulty[:limit])
        if len(faulty) > limit:
            out.append(f"  … and {len(faulty) - limit} more (see --report-json)")
    return "\n".join(out)
