"""D2–D13: the notification policy — every setting of the notification service, validated.

The policy is a value: the planner reads it, the store keeps it as a document, the CLI
shows and changes it. Every bad value is refused with a :class:`ValidationError` naming
the setting (``reminder.min_hours_between``, ``template.texts[sms/reminder].body``).
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Iterable
from datetime import date, time, timedelta
from typing import Any

import attrs

from lemnicore.errors import ValidationError
from lemnicore.notifications.windows import DailyWindow
from lemnicore.scheduling.addresses import is_valid_email
from lemnicore.scheduling.clients import Channel


class MessageKind(enum.StrEnum):
    """What a message is about. ``MANUAL`` marks messages staff sent by hand (D8, D10)."""

    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    CANCELLATION = "cancellation"
    MANUAL = "manual"
    REQUEST_RECEIVED = "request_received"
    """C5: the online booking page's "request received" e-mail. Recorded in the
    appointment's history only (the requester has no client record yet); it is not a
    notification in the sense of D10, so the confirmation still follows."""
    WAITING_LIST_OFFER = "waiting_list_offer"
    """A11: a freed slot offered to a client on the waiting list (not a D10 notification)."""


PLACEHOLDERS: dict[str, str] = {
    "salutation": "the client's salutation (may be empty)",
    "first_name": "the client's first name",
    "last_name": "the client's last name",
    "client_name": "first and last name",
    "date": "date of the (first) appointment, DD.MM.YYYY",
    "weekday": "weekday of the (first) appointment",
    "time": "start time of the (first) appointment, HH:MM",
    "room": "room of the (first) appointment",
    "branch": "branch name of the (first) appointment",
    "practitioner": "practitioner of the (first) appointment",
    "practice": "the organisation's name",
    "appointments": "one line per listed appointment: date, time, room",
    "count": "how many appointments the message lists",
}
"""D13: the placeholders a text template may use. Deliberately no notes, comment,
diagnosis or appointment type: messages must not reveal health data (GDPR)."""

WORK_LIST_CHANNELS = frozenset({Channel.LETTER, Channel.PHONE})
"""D12: these channels end on a staff work list instead of being sent automatically."""


def _in_range(low: int, high: int, name: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                name, f"must be a whole number from {low} to {high}, got {value!r}"
            )

    return check


def template_placeholders(text: str, *, field: str) -> list[str]:
    """The placeholder names used in ``text``; a clear error for unknown or malformed ones."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError(
            field, f"malformed template ({exc}); write {{{{ for a brace"
        ) from None
    for _literal, name, spec, _conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            shown = "{" + name + "}" if name else "{}"
            raise ValidationError(field, f"unknown placeholder {shown}; known: {known}")
        if spec and "{" in spec:
            raise ValidationError(field, f"nested placeholders are not allowed in {{{name}}}")
        names.append(name)
    return names


@attrs.frozen
class MessageTemplate:
    """D12/D13: the text of one kind of message on one channel."""

    channel: Channel = attrs.field(converter=Channel)
    kind: MessageKind = attrs.field(converter=MessageKind)
    body: str = ""
    subject: str = ""

    def __attrs_post_init__(self) -> None:
        where = f"template.texts[{self.channel.value}/{self.kind.value}]"
        if not self.body.strip():
            raise ValidationError(f"{where}.body", "must not be empty")
        template_placeholders(self.body, field=f"{where}.body")
        template_placeholders(self.subject, field=f"{where}.subject")


def _channel_order(value: Iterable[Channel | str]) -> tuple[Channel, ...]:
    try:
        order = tuple(Channel(c) for c in value)
    except ValueError as exc:
        raise ValidationError("template.channel_order", str(exc)) from None
    if len(set(order)) != len(order):
        raise ValidationError("template.channel_order", "names a channel twice")
    return order


def _to_texts(value: Iterable[MessageTemplate]) -> tuple[MessageTemplate, ...]:
    return tuple(value)


