"""D8/D9/D15: the sent-log as the planner sees it — what each appointment and client got.

The outbox (with its manual entries) is the single source of truth (D15); the service
reads the part a run needs into :class:`SentRecord` values and the planner asks a
:class:`SentLog` built from them. A record names the appointments it covered together
with their ``sequence`` at the time: a significant reschedule (A6) raises the sequence,
so older records no longer count for that appointment (D9).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

import attrs

from lemnicore._validators import aware
from lemnicore.notifications.policy import MessageKind


@attrs.frozen(order=True)
class AppointmentRef:
    """An appointment as it was when a message named it."""

    appointment_id: str
    sequence: int = 0


class DeliveryState(enum.StrEnum):
    """Where an outbox message stands (D15)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    WORK_LIST = "work_list"
    DONE = "done"

    @property
    def reached_client(self) -> bool:
        """Whether the client counts as having been contacted (D8): failed ones do not."""
        return self is not DeliveryState.FAILED


@attrs.frozen
class SentRecord:
    """One message (sent, on its way, on the work list, failed, or manual)."""

    key: str
    kind: MessageKind
    client_id: str | None
    appointments: tuple[AppointmentRef, ...]
    at: datetime = attrs.field(validator=aware)
    state: DeliveryState = DeliveryState.SENT
    failure: str = ""


NOTICE_KINDS = frozenset({MessageKind.CONFIRMATION, MessageKind.REMINDER, MessageKind.MANUAL})
"""D10: the kinds of message after which an appointment counts as notified."""


class SentLog:
    """An index over sent records for the planner's questions."""

    def __init__(
        self,
        records: Iterable[SentRecord] = (),
        *,
        last_contacts: Mapping[str, datetime] | None = None,
    ) -> None:
        self._by_appointment: dict[str, list[tuple[AppointmentRef, SentRecord]]] = {}
        self.appointment_ids: Collection[str] = self._by_appointment.keys()
        """Every appointment some record names (a cheap first test for the planner)."""
        # appointment id → sequence → the latest record of a NOTICE_KINDS kind: the
        # planner asks this once per appointment of the quarter in every run (D10).
        self._notices: dict[str, dict[int, SentRecord]] = {}
        self._last_contact: dict[str, datetime] = dict(last_contacts or {})
        self.keys: set[str] = set()
        for record in records:
            self.add(record)

    def add(self, record: SentRecord) -> None:
        self.keys.add(record.key)
        notice = record.kind in NOTICE_KINDS
        for ref in record.appointments:
            self._by_appointment.setdefault(ref.appointment_id, []).append((ref, record))
            if notice:
                by_sequence = self._notices.setdefault(ref.appointment_id, {})
                known = by_sequence.get(ref.sequence)
                if known is None or record.at > known.at:
                    by_sequence[ref.sequence] = record
        if record.client_id is not None and record.state.reached_client:
            last = self._last_contact.get(record.client_id)
            if last is None or record.at > last:
                self._last_contact[record.client_id] = record.at

    def records_for(self, appointment_id: str, sequence: int | None = None) -> list[SentRecord]:
        """Records naming the appointment (at ``sequence``, if given), oldest first."""
        found = [
            record
            for ref, record in self._by_appointment.get(appointment_id, ())
            if sequence is None or ref.sequence == sequence
        ]
        return sorted(found, key=lambda r: r.at)

    def latest(
        self, appointment_id: str, sequence: int | None, kinds: Iterable[MessageKind]
    ) -> SentRecord | None:
        entries = self._by_appointment.get(appointment_id)
        if not entries:
            return None  # the common case in a run: never notified
        wanted = tuple(kinds)
        best: SentRecord | None = None
        # A plain loop: this runs once per appointment and kind in every run.
        for ref, record in entries:
            if (
                (sequence is None or ref.sequence == sequence)
                and record.kind in wanted
                and (best is None or record.at > best.at)
            ):
                best = record
        return best

    def latest_notice(self, appointment_id: str, sequence: int) -> SentRecord | None:
        """D10: the latest confirmation, reminder or manual message naming the appointment
        at ``sequence`` — ``latest(appointment_id, sequence, NOTICE_KINDS)``, in O(1)."""
        by_sequence = self._notices.get(appointment_id)
        return None if by_sequence is None else by_sequence.get(sequence)

    def last_contact(self, client_id: str) -> datetime | None:
        """D8: when the client last got any message (automatic or manual) that did not fail."""
        return self._last_contact.get(client_id)
