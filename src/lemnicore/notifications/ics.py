"""D11: the ``.ics`` attachments of confirmations and cancellations (icalendar 7).

One file per appointment, one VEVENT per file: a confirmation listing three appointments
carries three ``.ics`` files. CalDAV servers store one event per resource and refuse a file
holding several UIDs (Radicale: "Multiple VEVENT components with different UIDs"), and
mail clients import each file as one event.

The iTIP methods follow RFC 5546:

- confirmations are ``METHOD:PUBLISH`` — ``ORGANIZER`` (the practice) and no ``ATTENDEE``
  (PUBLISH must not have one), STATUS:CONFIRMED;
- cancellations are ``METHOD:CANCEL`` with the same UID, a higher SEQUENCE,
  STATUS:CANCELLED, the ``ORGANIZER`` and the client as ``ATTENDEE`` (CANCEL of a whole
  event names every attendee).

The organizer's address and the UID domain are practice settings
(:class:`~lemnicore.notifications.policy.ConfirmationSettings`: ``ics_organizer``,
``ics_uid_domain``). Times are written in the branch's zone with a VTIMEZONE block.
SUMMARY, DESCRIPTION and LOCATION carry only the practice, room and branch — never the
appointment type, comment or any note (GDPR).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import icalendar
from icalendar.enums import STATUS

from lemnicore.errors import ValidationError
from lemnicore.notifications.planner import PracticeFacts
from lemnicore.notifications.policy import ConfirmationSettings
from lemnicore.notifications.transport import Attachment
from lemnicore.scheduling.appointments import Appointment

PRODID = "-//lemnicore//appointments//DE"
UID_DOMAIN = "lemnicore"
"""The UID domain unless the practice sets ``confirmation.ics_uid_domain``."""

DEFAULT_SETTINGS = ConfirmationSettings()


def appointment_uid(appointment: Appointment, domain: str = UID_DOMAIN) -> str:
    """A UID that stays the same for the life of the appointment (D11)."""
    return f"{appointment.id}@{domain}"


def _organizer(facts: PracticeFacts, settings: ConfirmationSettings) -> icalendar.vCalAddress:
    address = settings.ics_organizer or f"noreply@{settings.ics_uid_domain}"
    return icalendar.vCalAddress.new(address, cn=facts.organisation.name)


def build_calendar(
    appointments: Sequence[Appointment],
    facts: PracticeFacts,
    *,
    stamp: datetime,
    cancel: bool = False,
    settings: ConfirmationSettings = DEFAULT_SETTINGS,
    attendee: str | None = None,
    attendee_name: str | None = None,
) -> icalendar.Calendar:
    """A calendar with one VEVENT per appointment (``cancel``: METHOD:CANCEL).

    Attachments use one appointment per calendar (:func:`ics_attachments`). ``attendee``
    (the client's e-mail address) is written on cancellations only, as RFC 5546 asks.
    """
    if not appointments:
        raise ValidationError("appointments", "a calendar needs at least one appointment")
    method = "CANCEL" if cancel else "PUBLISH"
    calendar = icalendar.Calendar.new(prodid=PRODID, method=method)
    practice = facts.organisation.name
    organizer = _organizer(facts, settings)
    attendees = (
        [icalendar.vCalAddress.new(attendee, cn=attendee_name or None)]
        if cancel and attendee
        else None
    )
    for a in appointments:
        tz = facts.time_zone(a)
        room = facts.rooms.get(a.room_id)
        branch = facts.branches_by_room.get(a.room_id)
        location = ", ".join(
            p for p in (room.name if room else "", branch.name if branch else "") if p
        )
        event = icalendar.Event.new(
            uid=appointment_uid(a, settings.ics_uid_domain),
            summary=f"Termin – {practice}",
            description=f"Ihr Termin bei {practice}.",
            start=a.start.astimezone(tz),
            end=a.end.astimezone(tz),
            stamp=stamp,
            # A cancellation must outrank the last version the client received.
            sequence=a.sequence + 1 if cancel else a.sequence,
            status=STATUS.CANCELLED if cancel else STATUS.CONFIRMED,
            location=location or None,
            organizer=organizer,
            attendees=attendees,
        )
        calendar.add_component(event)
    # Only the transitions around these appointments: the default range (1970–2038)
    # makes a large attachment and costs tens of milliseconds per message.
    first = min(a.start for a in appointments).date() - timedelta(days=1)
    last = max(a.end for a in appointments).date() + timedelta(days=1)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar


def ics_attachments(
    appointments: Sequence[Appointment],
    facts: PracticeFacts,
    *,
    stamp: datetime,
    cancel: bool = False,
    settings: ConfirmationSettings = DEFAULT_SETTINGS,
    attendee: str | None = None,
    attendee_name: str | None = None,
) -> tuple[Attachment, ...]:
    """D11: one ``text/calendar`` attachment per appointment, ``method=`` matching.

    A single file is ``termine.ics`` (``absage.ics`` for a cancellation); several are
    numbered in the order of the appointments: ``termin-1.ics``, ``termin-2.ics``, ….
    """
    method = "CANCEL" if cancel else "PUBLISH"
    stem = "absage" if cancel else "termin"
    ordered = sorted(appointments, key=lambda a: (a.start, a.id))
    return tuple(
        Attachment(
            filename=f"{stem}-{n}.ics"
            if len(ordered) > 1
            else f"{stem}{'' if cancel else 'e'}.ics",
            content_type=f"text/calendar; method={method}; charset=UTF-8",
            data=build_calendar(
                [a],
                facts,
                stamp=stamp,
                cancel=cancel,
                settings=settings,
                attendee=attendee,
                attendee_name=attendee_name,
            ).to_ical(),
        )
        for n, a in enumerate(ordered, start=1)
    )


def ics_attachment(
    appointments: Sequence[Appointment],
    facts: PracticeFacts,
    *,
    stamp: datetime,
    cancel: bool = False,
    settings: ConfirmationSettings = DEFAULT_SETTINGS,
    attendee: str | None = None,
    attendee_name: str | None = None,
) -> Attachment:
    """D11: the ``.ics`` of exactly one appointment (see :func:`ics_attachments` for a
    message that lists several: one file each)."""
    if len(appointments) != 1:
        raise ValidationError(
            "appointments",
            f"one appointment per .ics file (got {len(appointments)}); use ics_attachments",
        )
    (attachment,) = ics_attachments(
        appointments,
        facts,
        stamp=stamp,
        cancel=cancel,
        settings=settings,
        attendee=attendee,
        attendee_name=attendee_name,
    )
    return attachment
