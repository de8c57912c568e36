"""A1/A2: the organisation, its branches and rooms, practitioners, calendars and types."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import attrs

from lemnicore._validators import iana_zone, non_empty, positive_duration
from lemnicore.errors import ValidationError
from lemnicore.timekeeping import DEFAULT_TIME_ZONE

_BRANCH_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _branch_code(instance: Branch, attribute: attrs.Attribute[Any], value: str) -> None:
    if not _BRANCH_CODE.match(value):
        raise ValidationError(
            "code",
            f"a branch code is 1-16 letters, digits, '-' or '_', got {value!r}",
            record=f"Branch {instance.id!r}",
        )


@attrs.frozen
class Organisation:
    """A practice or a branch chain (A1).

    ``default_notification_consent`` is the consent flag new client records start with (D4).
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    time_zone: str = attrs.field(default=DEFAULT_TIME_ZONE, validator=iana_zone)
    default_notification_consent: bool = False
    plan: str = "M"


@attrs.frozen
class Branch:
    """A site of the organisation with a short code (``HH1``) and its own time zone (A1)."""

    id: str = attrs.field(validator=non_empty)
    organisation_id: str = attrs.field(validator=non_empty)
    code: str = attrs.field(validator=_branch_code)
    name: str = attrs.field(validator=non_empty)
    time_zone: str = attrs.field(default=DEFAULT_TIME_ZONE, validator=iana_zone)


@attrs.frozen
class Room:
    """A room or location resource of a branch: the thing that cannot be double-booked (A4).

    ``online_booking`` and ``booking_token`` release it for online self-booking (C1).
    """

    id: str = attrs.field(validator=non_empty)
    branch_id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    online_booking: bool = False
    booking_token: str | None = None


@attrs.frozen
class Practitioner:
    """A practitioner's account: therapist, optician, acoustician (A1)."""

    id: str = attrs.field(validator=non_empty)
    organisation_id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    email: str | None = None


@attrs.frozen
class Calendar:
    """A calendar owned by one practitioner account (A1)."""

    id: str = attrs.field(validator=non_empty)
    owner_id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    branch_id: str | None = None


def _not_negative(
    instance: AppointmentType, attribute: attrs.Attribute[Any], value: timedelta
) -> None:
    if value < timedelta(0):
        raise ValidationError(
            attribute.name, f"must not be negative, got {value}", record=f"type {instance.id!r}"
        )


@attrs.frozen
class AppointmentType:
    """A2: what kind of appointment, with its notification and group flags.

    B1: ``organisation_id`` is the practice that set the type up — its names are that
    practice's business data, listed and booked only there. ``None`` is a shared type
    that lemnicore or an importer defines (the booking-request type, the eTermin and
    calendar-file import types); every practice may use those.
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    default_duration: timedelta = attrs.field(
        default=timedelta(minutes=30), validator=positive_duration
    )
    allows_auto_notifications: bool = True
    is_group: bool = False
    buffer_before: timedelta = attrs.field(default=timedelta(0), validator=_not_negative)
    """A10: time before each appointment of this type that blocks the room (preparing the
    cabin). It blocks the room but is never shown to the client."""
    buffer_after: timedelta = attrs.field(default=timedelta(0), validator=_not_negative)
    """A10: time after each appointment of this type that blocks the room (cleaning)."""
    organisation_id: str | None = None
    """B1: the practice the type belongs to; ``None``: shared by every practice."""

    def usable_by(self, organisation_id: str | None) -> bool:
        """B1: whether ``organisation_id`` may list and book this type (its own or shared)."""
        return self.organisation_id is None or self.organisation_id == organisation_id


BOOKING_REQUEST_TYPE_ID = "booking-request"
"""C4: the type every online request is booked with until staff confirm it."""
