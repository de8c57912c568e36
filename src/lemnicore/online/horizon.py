"""H4: how far ahead and how soon a slot may be requested online, and how many open
requests one requester may hold.

Pure rules with ``now`` passed in: the web layer (or any app) asks them before it calls
:meth:`~lemnicore.online.service.OnlineBooking.hold` / ``request``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from lemnicore.errors import ValidationError
from lemnicore.timekeeping import require_aware, to_utc


def _positive(instance: object, attribute: attrs.Attribute[timedelta], value: timedelta) -> None:
    if value < timedelta(0):
        raise ValidationError(attribute.name, "must not be negative")


@attrs.frozen
class BookingHorizon:
    """H4: a slot is offered online only if it begins at least ``min_lead`` after ``now``
    and at most ``max_ahead`` after it (elapsed time, so DST changes do not stretch it)."""

    max_ahead: timedelta = attrs.field(default=timedelta(days=90), validator=_positive)
    min_lead: timedelta = attrs.field(default=timedelta(hours=2), validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.min_lead > self.max_ahead:
            raise ValidationError("min_lead", "must not be longer than max_ahead")

    def allows(self, start: datetime, now: datetime) -> bool:
        """Whether a slot beginning at ``start`` may be requested at ``now``."""
        ahead = to_utc(require_aware(start, "start")) - to_utc(require_aware(now, "now"))
        return self.min_lead <= ahead <= self.max_ahead

    def check(self, start: datetime, now: datetime) -> None:
        """:class:`ValidationError` on ``start`` when the slot is too soon or too far ahead."""
        ahead = to_utc(require_aware(start, "start")) - to_utc(require_aware(now, "now"))
        if ahead < self.min_lead:
            raise ValidationError("start", "this slot is too soon to be requested online")
        if ahead > self.max_ahead:
            raise ValidationError("start", "this slot is too far ahead to be requested online")


@attrs.frozen
class OpenRequestLimits:
    """H4: how many open (proposed) requests one e-mail address and one client network
    address may hold at once; ``None`` means no limit."""

    per_email: int | None = 3
    per_address: int | None = 5

    def check(self, *, open_for_email: int, open_for_address: int) -> None:
        """:class:`ValidationError` when one more request would exceed a limit.

        The e-mail limit names the ``email`` field (the requester can see why); the address
        limit names no form field a requester could fix, so it names ``request``.
        """
        if self.per_email is not None and open_for_email >= self.per_email:
            raise ValidationError("email", "this e-mail address has too many open requests already")
        if self.per_address is not None and open_for_address >= self.per_address:
            raise ValidationError("request", "too many open requests from this network address")
