"""D12/D13: turning a due message into its text — placeholders, SMS segments, ``.ics``.

Templates use ``str.format_map`` placeholders (``{date}``, ``{time}``, …). The mapping
offers only :data:`~lemnicore.notifications.policy.PLACEHOLDERS`: client name, date, time,
room, branch, practitioner, practice and the list of appointments — nothing about the
treatment, so no message can leak a diagnosis or a note (GDPR).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs

from lemnicore.errors import ValidationError
from lemnicore.notifications.ics import ics_attachments
from lemnicore.notifications.planner import DueMessage, PracticeFacts
from lemnicore.notifications.policy import PLACEHOLDERS, MessageKind, NotificationPolicy
from lemnicore.notifications.sms import fit_sms, normalise_sms_text, sms_size
from lemnicore.notifications.transport import Attachment
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel, Client

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
THREEMA_MAX_BYTES = 3500


MORE_APPOINTMENTS = "(+{rest} weitere)"
"""D13: what a shortened SMS says in place of the appointments it leaves out."""


@attrs.frozen
class RenderedMessage:
    """A message's subject, text and attachments. ``shortened`` says how the text was
    shortened to fit its channel (D13), empty if it was not."""

    subject: str
    text: str
    attachments: tuple[Attachment, ...] = ()
    shortened: str = ""


class _Placeholders(dict[str, str]):
    """A mapping that names the placeholder it does not know (policy validation catches
    these earlier; this guards templates built around the validation)."""

    def __missing__(self, key: str) -> str:
        raise ValidationError("template", f"unknown placeholder {{{key}}}")


def _line(a: Appointment, facts: PracticeFacts) -> str:
    local = a.start.astimezone(facts.time_zone(a))
    room = facts.rooms.get(a.room_id)
    where = f", {room.name}" if room else ""
    return f"{WEEKDAYS[local.weekday()]} {local:%d.%m.%Y} {local:%H:%M} Uhr{where}"


def placeholder_values(
    client: Client, appointments: tuple[Appointment, ...], facts: PracticeFacts
) -> Mapping[str, str]:
    """D13: the values for every placeholder, from the first listed appointment."""
    first = appointments[0]
    local = first.start.astimezone(facts.time_zone(first))
    room = facts.rooms.get(first.room_id)
    branch = facts.branches_by_room.get(first.room_id)
    values = _Placeholders(
        salutation=client.salutation,
        first_name=client.first_name,
        last_name=client.last_name,
        client_name=client.display_name,
        date=f"{local:%d.%m.%Y}",
        weekday=WEEKDAYS[local.weekday()],
        time=f"{local:%H:%M}",
        room=room.name if room else "",
        branch=branch.name if branch else "",
        practitioner=facts.practitioner_names.get(first.calendar_id, ""),
        practice=facts.organisation.name,
        appointments="\n".join(_line(a, facts) for a in appointments),
        count=str(len(appointments)),
    )
    assert set(values) == set(PLACEHOLDERS)
    return values


def render(
    message: DueMessage,
    client: Client,
    policy: NotificationPolicy,
    facts: PracticeFacts,
    *,
    now: datetime,
) -> RenderedMessage:
    """The subject, text and attachments of ``message`` on its channel (D11–D13)."""
    template = policy.template.text_for(message.channel, message.kind)
    if template is None:
        raise ValidationError(
            "template.texts", f"no text for {message.channel.value}/{message.kind.value}"
        )
    values = placeholder_values(client, message.appointments, facts)
    subject = template.subject.format_map(values)
    text = template.body.format_map(values)
    attachments: tuple[Attachment, ...] = ()
    shortened = ""
    if message.channel is Channel.SMS:
        text, shortened = _fit_sms_message(
            template.body, values, message.appointments, facts, policy.template.sms_max_segments
        )
    elif message.channel is Channel.THREEMA:
        text = text.encode()[:THREEMA_MAX_BYTES].decode(errors="ignore")
    elif message.channel is Channel.EMAIL:
        settings = policy.confirmation
        if message.kind is MessageKind.CONFIRMATION and settings.attach_ics:
            attachments = ics_attachments(message.appointments, facts, stamp=now, settings=settings)
        elif message.kind is MessageKind.CANCELLATION:
            attachments = ics_attachments(
                message.appointments,
                facts,
                stamp=now,
                cancel=True,
                settings=settings,
                attendee=message.address,
                attendee_name=" ".join(p for p in (client.first_name, client.last_name) if p),
            )
    return RenderedMessage(subject, text, attachments, shortened)


def _fit_sms_message(
    body: str,
    values: Mapping[str, str],
    appointments: tuple[Appointment, ...],
    facts: PracticeFacts,
    max_segments: int,
) -> tuple[str, str]:
    """D13: the SMS text within ``max_segments``, and a note if it had to be shortened.

    Shortening keeps the essentials, in this order of attempts: (1) the template with
    only the first appointment listed and "(+n weitere)" for the rest; (2) that text cut
    at a word, if the practice, the first date and time and the count survive the cut;
    (3) the practice, the first appointment and the count alone; (4) that, cut at a word.
    A text is never cut silently: the note says what was left out.
    """
    full = normalise_sms_text(body.format_map(values))
    if sms_size(full).segments <= max_segments:
        return full, ""
    count = len(appointments)
    first = _line(appointments[0], facts)
    more = f" {MORE_APPOINTMENTS.format(rest=count - 1)}" if count > 1 else ""
    limit = f"{max_segments} SMS segment{'s' if max_segments > 1 else ''}"
    listed = f"{count} appointment{'s' if count > 1 else ''}"
    compact = full
    if count > 1:
        compact = normalise_sms_text(
            body.format_map(_Placeholders({**values, "appointments": first + more}))
        )
        if sms_size(compact).segments <= max_segments:
            return compact, (
                f"shortened to {limit}: lists the first of {listed} and the number of the rest"
            )
    # Cut at a word, if what is left still names the practice, the first appointment's
    # date and time, and the number of the rest.
    cut = fit_sms(compact, max_segments)
    kept = [values["practice"], values["date"], values["time"], more.strip()]
    if all(normalise_sms_text(part) in cut for part in kept):
        return cut, f"shortened to {limit}: cut at a word after the essentials"
    essentials = normalise_sms_text(f"{values['practice']}: Termin {first}{more}")
    note = f"shortened to {limit}: template text replaced by practice, first of {listed}"
    if count > 1:
        note += " and the number of the rest"
    if sms_size(essentials).segments <= max_segments:
        return essentials, note
    return fit_sms(essentials, max_segments), note + ", cut at a word"
