"""SMS through seven.io (D12, D15): ``sms+seven://API_KEY@gateway.seven.io?from=Praxis``.

``POST /api/sms`` with the key in the ``X-Api-Key`` header. seven answers HTTP 200 with a
JSON ``success`` *code* even when sending failed, so the body is always parsed. The
idempotency key goes out as ``foreign_id``; a crash-and-retry can then be matched
against what seven already has (D15).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    ChannelPausedError,
    Delivery,
    OutgoingMessage,
    PermanentTransportError,
    TransientTransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.http import HttpTransport, post_form, raise_if_server_trouble, text_or_none
from lemnicore_notify.sms import prepare_sms
from lemnicore_notify.urls import TransportURL

SCHEME = "sms+seven"
PROVIDER = "seven.io"
MAX_TEXT = 1520

OK = "100"
# The documented ``success`` codes and what they mean for the dispatcher.
SEVEN_CODES: dict[str, str] = {
    "101": "sending to at least one recipient failed",
    "201": "invalid country code",
    "202": "invalid recipient number",
    "300": "no authentication given",
    "301": "recipient (to) missing",
    "304": "message type missing",
    "305": "text missing",
    "306": "invalid sender",
    "401": "text too long",
    "402": "duplicate: the same SMS was sent within the reload lock",
    "500": "not enough credit",
    "600": "carrier delivery failed",
    "700": "unknown error",
    "900": "authentication failed: check the API key",
    "901": "signature hash verification failed",
    "902": "API key has no access to this endpoint",
    "903": "server IP not allowed",
}
NO_CREDIT = frozenset({"500"})
TRANSIENT = frozenset({"600", "700"})
DUPLICATE = "402"

_FOREIGN_ID = re.compile(r"^[A-Za-z0-9.\-_@]{1,64}$")
_ALPHA_SENDER = re.compile(r"^[A-Za-z0-9 .\-]{1,11}$")
_NUMERIC_SENDER = re.compile(r"^\+?[0-9]{1,16}$")


def seven_foreign_id(idempotency_key: str) -> str:
    """The ``foreign_id`` sent for a key: the key itself if seven accepts it (≤ 64 of
    ``A-Z a-z 0-9 . - _ @``), else its SHA-256 in hex — stable, so a retry sends the same."""
    if _FOREIGN_ID.match(idempotency_key):
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


class SevenSmsTransport(HttpTransport):
    """SMS over seven.io. Options: ``from`` (sender, ≤ 11 letters/digits or ≤ 16 digits),
    ``region``, ``max_segments``, ``timeout``, ``base_url`` (tests), ``label``."""

    scheme = SCHEME
    provider = PROVIDER
    default_host = "gateway.seven.io"
    carries = frozenset({Channel.SMS})

    def _configure(self, url: TransportURL) -> None:
        api_key = url.password or url.username
        if not api_key:
            raise ValidationError("url", f"the seven.io API key is missing: {url.masked}")
        self._api_key = api_key
        self._sender = url.options.get("from", "")
        if self._sender and not (
            _ALPHA_SENDER.match(self._sender) or _NUMERIC_SENDER.match(self._sender)
        ):
            raise ValidationError(
                "url", f"from={self._sender!r}: ≤ 11 letters/digits or ≤ 16 digits"
            )

    def _send(self, message: OutgoingMessage) -> Delivery:
        """D15: send one SMS; raise transient, permanent or channel-paused errors."""
        draft = prepare_sms(message, self._url, provider=PROVIDER, max_chars=MAX_TEXT)
        form = {
            "to": draft.to,
            "text": draft.text,
            "foreign_id": seven_foreign_id(message.idempotency_key),
        }
        if self._sender:
            form["from"] = self._sender
        if "label" in self._url.options:
            form["label"] = self._url.options["label"]
        response = post_form(
            self._client,
            "/api/sms",
            provider=PROVIDER,
            data=form,
            headers={"X-Api-Key": self._api_key, "Accept": "application/json"},
        )
        raise_if_server_trouble(
            response, provider=PROVIDER, reason=f"gateway answered HTTP {response.status_code}"
        )
        if response.status_code != 200:
            raise PermanentTransportError(
                f"gateway answered HTTP {response.status_code}",
                provider=PROVIDER,
                code=str(response.status_code),
            )
        return self._delivery(response, draft.segments.segments)

    def _delivery(self, response: httpx.Response, parts: int) -> Delivery:
        body = _json(response)
        code = str(body.get("success", ""))
        messages = body.get("messages") or []
        first: dict[str, Any] = messages[0] if messages and isinstance(messages[0], dict) else {}
        if code == OK and first.get("success", True) is not False:
            return Delivery(
                provider=PROVIDER,
                provider_message_id=text_or_none(first.get("id")),
                detail=f"{first.get('parts', parts)} part(s), {first.get('encoding', '?')}",
            )
        if code in {OK, "101"}:
            code = str(first.get("error") or "101")
        reason = str(first.get("error_text") or SEVEN_CODES.get(code, "unknown answer"))
        if code == DUPLICATE:
            # The reload lock means this very SMS already went out (at-least-once, D15).
            return Delivery(provider=PROVIDER, provider_message_id=None, detail=reason)
        if code in NO_CREDIT:
            raise ChannelPausedError(reason, provider=PROVIDER, code=code)
        if code in TRANSIENT:
            raise TransientTransportError(reason, provider=PROVIDER, code=code)
        raise PermanentTransportError(reason, provider=PROVIDER, code=code or None)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        # The legacy API answers a bare code ("100", "900") when JSON was not asked for.
        return {"success": response.text.strip()}
    if isinstance(body, int | str):
        return {"success": str(body)}
    if not isinstance(body, dict):
        raise TransientTransportError("gateway sent an unreadable answer", provider=PROVIDER)
    return body
