"""H5: a client cancels their own request or appointment through a signed link, until a
deadline the practice sets.

The link carries the appointment id and an HMAC signature made with the practice's secret
(stdlib ``hmac``): nobody can forge a link for another appointment, and the link holds no
personal data. The deadline rule is pure (``now`` passed in); :class:`SelfCancellation`
is the service that applies it in one write unit of work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor, Role
from lemnicore.access.audit import AuditAction
from lemnicore.access.policy import Permission
from lemnicore.clock import Clock
from lemnicore.errors import AccessDeniedError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.services.booking import FreedSlotListener, authorize_in, record
from lemnicore.storage.ports import Store
from lemnicore.timekeeping import require_aware, to_utc

SELF_CANCEL_ACTOR = Actor(id="self-cancel-link", role=Role.SYSTEM, name="client's cancel link")
"""Who the audit log names for a cancellation through a signed link (H5): the signature,
made with the practice's secret, is what authorises it."""

_CANCELLABLE = frozenset({AppointmentStatus.PROPOSED, AppointmentStatus.BOOKED})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@attrs.frozen
class CancelLinks:
    """H5: signs and reads self-cancel tokens (``<appointment id>.<signature>``)."""

    secret: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValidationError("secret", "needs at least 16 bytes")

    def token(self, appointment_id: str) -> str:
        """The token for ``appointment_id``, to put into a link."""
        return f"{appointment_id}.{self._signature(appointment_id)}"

    def appointment_id(self, token: str) -> str:
        """The appointment a token names, or :class:`AccessDeniedError` if it was not
        signed with this secret (altered, truncated or from another practice)."""
        appointment_id, _, signature = token.rpartition(".")
        # Signatures are ASCII; anything else a visitor sends is a forged link (H4: never
        # a server error — compare_digest refuses non-ASCII text with a TypeError).
        if (
            not appointment_id
            or not signature.isascii()
            or not hmac.compare_digest(
                signature.encode("ascii"), self._signature(appointment_id).encode("ascii")
            )
        ):
            raise AccessDeniedError("anonymous", "cancel", "this cancel link is not valid")
        return appointment_id

    def _signature(self, appointment_id: str) -> str:
        # surrogatepass: an id with a lone surrogate (a broken link) still signs, and fails
        # the comparison, instead of raising UnicodeEncodeError.
        key = appointment_id.encode("utf-8", "surrogatepass")
        mac = hmac.new(self.secret, b"cancel:" + key, hashlib.sha256)
        return _b64(mac.digest()[:18])


@attrs.frozen
class CancelDeadline:
    """H5: a client may cancel up to ``before`` ahead of the start (elapsed time)."""

    before: timedelta = timedelta(hours=24)

    def allows(self, start: datetime, now: datetime) -> bool:
        return to_utc(require_aware(now, "now")) <= to_utc(start) - self.before

    def last_moment(self, start: datetime) -> datetime:
        """The last instant at which a cancellation is still accepted, in ``start``'s zone.

        Subtracted in UTC: aware arithmetic within one zone is wall-clock arithmetic and
        would be an hour off across a DST change."""
        return (to_utc(start) - self.before).astimezone(start.tzinfo)


@attrs.frozen
class CancelOutlook:
    """H5: what the cancel page shows before the client confirms."""

    appointment_id: str
    start: datetime
    end: datetime
    room_id: str
    status: AppointmentStatus
    cancellable: bool
    deadline: datetime


class SelfCancellation:
    """H5: cancel through a signed link; the slot is free again at once (A3)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        links: CancelLinks,
        deadline: CancelDeadline = CancelDeadline(),
        *,
        new_id: IdFactory = new_id,
        waiting_list: FreedSlotListener | None = None,
    ) -> None:
        """``waiting_list`` (A11) is offered the slot a cancellation leaves free."""
        self.store = store
        self._waiting_list = waiting_list
        self.clock = clock
        self.links = links
        self.deadline = deadline
        self._new_id = new_id

    def outlook(self, actor: Actor, token: str) -> CancelOutlook:
        """H5: the appointment a link names and whether it can still be cancelled."""
        appointment_id = self.links.appointment_id(token)
        now = self.clock.now()
        with self.store.unit_of_work(write=False) as uow:
            appointment = uow.appointments.get(appointment_id)
            authorize_in(
                uow, actor, Permission.VIEW, appointment.calendar_id, "SelfCancellation.outlook"
            )
        return self._outlook(appointment, now)

    def cancel(self, actor: Actor, token: str) -> Appointment:
        """H5: cancel the appointment a signed link names.

        A link that is not valid is :class:`AccessDeniedError`; after the deadline, or
        for an appointment that is no longer proposed or booked, :class:`ValidationError`
        on ``token``. Audited with ``actor`` (normally :data:`SELF_CANCEL_ACTOR`).
        """
        appointment_id = self.links.appointment_id(token)
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            before = uow.appointments.get(appointment_id)
            authorize_in(
                uow, actor, Permission.CANCEL, before.calendar_id, "SelfCancellation.cancel"
            )
            if before.status not in _CANCELLABLE:
                raise ValidationError("token", f"this appointment is {before.status.value} already")
            if not self.deadline.allows(before.start, now):
                raise ValidationError(
                    "token", "the deadline for cancelling online has passed; please call us"
                )
            after = before.with_status(AppointmentStatus.CANCELLED)
            uow.appointments.update(after)
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.APPOINTMENT_STATUS,
                new_id=self._new_id,
                appointment_id=appointment_id,
                before={"status": before.status.value},
                after={"status": after.status.value, "by": "self-cancel link"},
            )
            uow.commit()
        if self._waiting_list is not None:
            self._waiting_list.slot_freed(SYSTEM_ACTOR, before)  # A11
        return after

    def _outlook(self, appointment: Appointment, now: datetime) -> CancelOutlook:
        return CancelOutlook(
            appointment.id,
            appointment.start,
            appointment.end,
            appointment.room_id,
            appointment.status,
            appointment.status in _CANCELLABLE and self.deadline.allows(appointment.start, now),
            self.deadline.last_moment(appointment.start),
        )
