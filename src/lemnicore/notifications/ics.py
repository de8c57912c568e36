"""D11: the ``.ics`` attachment of confirmations and cancellations (icalendar 7).

METHOD:PUBLISH for confirmations (no replies expected), METHOD:CANCEL with the same UID,
a higher SEQUENCE and STATUS:CANCELLED for cancellations. Times are written in the
branch's zone with a VTIMEZONE block. SUMMARY, DESCRIPTION and LOCATION carry only the
practice, room and branch — never the appointment type, comment or any note (GDPR).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import icalendar
from icalendar.enums import STATUS

from lemnicore.notifications.planner import PracticeFacts
from lemnicore.notifications.transport import Attachment
from lemnicore.scheduling.appointments import Appointment

PRODID = "-//lemnicore//appointments//DE"
UID_DOMAIN = "lemnicore"


def appointment_uid(appointment: Appointment) -> str:
    """A UID that stays the same for the life of the appointment (D11)."""
    return f"{appointment.id}@{UID_DOMAIN}"


def build_calendar(
    appointments: Sequence[Appointment],
    facts: PracticeFacts,
    *,
    stamp: datetime,
    cancel: bool = False,
) -> icalendar.Calendar:
    """A calendar with one VEVENT per appointment (``cancel``: METHOD:CANCEL)."""
    method = "CANCEL" if cancel else "PUBLISH"
    calendar = icalendar.Calendar.new(prodid=PRODID, method=method)
    practice = facts.organisation.name
    for a in appointments:
        tz = facts.time_zone(a)
        room = facts.rooms.get(a.room_id)
        branch = facts.branches_by_room.get(a.room_id)
        location = ", ".join(
            p for p in (room.name if room else "", branch.name if branch else "") if p
        )
        event = icalendar.Event.new(
            uid=appointment_uid(a),
            summary=f"Termin – {practice}",
            description=f"Ihr Termin bei {practice}.",
            start=a.start.astimezone(tz),
            end=a.end.astimezone(tz),
            stamp=stamp,
            # A cancellation must outrank the last version the client received.
            sequence=a.sequence + 1 if cancel else a.sequence,
            status=STATUS.CANCELLED if cancel else STATUS.CONFIRMED,
            location=location or None,
        )
        calendar.add_component(event)
    # Only the transitions around these appointments: the default range (1970–2038)
    # makes a large attachment and costs tens of milliseconds per message.
    first = min(a.start for a in appointments).date() - timedelta(days=1)
    last = max(a.end for a in appointments).date() + timedelta(days=1)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def ics_attachment(
    appointments: Sequence[Appointment],
    facts: PracticeFacts,
    *,
    stamp: datetime,
    cancel: bool = False,
) -> Attachment:
    """D11: the calendar as a ``text/calendar`` attachment whose ``method=`` matches."""
    calendar = build_calendar(appointments, facts, stamp=stamp, cancel=cancel)
    method = "CANCEL" if cancel else "PUBLISH"
    return Attachment(
        filename="absage.ics" if cancel else "termine.ics",
        content_type=f"text/calendar; method={method}; charset=UTF-8",
        data=calendar.to_ical(),
    )
