"""A1/A2/A5/A10: how ``lemnicore setup`` shows a practice's set-up — as text for people,
as JSON facts for scripts (G6)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from lemnicore.cli.weekly_hours import hours_text

if TYPE_CHECKING:
    from lemnicore.scheduling.practice import AppointmentType
    from lemnicore.services.setup import PracticeOverview


def type_facts(kind: AppointmentType) -> dict[str, Any]:
    """A2/A10: an appointment type as JSON facts, durations in whole minutes."""
    minute = timedelta(minutes=1)
    return {
        "id": kind.id,
        "name": kind.name,
        "minutes": kind.default_duration // minute,
        "buffer_before_minutes": kind.buffer_before // minute,
        "buffer_after_minutes": kind.buffer_after // minute,
        "allows_auto_notifications": kind.allows_auto_notifications,
        "is_group": kind.is_group,
    }


def type_text(kind: AppointmentType) -> str:
    """``30 min, room blocked 10 min after`` — the buffers only when there are some."""
    facts = type_facts(kind)
    text = f"{facts['minutes']} min"
    blocked = [
        f"{facts[key]} min {when}"
        for key, when in (("buffer_before_minutes", "before"), ("buffer_after_minutes", "after"))
        if facts[key]
    ]
    if blocked:
        text += ", room blocked " + " and ".join(blocked)
    if kind.is_group:
        text += ", group"
    if not kind.allows_auto_notifications:
        text += ", no automatic messages"
    return text


def overview_facts(overview: PracticeOverview) -> dict[str, Any]:
    """What ``setup show --json`` prints: rooms and practitioners each with their hours."""
    from lemnicore.services.working_hours import describe_hours

    organisation = overview.organisation
    return {
        "organisation": {
            "id": organisation.id,
            "name": organisation.name,
            "plan": organisation.plan,
            "time_zone": organisation.time_zone,
        },
        "branches": [
            {"id": b.id, "code": b.code, "name": b.name, "time_zone": b.time_zone}
            for b in overview.branches
        ],
        "rooms": [
            {
                "id": r.id,
                "name": r.name,
                "branch_id": r.branch_id,
                "online_booking": r.online_booking,
                "hours": [describe_hours(a) for a in overview.room_hours if a.room_id == r.id],
            }
            for r in overview.rooms
        ],
        "practitioners": [
            {
                "id": a.practitioner.id,
                "name": a.practitioner.name,
                "email": a.practitioner.email,
                "calendar_id": a.calendar.id,
                "branch_id": a.calendar.branch_id,
                "hours": [
                    describe_hours(h)
                    for h in overview.practitioner_hours
                    if h.practitioner_id == a.practitioner.id
                ],
            }
            for a in overview.practitioners
        ],
        "appointment_types": [type_facts(t) for t in overview.appointment_types],
    }


def overview_text(overview: PracticeOverview) -> str:
    """What ``setup show`` prints for a person, one line per room, practitioner, type."""
    organisation = overview.organisation
    lines = [
        f"{organisation.name} ({organisation.id}), plan {organisation.plan},"
        f" {organisation.time_zone}",
        "Branches:",
        *(f"  {b.id}  {b.code}  {b.name} ({b.time_zone})" for b in overview.branches),
        "Rooms:",
    ]
    for room in overview.rooms:
        hours = [a for a in overview.room_hours if a.room_id == room.id]
        shown = (
            "; ".join(
                f"{hours_text(a.working_times)} ({a.time_zone}, slots of"
                f" {int(a.slot_length.total_seconds() // 60)} min)"
                for a in hours
            )
            or "no working times"
        )
        lines.append(f"  {room.id}  {room.name}: {shown}")
    lines.append("Practitioners:")
    for account in overview.practitioners:
        own = [
            h for h in overview.practitioner_hours if h.practitioner_id == account.practitioner.id
        ]
        shown = (
            "; ".join(f"{hours_text(h.working_times)} ({h.time_zone})" for h in own)
            or "no own working times (the rooms' hours apply)"
        )
        lines.append(
            f"  {account.practitioner.id}  {account.practitioner.name}"
            f" (calendar {account.calendar.id}): {shown}"
        )
    lines.append("Appointment types:")
    lines += [f"  {t.id}  {t.name}: {type_text(t)}" for t in overview.appointment_types]
    return "\n".join(lines)
