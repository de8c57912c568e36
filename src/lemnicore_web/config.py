"""H1/H3/H4/H5: what a practice configures for its booking page."""

from __future__ import annotations

import secrets
from datetime import timedelta

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.logins import hash_password, normalise_login_id
from lemnicore.online.cancellation import CancelDeadline
from lemnicore.online.horizon import BookingHorizon, OpenRequestLimits


@attrs.frozen
class StaffLogin:
    """H3: a staff member's web login: who they are when they act (a B1 actor — owner,
    front desk, a staff account's :meth:`~lemnicore.access.staff.StaffAccount.actor`)."""

    login_id: str = attrs.field(converter=normalise_login_id)
    password_hash: str = attrs.field(repr=False)
    actor: Actor

    @classmethod
    def with_password(cls, login_id: str, password: str, actor: Actor) -> StaffLogin:
        """Hash ``password`` (salted scrypt, like client logins, C6)."""
        return cls(login_id, hash_password(password), actor)


@attrs.frozen
class WebConfig:
    """The booking page's settings.

    ``secret_key`` signs session cookies, CSRF tokens and self-cancel links (H4/H5): keep
    it secret and stable across restarts, or sent cancel links stop working.
    ``frame_ancestors`` are the origins allowed to embed the page in an iframe (the CSP's
    ``frame-ancestors``; empty: only the page itself). ``public_url`` is where clients
    reach the app (links in e-mails). ``secure_cookies`` marks cookies ``Secure`` (turn it
    on behind HTTPS).
    """

    secret_key: bytes = attrs.field(factory=lambda: secrets.token_bytes(32), repr=False)
    public_url: str = "http://127.0.0.1:8000"
    frame_ancestors: tuple[str, ...] = ()
    horizon: BookingHorizon = attrs.field(factory=BookingHorizon)
    limits: OpenRequestLimits = attrs.field(factory=OpenRequestLimits)
    cancel_deadline: CancelDeadline = attrs.field(factory=CancelDeadline)
    hold_for: timedelta = timedelta(minutes=10)
    staff: tuple[StaffLogin, ...] = ()
    default_language: str = "de"
    secure_cookies: bool = False

    def staff_login(self, login_id: str) -> StaffLogin | None:
        try:
            key = normalise_login_id(login_id)
        except ValueError:
            return None
        return next((s for s in self.staff if s.login_id == key), None)