def _unique_texts(
    instance: ContactTemplate, attribute: attrs.Attribute[Any], value: tuple[MessageTemplate, ...]
) -> None:
    seen: set[tuple[Channel, MessageKind]] = set()
    for text in value:
        pair = (text.channel, text.kind)
        if pair in seen:
            raise ValidationError(
                "template.texts", f"two texts for {text.channel.value}/{text.kind.value}"
            )
        seen.add(pair)
    if not instance.channel_order:
        raise ValidationError("template.channel_order", "needs at least one channel")


@attrs.frozen
class ContactTemplate:
    """D12 (Kontaktvorlage): default channel order and one text per channel and kind.

    A channel without a text for a kind cannot carry that kind: the default template
    confirms by e-mail only (as the source does) and reminds by e-mail, SMS or Threema.
    """

    channel_order: tuple[Channel, ...] = attrs.field(converter=_channel_order)
    texts: tuple[MessageTemplate, ...] = attrs.field(converter=_to_texts, validator=_unique_texts)
    sms_max_segments: int = attrs.field(
        default=2, validator=_in_range(1, 10, "template.sms_max_segments")
    )

    def text_for(self, channel: Channel, kind: MessageKind) -> MessageTemplate | None:
        for text in self.texts:
            if text.channel is channel and text.kind is kind:
                return text
        return None


@attrs.frozen
class ReminderSettings:
    """D5, D8, D9: when reminders go out and how they are grouped."""

    enabled: bool = True
    hours_before: int = attrs.field(
        default=24, validator=_in_range(1, 720, "reminder.hours_before")
    )
    min_hours_between: int = attrs.field(
        default=6, validator=_in_range(1, 99, "reminder.min_hours_between")
    )
    combine_per_date: bool = True


