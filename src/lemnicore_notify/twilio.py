"""SMS through Twilio (D12, D15): ``sms+twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=+49…``.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` with HTTP Basic auth; success is
``201`` with the message ``sid``; errors are JSON ``code``/``message``. Twilio has no
idempotency key for this call, so a crash between sending and recording may repeat a
message (the dispatcher's policy decides, D15).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    Delivery,
    OutgoingMessage,
    PermanentTransportError,
    TransientTransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.addresses import normalise_phone
from lemnicore_notify.http import (
    HttpTransport,
    post_form,
    retry_after_seconds,
    text_or_none,
)
from lemnicore_notify.sms import prepare_sms
from lemnicore_notify.urls import TransportURL

SCHEME = "sms+twilio"
PROVIDER = "twilio"
MAX_TEXT = 1600
TOO_MANY_REQUESTS = "20429"

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_ALPHA_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


class TwilioSmsTransport(HttpTransport):
    """SMS over Twilio. ``from`` is an E.164 number, an alphanumeric sender ID or a
    messaging service SID (``MG…``). Options: ``region``, ``max_segments``, ``timeout``,
    ``base_url`` (tests)."""

    scheme = SCHEME
    provider = PROVIDER
    default_host = "api.twilio.com"
    carries = frozenset({Channel.SMS})

    def _configure(self, url: TransportURL) -> None:
        self._sid, self._token = url.username, url.password
        if not _ACCOUNT_SID.match(self._sid) or not self._token:
            raise ValidationError(
                "url", f"expected ACCOUNT_SID:AUTH_TOKEN@api.twilio.com: {url.masked}"
            )
        sender = url.options.get("from", "")
        self._sender_field = "MessagingServiceSid" if _SERVICE_SID.match(sender) else "From"
        if self._sender_field == "From" and not _ALPHA_SENDER.match(sender):
            try:
                sender = normalise_phone(sender)
            except ValidationError:
                raise ValidationError(
                    "url", f"from={sender!r} is neither a phone number, a sender ID nor MG…"
                ) from None
        self._sender = sender

    def _send(self, message: OutgoingMessage) -> Delivery:
        """D15: send one SMS; 429 and 5xx are transient, other 4xx permanent."""
        draft = prepare_sms(message, self._url, provider=PROVIDER, max_chars=MAX_TEXT)
        response = post_form(
            self._client,
            f"/2010-04-01/Accounts/{self._sid}/Messages.json",
            provider=PROVIDER,
            data={"To": draft.to, self._sender_field: self._sender, "Body": draft.text},
            auth=(self._sid, self._token),
        )
        body = _json(response)
        if response.status_code in {200, 201}:
            return Delivery(
                provider=PROVIDER,
                provider_message_id=text_or_none(body.get("sid")),
                detail=f"{body.get('status', 'queued')}, {body.get('num_segments', '?')} part(s)",
            )
        code = text_or_none(body.get("code")) or str(response.status_code)
        reason = str(body.get("message") or f"HTTP {response.status_code}")
        if response.status_code == 429 or response.status_code >= 500 or code == TOO_MANY_REQUESTS:
            raise TransientTransportError(
                reason,
                provider=PROVIDER,
                code=code,
                retry_after=retry_after_seconds(response.headers),
            )
        raise PermanentTransportError(reason, provider=PROVIDER, code=code)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}
