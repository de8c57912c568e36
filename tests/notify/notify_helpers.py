"""Helpers for the transport tests: an .ics as a confirmation would carry it (D11)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import icalendar

from lemnicore.notifications.transport import (
    Attachment,
    Delivery,
    OutgoingMessage,
    TransientTransportError,
    Transport,
)
from lemnicore.timekeeping import zone

BERLIN = zone("Europe/Berlin")

MessageFactory = Callable[..., OutgoingMessage]


def appointment_ics(
    *,
    method: str = "PUBLISH",
    uid: str = "appt-1@lemnicore",
    sequence: int = 0,
    start: datetime | None = None,
) -> bytes:
    """An .ics as the confirmation would carry it (D11), built with icalendar."""
    begin = start or datetime(2026, 5, 5, 10, 0, tzinfo=BERLIN)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//lemnicore//tests//DE")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime(2026, 5, 4, 7, 0, tzinfo=BERLIN))
    event.add("dtstart", begin)
    event.add("dtend", begin + timedelta(minutes=45))
    event.add("summary", "Termin in der Praxis am Markt")
    event.add("organizer", "mailto:praxis@example.org")
    event.add("sequence", sequence)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ics_attachment(**kwargs: object) -> Attachment:
    return Attachment("termine.ics", "text/calendar", appointment_ics(**kwargs))  # type: ignore[arg-type]


def send_with_retries(
    transport: Transport, message: OutgoingMessage, attempts: int = 5
) -> tuple[Delivery, list[TransientTransportError]]:
    """A stand-in for the dispatcher's retry loop (D15): retry transient errors only,
    without sleeping; permanent and channel-paused errors propagate at once."""
    failures: list[TransientTransportError] = []
    for _ in range(attempts):
        try:
            return transport.send(message), failures
        except TransientTransportError as exc:
            failures.append(exc)
    raise failures[-1]
