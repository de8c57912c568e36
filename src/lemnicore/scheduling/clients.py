"""The client record (Akte): names, contact channels, notification consent (D4, D12)."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import Any

import attrs

from lemnicore._validators import (
    MAX_NAME,
    flag,
    non_empty,
    optional_aware,
    optional_day,
    optional_instant,
    text,
    texts,
    to_frozenset,
)
from lemnicore.errors import ValidationError
from lemnicore.scheduling.addresses import is_valid_email as is_valid_email


class Channel(enum.StrEnum):
    """How a client can be reached (D12). Letter and phone end on a staff work list."""

    EMAIL = "email"
    SMS = "sms"
    THREEMA = "threema"
    LETTER = "letter"
    PHONE = "phone"


NO_MESSAGE = "none"
"""D12: the client's preference "no message" — nothing is sent, not even by work list."""

_THREEMA_ID = re.compile(r"^[A-Z0-9*][A-Z0-9]{7}$")


def _email(instance: Client, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not is_valid_email(value):
        raise ValidationError(
            "email", f"not a valid e-mail address: {value!r}", record=f"Client {instance.id!r}"
        )


def _threema(instance: Client, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not (isinstance(value, str) and _THREEMA_ID.match(value)):
        raise ValidationError(
            "threema_id",
            f"a Threema ID is 8 characters A-Z/0-9, got {value!r}",
            record=f"Client {instance.id!r}",
        )


_PREFERENCES = frozenset({c.value for c in Channel} | {NO_MESSAGE})


def _preference(instance: Client, attribute: attrs.Attribute[Any], value: str | None) -> None:
    allowed = _PREFERENCES  # built once: imports construct clients by the hundred thousand
    if value is not None and not (isinstance(value, str) and value in allowed):
        raise ValidationError(
            "preferred_channel",
            f"must be one of {sorted(allowed)}, got {value!r}",
            record=f"Client {instance.id!r}",
        )


def _blank_to_none(value: str | None) -> str | None:
    if not isinstance(value, str):
        return value  # None, or something the field's validator names (G7)
    value = value.strip()
    return value or None


_CONTACT = text(MAX_NAME, optional=True)
"""G7: an address must be storable text (checked before the channel's own rule)."""


@attrs.frozen
class Client:
    """A client record.

    ``notification_consent`` (D4) allows automatic messages; ``consent_changed_at`` and
    ``contact_changed_at`` record when consent or contact data last changed, because a
    message that only became possible at T is sent no earlier than T + 1 hour (D4).
    ``preferred_channel`` is a :class:`Channel` value, :data:`NO_MESSAGE`, or ``None`` for
    "use the contact template's order" (D12).
    """

    id: str = attrs.field(validator=non_empty)
    organisation_id: str = attrs.field(validator=non_empty)
    last_name: str = attrs.field(validator=non_empty)
    first_name: str = attrs.field(default="", validator=text(MAX_NAME))
    salutation: str = attrs.field(default="", validator=text(MAX_NAME))
    email: str | None = attrs.field(
        default=None, converter=_blank_to_none, validator=[_CONTACT, _email]
    )
    mobile: str | None = attrs.field(default=None, converter=_blank_to_none, validator=_CONTACT)
    phone: str | None = attrs.field(default=None, converter=_blank_to_none, validator=_CONTACT)
    threema_id: str | None = attrs.field(default=None, converter=_blank_to_none, validator=_threema)
    postal_address: str | None = attrs.field(
        default=None, converter=_blank_to_none, validator=_CONTACT
    )
    birthday: date | None = attrs.field(default=None, validator=optional_day)
    notes: str = attrs.field(default="", validator=text())
    tags: frozenset[str] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=texts()
    )
    preferred_channel: str | None = attrs.field(default=None, validator=_preference)
    notification_consent: bool = attrs.field(default=False, validator=flag)
    consent_changed_at: datetime | None = attrs.field(
        default=None, converter=optional_instant, validator=optional_aware
    )
    contact_changed_at: datetime | None = attrs.field(
        default=None, converter=optional_instant, validator=optional_aware
    )
    external_id: str | None = attrs.field(default=None, validator=text(MAX_NAME, optional=True))
    import_id: str | None = attrs.field(default=None, validator=text(MAX_NAME, optional=True))
    erased: bool = attrs.field(default=False, validator=flag)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def address_for(self, channel: Channel) -> str | None:
        """The address this client has for ``channel``, or ``None``."""
        match channel:
            case Channel.EMAIL:
                return self.email
            case Channel.SMS:
                return self.mobile
            case Channel.THREEMA:
                return self.threema_id
            case Channel.LETTER:
                return self.postal_address
            case Channel.PHONE:
                return self.phone or self.mobile
