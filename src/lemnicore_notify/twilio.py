"""SMS through Twilio (D12, D15): ``sms+twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=+49…``.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` with HTTP Basic auth; success is
``201`` with the message ``sid``; errors are JSON ``code``/``message``, read through the
table :data:`TWILIO_CODES`. Twilio takes no idempotency key for this call; after a crash
between sending and recording the dispatcher asks Twilio's message list (``GET
Messages.json`` filtered by ``To`` and ``From``) whether the SMS is there (D15).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    ChannelPausedError,
    Delivery,
    HandOver,
    HandOverCheck,
    OutgoingMessage,
    PermanentTransportError,
    TransientTransportError,
    TransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.addresses import normalise_phone
from lemnicore_notify.http import (
    HttpTransport,
    describe_unexpected_body,
    get_query,
    post_form,
    retry_after_seconds,
    text_or_none,
)
from lemnicore_notify.sms import prepare_sms
from lemnicore_notify.urls import TransportURL

SCHEME = "sms+twilio"
PROVIDER = "twilio"
MAX_TEXT = 1600
LIST_PAGES = 10
CLOCK_SKEW = timedelta(minutes=5)
"""How far Twilio's ``date_created`` may lag behind our clock and still be our attempt."""

# Twilio error codes (twilio.com/docs/api/errors) and what they mean for the dispatcher
# (D15); any other 4xx code is permanent, 429 and 5xx are transient.
TWILIO_CODES: dict[str, str] = {
    "20003": "pause",  # Authenticate: wrong account SID or auth token
    "20005": "pause",  # account not active (suspended or closed)
    "20429": "transient",  # too many requests
    "21611": "transient",  # the From number's queue is full: Twilio says retry later
    "30001": "transient",  # queue overflow
    "21211": "permanent",  # invalid To number
    "21408": "permanent",  # region not enabled for the To number
    "21610": "permanent",  # the recipient unsubscribed (STOP)
    "21614": "permanent",  # To is not a mobile number
    "21617": "permanent",  # body longer than 1600 characters
}

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
        """D15: send one SMS; see :data:`TWILIO_CODES` for what each refusal means."""
        draft = prepare_sms(message, self._url, provider=PROVIDER, max_chars=MAX_TEXT)
        response = post_form(
            self._client,
            self._messages_path,
            provider=PROVIDER,
            data={"To": draft.to, self._sender_field: self._sender, "Body": draft.text},
            auth=(self._sid, self._token),
        )
        body = _json(response)
        if response.status_code in {200, 201} and body.get("sid"):
            return Delivery(
                provider=PROVIDER,
                provider_message_id=text_or_none(body.get("sid")),
                detail=f"{body.get('status', 'queued')}, {body.get('num_segments', '?')} part(s)",
            )
        if not body:
            raise TransientTransportError(
                describe_unexpected_body(response),
                provider=PROVIDER,
                code="unreadable",
                retry_after=retry_after_seconds(response.headers),
            )
        raise twilio_error(response, body)

    @property
    def _messages_path(self) -> str:
        return f"/2010-04-01/Accounts/{self._sid}/Messages.json"

    def _check(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        """D15: look the SMS up in Twilio's message list.

        ``GET Messages.json?To=…&From=…`` lists the account's messages to that number,
        newest first, in pages (``next_page_uri``). A message counts as ours when its
        body is our text and Twilio created it at or after the attempt began (less a
        few minutes of clock skew). ``DateSent`` is deliberately not used as a filter: a
        message still waiting in Twilio's queue has no ``date_sent`` yet.
        """
        draft = prepare_sms(message, self._url, provider=PROVIDER, max_chars=MAX_TEXT)
        params = {"To": draft.to, "PageSize": "50"}
        if self._sender_field == "From":
            params["From"] = self._sender
        path: str | None = self._messages_path
        earliest = since - CLOCK_SKEW
        for _ in range(LIST_PAGES):
            if path is None:
                break
            response = get_query(
                self._client, path, provider=PROVIDER, params=params, auth=(self._sid, self._token)
            )
            body = _json(response)
            if response.status_code != 200:
                raise twilio_error(response, body)
            older = False
            for entry in body.get("messages") or []:
                created = _twilio_time(entry.get("date_created"))
                if created is not None and created < earliest:
                    older = True
                    continue
                if entry.get("body") == draft.text and entry.get("direction", "outbound-api") != (
                    "inbound"
                ):
                    status = entry.get("status", "?")
                    return HandOverCheck(
                        HandOver.DONE,
                        Delivery(
                            provider=PROVIDER,
                            provider_message_id=text_or_none(entry.get("sid")),
                            detail=f"found in Twilio's message list ({status})",
                        ),
                        detail=f"Twilio's message list has it ({status})",
                    )
            next_page = body.get("next_page_uri")
            if older or not next_page:
                return HandOverCheck(
                    HandOver.NOT_DONE,
                    detail="Twilio's message list has no such SMS to the number since the attempt",
                )
            path, params = str(next_page), {}
        return HandOverCheck(
            HandOver.UNKNOWN,
            detail=f"more than {LIST_PAGES} pages of messages to the number since the attempt",
        )


def twilio_error(response: httpx.Response, body: dict[str, Any]) -> TransportError:
    """The D15 error for a refused request: :data:`TWILIO_CODES`, then the HTTP status."""
    code = text_or_none(body.get("code")) or str(response.status_code)
    reason = str(body.get("message") or f"HTTP {response.status_code}")
    outcome = TWILIO_CODES.get(code)
    if outcome is None:
        transient = response.status_code == 429 or response.status_code >= 500
        outcome = "transient" if transient else "permanent"
        if response.status_code == 401:
            outcome = "pause"
    if outcome == "pause":
        return ChannelPausedError(reason, provider=PROVIDER, code=code)
    if outcome == "transient":
        return TransientTransportError(
            reason, provider=PROVIDER, code=code, retry_after=retry_after_seconds(response.headers)
        )
    return PermanentTransportError(reason, provider=PROVIDER, code=code)


def _twilio_time(value: object) -> datetime | None:
    """Twilio's RFC 2822 dates (``Tue, 05 May 2026 08:00:00 +0000``)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}
