"""The booking site: the services one app instance uses, and the H4 rules it applies
before it calls them (horizon, open-request limits)."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import date, datetime, timedelta

import attrs

from lemnicore.clock import Clock
from lemnicore.errors import NotFoundError, ValidationError
from lemnicore.notifications.service import NotificationService
from lemnicore.notifications.transport import Transport
from lemnicore.online.cancellation import CancelLinks, SelfCancellation
from lemnicore.online.service import ONLINE_BOOKING_ACTOR, OnlineBooking, RequestReceipt
from lemnicore.online.week import WeekView
from lemnicore.scheduling.appointments import Appointment
from lemnicore.services.logins import ClientLogins
from lemnicore.services.waiting_list import WaitingList
from lemnicore.storage.ports import Store
from lemnicore_web.config import WebConfig
from lemnicore_web.mail import CancelLinkTransport


@attrs.frozen
class OfferedSlot:
    """A slot as the page shows it: free to pick, or taken ("×", no detail)."""

    start: datetime
    end: datetime
    free: bool


class BookingSite:
    """H1–H5 wiring: online booking, self-cancel links, client logins, notifications."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: WebConfig,
        *,
        transport: Transport | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.links = CancelLinks(config.secret_key)
        wrapped = CancelLinkTransport(transport, self.cancel_url) if transport else None
        self.notifications = (
            NotificationService(store, clock, [wrapped]) if wrapped is not None else None
        )
        self.online = OnlineBooking(
            store,
            clock,
            transport=wrapped,
            hold_for=config.hold_for,
            link_base=f"{config.public_url.rstrip('/')}/book",
            on_confirmed=self._confirmed,
        )
        # H5 -> A11: a slot a client frees through their link is offered to whoever waits.
        self.cancellation = SelfCancellation(
            store, clock, self.links, config.cancel_deadline, waiting_list=WaitingList(store, clock)
        )
        self.logins = ClientLogins(store, clock)
        self._by_address: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def cancel_url(self, appointment_id: str) -> str:
        """H5: the signed self-cancel link of ``appointment_id``."""
        return f"{self.config.public_url.rstrip('/')}/cancel/{self.links.token(appointment_id)}"

    def _confirmed(self, appointment: Appointment) -> None:
        # C5/D: confirming sends the confirmation now through the notification service
        # (D4 holds a brand-new client's first message back for an hour; the next hourly
        # run sends it then).
        if self.notifications is not None:
            self.notifications.run()

    # -- week ------------------------------------------------------------------------------

    def week(self, token: str, day: date | None) -> tuple[WeekView, list[list[OfferedSlot]]]:
        """C2 + H4: the week, with slots outside the booking horizon shown as taken.

        A week more than a year back or beyond the horizon is a :class:`ValidationError`
        on ``week`` (nothing there can be booked, and the calendar's edges overflow)."""
        now = self.clock.now()
        if day is not None:
            today = now.date()
            if not (
                today - timedelta(days=366)
                <= day
                <= today + self.config.horizon.max_ahead + timedelta(days=7)
            ):
                raise ValidationError("week", "outside the weeks this page shows")
        view = self.online.week(token, day)
        horizon = self.config.horizon
        days = [
            [OfferedSlot(s.start, s.end, s.free and horizon.allows(s.start, now)) for s in d.slots]
            for d in view.days
        ]
        return view, days

    # -- requests ----------------------------------------------------------------------------

    def _address_key(self, address: str) -> str:
        # H4: the client's network address is kept only as a keyed hash, in memory.
        return hmac.new(self.config.secret_key, address.encode(), hashlib.sha256).hexdigest()

    def check_request(self, token: str, start: datetime, email: str, address: str) -> None:
        """H4: horizon and open-request limits (ValidationError naming the field).

        Open requests are counted in the calendar the booking link fills."""
        self.config.horizon.check(start, self.clock.now())
        limits = self.config.limits
        if limits.per_email is None and limits.per_address is None:
            return
        with self.store.unit_of_work(write=False) as uow:
            release = uow.online_releases.find(token)
        if release is None:
            raise NotFoundError("booking link", token)
        wanted = email.strip().lower()
        open_requests = self.online.requests(ONLINE_BOOKING_ACTOR, calendar_id=release.calendar_id)
        open_ids = {r.appointment_id for r in open_requests}
        for_email = sum(
            1
            for r in open_requests
            if r.requester is not None and r.requester.email.lower() == wanted
        )
        with self._lock:
            mine = self._by_address.get(self._address_key(address), set())
            mine &= open_ids
            for_address = len(mine)
        limits.check(open_for_email=for_email, open_for_address=for_address)

    def note_request(self, receipt: RequestReceipt, address: str) -> None:
        with self._lock:
            self._by_address.setdefault(self._address_key(address), set()).add(
                receipt.appointment_id
            )
