"""A11: the waiting list — who waits for what, and who is offered a slot that became free.

Pure: :func:`first_waiting_for` answers "whom do we offer this freed slot first", given the
entries in the order they were made, the clients already asked for this slot, and the
slot's local time. The service (:mod:`lemnicore.services.waiting_list`) stores entries and
offers, holds the slot and sends the offer.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

import attrs

from lemnicore._validators import aware, instant, non_empty, to_frozenset
from lemnicore.errors import ValidationError
from lemnicore.scheduling.clients import Channel
from lemnicore.timekeeping import zone


def _range(instance: WaitingEntry, attribute: attrs.Attribute[Any], value: date) -> None:
    if value < instance.earliest:
        raise ValidationError(
            "latest",
            f"must not be before earliest ({instance.earliest})",
            record=f"waiting list entry {instance.id!r}",
        )


def _weekdays(
    instance: WaitingEntry, attribute: attrs.Attribute[Any], value: frozenset[int]
) -> None:
    if any(d not in range(7) for d in value):
        raise ValidationError(
            "weekdays",
            f"must be 0 (Monday) … 6 (Sunday), got {sorted(value)}",
            record=f"waiting list entry {instance.id!r}",
        )


class WaitingState(enum.StrEnum):
    """A11: where a waiting-list entry stands: waiting, offered, booked or withdrawn."""

    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    WITHDRAWN = "withdrawn"


@attrs.frozen
class WaitingEntry:
    """A11: ``client_id`` waits for an appointment of ``type_id`` between ``earliest`` and
    ``latest`` (local dates, inclusive).

    ``room_ids`` (any of them) or ``practitioner_id`` narrow where; ``weekdays`` and
    ``from_time``/``until_time`` (local wall clock, the slot must lie within) are the
    client's preferences — empty/``None`` means any. ``channel`` is how the offer reaches
    them. Entries are offered in the order of ``entered_at`` (then id).
    """

    id: str = attrs.field(validator=non_empty)
    client_id: str = attrs.field(validator=non_empty)
    type_id: str = attrs.field(validator=non_empty)
    earliest: date
    latest: date = attrs.field(validator=_range)
    entered_at: datetime = attrs.field(converter=instant, validator=aware)
    channel: Channel = Channel.EMAIL
    room_ids: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    practitioner_id: str | None = None
    weekdays: frozenset[int] = attrs.field(
        default=frozenset(), converter=to_frozenset, validator=_weekdays
    )
    from_time: time | None = None
    until_time: time | None = None
    state: WaitingState = WaitingState.WAITING


@attrs.frozen
class FreedSlot:
    """A11: a slot that became free — by a cancellation (also the client's own, H5), a
    no-show slot released, or a move. ``time_zone`` is the room's branch zone: preferences
    are wall-clock times there."""

    room_id: str = attrs.field(validator=non_empty)
    start: datetime = attrs.field(converter=instant, validator=aware)
    end: datetime = attrs.field(converter=instant, validator=aware)
    type_id: str = attrs.field(validator=non_empty)
    calendar_id: str = attrs.field(validator=non_empty)
    practitioner_id: str | None = None
    time_zone: str = "Europe/Berlin"


class OfferState(enum.StrEnum):
    """A11: an offered slot is open (held for the client) until accepted, declined or expired."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


@attrs.frozen
class WaitingListOffer:
    """A11: ``slot`` offered to the client of ``entry_id``, held for them until
    ``expires_at``. ``asked`` are the clients offered this slot before (declined or
    expired), so the next offer skips them."""

    id: str = attrs.field(validator=non_empty)
    entry_id: str = attrs.field(validator=non_empty)
    client_id: str = attrs.field(validator=non_empty)
    slot: FreedSlot
    offered_at: datetime = attrs.field(converter=instant, validator=aware)
    expires_at: datetime = attrs.field(converter=instant, validator=aware)
    channel: Channel = Channel.EMAIL
    state: OfferState = OfferState.OPEN
    asked: tuple[str, ...] = ()
    hold_id: str | None = None

    def is_open(self, now: datetime) -> bool:
        return self.state is OfferState.OPEN and instant(now) < self.expires_at


def matches(entry: WaitingEntry, slot: FreedSlot, day: date, begins: time, ends: time) -> bool:
    """Whether ``slot`` (on local ``day`` from ``begins`` to ``ends``) suits ``entry``."""
    return (
        entry.state is WaitingState.WAITING
        and entry.type_id == slot.type_id
        and entry.earliest <= day <= entry.latest
        and (not entry.room_ids or slot.room_id in entry.room_ids)
        and (entry.practitioner_id is None or entry.practitioner_id == slot.practitioner_id)
        and (not entry.weekdays or day.weekday() in entry.weekdays)
        and (entry.from_time is None or begins >= entry.from_time)
        and (entry.until_time is None or ends <= entry.until_time)
    )


def first_waiting_for(
    slot: FreedSlot,
    entries: Sequence[WaitingEntry],
    *,
    asked: Iterable[str] = (),
    ordered: bool = False,
) -> WaitingEntry | None:
    """A11: the first entry (in order of entry) that matches ``slot`` and whose client was
    not already asked for it (``asked``: client ids that declined or let the offer expire).

    ``ordered=True`` says ``entries`` are already in order of entry (the service keeps them
    so), which spares sorting them for every freed slot.
    """
    tz = zone(slot.time_zone)
    local_start, local_end = slot.start.astimezone(tz), slot.end.astimezone(tz)
    day, begins = local_start.date(), local_start.time()
    # A slot running past midnight ends "after" any until_time on its day.
    ends = local_end.time() if local_end.date() == day else time.max
    skip = frozenset(asked)
    candidates = entries if ordered else sorted(entries, key=lambda e: (e.entered_at, e.id))
    # The cheap, most selective tests inline first: this loop runs over every waiting
    # entry for each freed slot (10 000 entries in a few milliseconds, issue 16).
    type_id, room_id, weekday = slot.type_id, slot.room_id, day.weekday()
    waiting = WaitingState.WAITING
    for e in candidates:
        if (
            e.type_id != type_id
            or e.state is not waiting
            or not e.earliest <= day <= e.latest
            or (e.room_ids and room_id not in e.room_ids)
            or (e.weekdays and weekday not in e.weekdays)
            or e.client_id in skip
        ):
            continue
        if matches(e, slot, day, begins, ends):
            return e
    return None


__all__ = [
    "FreedSlot",
    "OfferState",
    "WaitingEntry",
    "WaitingListOffer",
    "WaitingState",
    "first_waiting_for",
    "matches",
]