def _uid_domain(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    labels = value.split(".") if isinstance(value, str) else [""]
    if not all(re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", x) for x in labels):
        raise ValidationError(
            "confirmation.ics_uid_domain",
            f"expected a domain such as praxis.example, got {value!r}",
        )


def _organizer(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not is_valid_email(value):
        raise ValidationError(
            "confirmation.ics_organizer", f"not a valid e-mail address: {value!r}"
        )


@attrs.frozen
class ConfirmationSettings:
    """D10, D11: confirmations per quarter, optionally with ``.ics`` attachments.

    ``ics_organizer`` is the practice's e-mail address, written as the ``ORGANIZER`` of each
    event (RFC 5546); ``ics_uid_domain`` ends every event's UID
    (``appointment-7@praxis.example``). Calendars match a cancellation to its event by UID,
    so change the domain only before the first confirmation is sent.
    """

    enabled: bool = True
    attach_ics: bool = True
    ics_organizer: str | None = attrs.field(default=None, validator=_organizer)
    ics_uid_domain: str = attrs.field(default="lemnicore", validator=_uid_domain)


def _run_interval(instance: object, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    if not isinstance(value, timedelta) or not timedelta(minutes=1) <= value <= timedelta(hours=24):
        raise ValidationError("run_interval", f"must be from 1 minute to 24 hours, got {value!r}")


def _codes(value: Iterable[str] | str) -> frozenset[str]:
    if isinstance(value, str):
        value = value.split(",")
    return frozenset(code.strip() for code in value if code.strip())


def _windows(value: Iterable[DailyWindow | str]) -> tuple[DailyWindow, ...]:
    return tuple(
        DailyWindow.parse(w, field="blackout_windows") if isinstance(w, str) else w for w in value
    )


def _optional_window(value: DailyWindow | str | None) -> DailyWindow | None:
    if isinstance(value, str):
        return (
            None
            if value.strip().lower() in ("", "none", "off")
            else DailyWindow.parse(value, field="quiet_hours")
        )
    return value


def _start_date(instance: object, attribute: attrs.Attribute[Any], value: date | None) -> None:
    if value is not None and not isinstance(value, date):
        raise ValidationError("start_date", f"must be a date, got {value!r}")


def default_contact_template() -> ContactTemplate:
    """German default texts: e-mail before SMS before Threema; letter/phone on request."""
    email_reminder = (
        "Guten Tag {client_name},\n\nwir erinnern Sie an Ihren Termin:\n{appointments}\n\n"
        "Falls Sie verhindert sind, sagen Sie bitte rechtzeitig ab.\n\nIhre {practice}"
    )
    short = "Erinnerung: Termin am {weekday} {date} um {time} Uhr, {practice}. Absage bitte telefonisch."
    return ContactTemplate(
        channel_order=(Channel.EMAIL, Channel.SMS, Channel.THREEMA),
        texts=(
            MessageTemplate(
                Channel.EMAIL,
                MessageKind.CONFIRMATION,
                "Guten Tag {client_name},\n\nhiermit bestätigen wir Ihre Termine:\n"
                "{appointments}\n\nFalls Sie verhindert sind, sagen Sie bitte rechtzeitig ab."
                "\n\nIhre {practice}",
                "Terminbestätigung – {practice}",
            ),
            MessageTemplate(
                Channel.EMAIL, MessageKind.REMINDER, email_reminder, "Terminerinnerung – {practice}"
            ),
            MessageTemplate(
                Channel.EMAIL,
                MessageKind.CANCELLATION,
                "Guten Tag {client_name},\n\nfolgender Termin ist abgesagt:\n{appointments}"
                "\n\nIhre {practice}",
                "Terminabsage – {practice}",
            ),
            MessageTemplate(Channel.SMS, MessageKind.REMINDER, short),
            MessageTemplate(Channel.THREEMA, MessageKind.REMINDER, short),
            MessageTemplate(
                Channel.LETTER,
                MessageKind.REMINDER,
                "Erinnerung per Brief an {client_name}:\n{appointments}",
            ),
            MessageTemplate(
                Channel.PHONE,
                MessageKind.REMINDER,
                "Bitte anrufen und erinnern: {client_name}, {appointments}",
            ),
        ),
    )


@attrs.frozen
class NotificationPolicy:
    """All settings of the notification service (SPEC D).

    - ``reminder`` (D5, D8, D9), ``confirmation`` (D10, D11)
    - ``quiet_hours`` (D6, default 20:00–06:00, ``None`` for none) and ``blackout_windows``
      (D7, default none) in the branch's local time
    - ``branch_codes`` (D2): empty means every branch
    - ``start_date`` (D3): before it nothing is sent
    - ``run_interval`` (D5): how often the service runs (default 1 hour)
    - ``template`` (D12, D13): channel order and texts
    """

    id: str = "default"
    enabled: bool = True
    reminder: ReminderSettings = ReminderSettings()
    confirmation: ConfirmationSettings = ConfirmationSettings()
    quiet_hours: DailyWindow | None = attrs.field(
        default=DailyWindow(time(20), time(6)), converter=_optional_window
    )
    blackout_windows: tuple[DailyWindow, ...] = attrs.field(default=(), converter=_windows)
    branch_codes: frozenset[str] = attrs.field(default=frozenset(), converter=_codes)
    start_date: date | None = attrs.field(default=None, validator=_start_date)
    run_interval: timedelta = attrs.field(default=timedelta(hours=1), validator=_run_interval)
    template: ContactTemplate = attrs.field(factory=default_contact_template)

    def with_changes(self, **changes: Any) -> NotificationPolicy:
        """A copy with top-level settings changed; ``reminder__hours_before=…`` style keys
        change nested settings. Validated like a new policy."""
        nested: dict[str, dict[str, Any]] = {}
        flat: dict[str, Any] = {}
        for key, value in changes.items():
            if "__" in key:
                group, name = key.split("__", 1)
                nested.setdefault(group, {})[name] = value
            else:
                flat[key] = value
        for group, values in nested.items():
            current = getattr(self, group, None)
            if current is None or not attrs.has(type(current)):
                raise ValidationError(group, "not a group of settings")
            known = {a.name for a in attrs.fields(type(current))}
            for name in values:
                if name not in known:
                    raise ValidationError(f"{group}.{name}", "no such setting")
            flat[group] = attrs.evolve(current, **values)
        known_top = {a.name for a in attrs.fields(NotificationPolicy)}
        for name in flat:
            if name not in known_top:
                raise ValidationError(name, "no such setting")
        return attrs.evolve(self, **flat)
