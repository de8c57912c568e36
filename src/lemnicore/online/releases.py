"""C1/C2/C4: a room released for online booking, and short holds on its slots."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import attrs

from lemnicore._validators import aware, instant, non_empty
from lemnicore.scheduling.intervals import Interval

DEFAULT_HOLD = timedelta(minutes=10)
"""How long a slot stays held while a requester fills in the form (C4)."""


def new_booking_token() -> str:
    """C1: an unguessable token for a room's public booking link (URL-safe, 128+ bits)."""
    return secrets.token_urlsafe(24)


@attrs.frozen
class OnlineRelease:
    """C1: ``room_id`` is offered online under ``token``; requests land in ``calendar_id``."""

    token: str = attrs.field(validator=non_empty)
    room_id: str = attrs.field(validator=non_empty)
    calendar_id: str = attrs.field(validator=non_empty)
    released_by: str = attrs.field(validator=non_empty)
    released_at: datetime = attrs.field(validator=aware)
    type_id: str = attrs.field(default="booking-request", validator=non_empty)

    @property
    def id(self) -> str:
        return self.token


@attrs.frozen
class SlotHold:
    """C4: a slot kept for one requester until ``expires_at`` (it shows as taken to others).

    ``id`` is the hold's secret: whoever presents it may turn the hold into a request.
    """

    id: str = attrs.field(validator=non_empty)
    room_id: str = attrs.field(validator=non_empty)
    start: datetime = attrs.field(converter=instant, validator=aware)
    end: datetime = attrs.field(converter=instant, validator=aware)
    expires_at: datetime = attrs.field(converter=instant, validator=aware)

    @property
    def interval(self) -> Interval:
        return Interval(self.start, self.end)

    def is_active(self, now: datetime) -> bool:
        """Holds expire by the clock alone: nobody has to clean up for a slot to free up."""
        return now < self.expires_at
