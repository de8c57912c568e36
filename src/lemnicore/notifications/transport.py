"""D12–D15: the transport port — how a rendered message leaves lemnicore.

A transport is configured by URL (``smtp://…``, ``sms+seven://…``, ``threema://…``) and
registered by scheme through the ``lemnicore_register_transports`` hook. It sends one
:class:`OutgoingMessage` and returns a :class:`Delivery`, or raises one of the
:class:`TransportError` classes so the dispatcher knows whether to retry (D15).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import attrs

from lemnicore.errors import LemnicoreError
from lemnicore.scheduling.clients import Channel


@attrs.frozen
class Attachment:
    """A file sent with a message, e.g. the ``.ics`` of a confirmation (D11)."""

    filename: str
    """The name the recipient sees, e.g. ``termine.ics``."""
    content_type: str
    """The MIME type with its parameters, e.g. ``text/calendar; method=PUBLISH; charset=UTF-8``."""
    data: bytes
    """The file's bytes, exactly as they are to be sent."""


@attrs.frozen
class OutgoingMessage:
    """One rendered message to one address.

    ``idempotency_key`` is unique per (appointment set, kind, due time) (D15); transports
    that support it pass it to the provider (seven.io ``foreign_id``, a ``Message-ID``) so a
    retry after a crash is not delivered twice. ``subject`` is used by e-mail and letters;
    ``html`` is an optional HTML alternative of ``text`` for e-mail (other channels ignore it).
    """

    idempotency_key: str
    """Unique per message and stable across retries (D15)."""
    channel: Channel
    """The channel to send on; a transport serves one or more (its ``channels``)."""
    address: str
    """The recipient on that channel: e-mail address, E.164 phone number, Threema ID, postal
    address (letters) — as the client record holds it."""
    text: str
    """The rendered plain text (already shortened to the SMS budget for SMS, D13)."""
    subject: str = ""
    """The subject line for e-mail and letters."""
    attachments: tuple[Attachment, ...] = ()
    """Files to attach, e.g. one ``.ics`` per appointment of a confirmation (D11)."""
    client_id: str | None = None
    """The client the message is for (``None`` for a test message)."""
    appointment_ids: tuple[str, ...] = ()
    """The appointments the message is about."""
    kind: str = ""
    """What the message is: a :class:`~lemnicore.MessageKind` value, or ``test``."""
    html: str = ""
    """An optional HTML alternative of ``text`` (e-mail only)."""


@attrs.frozen
class Delivery:
    """What the provider said when it accepted a message."""

    provider: str
    provider_message_id: str | None = None
    detail: str = ""


class TransportError(LemnicoreError):
    """A message could not be handed over. ``reason`` is the provider's own words."""

    def __init__(self, reason: str, *, provider: str = "", code: str | None = None) -> None:
        self.reason = reason
        self.provider = provider
        self.code = code
        prefix = f"{provider}: " if provider else ""
        suffix = f" (code {code})" if code else ""
        super().__init__(f"{prefix}{reason}{suffix}")


class TransientTransportError(TransportError):
    """Worth retrying later: connection errors, timeouts, 429, 5xx (D15).

    ``retry_after`` carries the provider's ``Retry-After`` in seconds, if it sent one.
    """

    def __init__(
        self,
        reason: str,
        *,
        provider: str = "",
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, provider=provider, code=code)
        self.retry_after = retry_after


class PermanentTransportError(TransportError):
    """Retrying cannot help: invalid recipient, bad credentials, text too long (D15)."""


class ChannelPausedError(TransportError):
    """The account cannot send on this channel now (no credits): pause and report it."""


class HandOver(enum.StrEnum):
    """D15: what a provider's own record says about a message whose sending was cut off."""

    DONE = "handed_over"
    """The provider has the message: record it as sent, never send it again."""
    NOT_DONE = "not_handed_over"
    """The provider has no record of it: sending it again cannot double it."""
    UNKNOWN = "unknown"
    """The provider offers no way to ask, or did not say: staff must check."""


@attrs.frozen
class HandOverCheck:
    """The answer of :meth:`ReconcilingTransport.check_handover` (D15).

    ``delivery`` carries the provider's message id when the status is ``DONE``;
    ``detail`` says in a few words where the answer came from (it goes to the sent-log
    and the staff work list, so it names no secret and no message text).
    """

    status: HandOver
    delivery: Delivery | None = None
    detail: str = ""


class Transport(Protocol):
    """Sends messages on one or more channels."""

    @property
    def channels(self) -> frozenset[Channel]:
        """The channels this transport can carry."""

    def send(self, message: OutgoingMessage) -> Delivery:
        """Hand ``message`` to the provider, or raise a :class:`TransportError`."""

    def close(self) -> None:
        """Release connections."""


class ReconcilingTransport(Transport, Protocol):
    """A transport that can tell, after a crash, whether a message reached its provider.

    The dispatcher commits a message as ``sending`` before it calls :meth:`send`; if the
    process dies before the answer is recorded, the next dispatch calls
    :meth:`check_handover` instead of sending blindly again (D15, F4). ``since`` is when
    the interrupted attempt began (timezone-aware). A transport answers from what its
    provider really offers (a journal, a message list, its own file) and returns
    ``HandOver.UNKNOWN`` when the provider offers nothing to ask; a
    :class:`TransientTransportError` means "ask again later".

    Transports without this method keep the older rule: ``RetryPolicy.resend_interrupted``.
    """

    def check_handover(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        """What the provider's record says about ``message`` sent at or after ``since``."""


TransportFactory = Callable[[str], Transport]
"""Builds a transport from its URL (the scheme selects the factory)."""
