"""Threema Gateway, basic mode (D12, D15): ``threema://*GATEWAY:SECRET@msgapi.threema.ch``.

``POST /send_simple`` with the form fields ``from``, ``secret``, ``text`` and exactly one
of ``to`` (Threema ID), ``phone`` (E.164 without ``+``) or ``email``. The HTTP status is
the result; 200 carries the message id as plain text. The secret travels in the form
body, never in the query string, so it stays out of URL logs. In basic mode Threema's
server encrypts; end-to-end mode (``/send_e2e``) is not implemented. The Gateway keeps no
list of sent messages that a client could ask, so after a crash between hand-over and
record the delivery is "unknown" and goes to the staff work list (D15).
"""

from __future__ import annotations

import re

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    ChannelPausedError,
    Delivery,
    OutgoingMessage,
    PermanentTransportError,
    TransientTransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.addresses import (
    DEFAULT_REGION,
    check_email,
    is_threema_id,
    normalise_phone,
)
from lemnicore_notify.http import HttpTransport, post_form, retry_after_seconds
from lemnicore_notify.urls import TransportURL

SCHEME = "threema"
PROVIDER = "threema"
MAX_TEXT_BYTES = 3500

THREEMA_STATUS: dict[int, tuple[str, str]] = {
    # The Gateway's documented answers to /send_simple and what they mean for the
    # dispatcher (D15): the HTTP status is the result.
    400: ("invalid recipient, or the identity is not set up for basic mode", "permanent"),
    401: ("wrong gateway identity or secret", "pause"),
    402: ("no credits left", "pause"),
    404: ("the phone number or e-mail address has no Threema ID", "permanent"),
    413: ("message too long", "permanent"),
    429: ("too many requests", "transient"),
    500: ("temporary error at Threema", "transient"),
}

_GATEWAY_ID = re.compile(r"^\*[A-Z0-9]{7}$")


def threema_recipient(address: str, *, region: str = DEFAULT_REGION) -> tuple[str, str]:
    """The form field and value for ``address``: a Threema ID → ``to``, an e-mail address
    → ``email``, anything else is read as a phone number → ``phone`` (E.164 without +)."""
    candidate = address.strip()
    if is_threema_id(candidate.upper()) and not candidate.isdigit():
        return "to", candidate.upper()
    if "@" in candidate:
        return "email", check_email(candidate)
    return "phone", normalise_phone(candidate, region=region).lstrip("+")


class ThreemaTransport(HttpTransport):
    """Threema messages through the Gateway's basic mode. Options: ``region``,
    ``timeout``, ``base_url`` (tests)."""

    scheme = SCHEME
    provider = PROVIDER
    default_host = "msgapi.threema.ch"
    carries = frozenset({Channel.THREEMA})

    def _configure(self, url: TransportURL) -> None:
        self._identity, self._secret = url.username.upper(), url.password
        if not _GATEWAY_ID.match(self._identity) or not self._secret:
            raise ValidationError(
                "url", f"expected threema://*GATEWAY:SECRET@msgapi.threema.ch: {url.masked}"
            )

    def _send(self, message: OutgoingMessage) -> Delivery:
        """D15: send one message; see :data:`THREEMA_STATUS` for each refusal."""
        try:
            field, value = threema_recipient(
                message.address, region=self._url.options.get("region", DEFAULT_REGION)
            )
        except ValidationError as exc:
            raise PermanentTransportError(exc.reason, provider=PROVIDER, code="recipient") from None
        size = len(message.text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            raise PermanentTransportError(
                f"message too long: {size} bytes, Threema takes {MAX_TEXT_BYTES}",
                provider=PROVIDER,
                code="413",
            )
        response = post_form(
            self._client,
            "/send_simple",
            provider=PROVIDER,
            data={
                "from": self._identity,
                field: value,
                "text": message.text,
                "secret": self._secret,
            },
        )
        status = response.status_code
        if status == 200:
            return Delivery(provider=PROVIDER, provider_message_id=response.text.strip() or None)
        reason, outcome = THREEMA_STATUS.get(
            status, (f"HTTP {status}", "transient" if status >= 500 else "permanent")
        )
        if outcome == "pause":
            raise ChannelPausedError(reason, provider=PROVIDER, code=str(status))
        if outcome == "transient":
            raise TransientTransportError(
                reason,
                provider=PROVIDER,
                code=str(status),
                retry_after=retry_after_seconds(response.headers),
            )
        raise PermanentTransportError(reason, provider=PROVIDER, code=str(status))
