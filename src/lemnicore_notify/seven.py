"""SMS through seven.io (D12, D15): ``sms+seven://API_KEY@gateway.seven.io?from=Praxis``.

``POST /api/sms`` with the key in the ``X-Api-Key`` header. seven answers HTTP 200 with a
JSON ``success`` *code* even when sending failed, so the body is always parsed; what each
code means for the dispatcher is the table :data:`SEVEN_CODES`. The idempotency key goes
out as ``foreign_id``. seven does *not* de-duplicate by it (it only refuses an identical
recipient + text within 180 s, code 402); after a crash the dispatcher asks seven's
outbound journal for the ``foreign_id`` instead of sending blindly again (D15).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

import attrs
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
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.http import (
    HttpTransport,
    describe_unexpected_body,
    get_query,
    post_form,
    raise_if_server_trouble,
    text_or_none,
)
from lemnicore_notify.sms import prepare_sms
from lemnicore_notify.urls import TransportURL

SCHEME = "sms+seven"
PROVIDER = "seven.io"
MAX_TEXT = 1520

OK = "100"
DUPLICATE = "402"


@attrs.frozen
class SevenCode:
    """One documented ``success`` code of ``POST /api/sms`` and what it means for the
    dispatcher (D15): ``transient`` (retry with backoff), ``permanent`` (record as failed)
    or ``pause`` (the account cannot send at all: pause the channel, report, keep the
    message)."""

    meaning: str
    outcome: str


# seven's documented return codes (docs.seven.io "SMS return codes"; the official PHP
# client's StatusCode constants name the same set).
SEVEN_CODES: dict[str, SevenCode] = {
    "11": SevenCode("SMS carrier temporarily not available", "transient"),
    "101": SevenCode("sending to at least one recipient failed", "permanent"),
    "201": SevenCode("invalid sender or country code", "permanent"),
    "202": SevenCode("invalid recipient number", "permanent"),
    "300": SevenCode("no authentication given: check the API key", "pause"),
    "301": SevenCode("recipient (to) missing", "permanent"),
    "304": SevenCode("message type missing", "permanent"),
    "305": SevenCode("text missing", "permanent"),
    "306": SevenCode("invalid sender: check the URL's from= option", "pause"),
    "401": SevenCode("text too long", "permanent"),
    "402": SevenCode("duplicate: the same SMS was sent within the 180 s reload lock", "sent"),
    "403": SevenCode("daily limit for this recipient number reached", "transient"),
    "500": SevenCode("not enough credit", "pause"),
    "600": SevenCode("carrier delivery failed", "transient"),
    "700": SevenCode("unknown error", "transient"),
    "900": SevenCode("authentication failed: check the API key", "pause"),
    "901": SevenCode("signature hash verification failed", "pause"),
    "902": SevenCode("API key has no access to this endpoint", "pause"),
    "903": SevenCode("server IP not allowed for this API key", "pause"),
}

_LABEL = re.compile(r"^[A-Za-z0-9.\-_@]{1,100}$")
_FOREIGN_ID = re.compile(r"^[A-Za-z0-9.\-_@]{1,64}$")
_ALPHA_SENDER = re.compile(r"^[A-Za-z0-9 .\-]{1,11}$")
_NUMERIC_SENDER = re.compile(r"^\+?[0-9]{1,16}$")
_BARE_CODE = re.compile(r"^[0-9]{2,3}$")
JOURNAL_PAGE = 100
JOURNAL_PAGES = 10


def seven_foreign_id(idempotency_key: str) -> str:
    """The ``foreign_id`` sent for a key: the key itself if seven accepts it (≤ 64 of
    ``A-Z a-z 0-9 . - _ @``), else its SHA-256 in hex — stable, so a retry sends the same."""
    if _FOREIGN_ID.match(idempotency_key):
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()


class SevenSmsTransport(HttpTransport):
    """SMS over seven.io. Options: ``from`` (sender, ≤ 11 letters/digits or ≤ 16 digits),
    ``region``, ``max_segments``, ``timeout``, ``base_url`` (tests), ``label`` (≤ 100 of
    ``A-Z a-z 0-9 . - _ @``, seven's pattern)."""

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
        self._label = url.options.get("label")
        if self._label is not None and not _LABEL.match(self._label):
            raise ValidationError(
                "url", f"label={self._label!r}: ≤ 100 of A-Z a-z 0-9 . - _ @ (seven's pattern)"
            )

    @property
    def _headers(self) -> dict[str, str]:
        return {"X-Api-Key": self._api_key, "Accept": "application/json"}

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
        if self._label is not None:
            form["label"] = self._label
        response = post_form(
            self._client, "/api/sms", provider=PROVIDER, data=form, headers=self._headers
        )
        raise_if_server_trouble(
            response, provider=PROVIDER, reason=f"gateway answered HTTP {response.status_code}"
        )
        if response.status_code in {401, 403}:
            raise ChannelPausedError(
                f"gateway refused the API key (HTTP {response.status_code})",
                provider=PROVIDER,
                code=str(response.status_code),
            )
        if response.status_code != 200:
            raise PermanentTransportError(
                f"gateway answered HTTP {response.status_code}",
                provider=PROVIDER,
                code=str(response.status_code),
            )
        return self._delivery(response, draft.segments.segments)

    def _delivery(self, response: httpx.Response, parts: int) -> Delivery:
        body = _answer(response)
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
        raise_for_code(code, str(first.get("error_text") or ""))
        # Only the reload lock gets here: the identical SMS to this number went out less
        # than 180 s ago, so the client has it (at-least-once, D15).
        return Delivery(
            provider=PROVIDER, provider_message_id=None, detail=SEVEN_CODES[code].meaning
        )

    def _check(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        """D15: look the message up in seven's outbound journal.

        ``GET /api/journal/outbound`` filters by recipient (``to``) and day
        (``date_from``, ``Y-m-d``), at most 100 entries a page (``limit``/``offset``);
        each entry carries the ``foreign_id`` sent with it. seven has no filter by
        ``foreign_id``, so the pages of that recipient since the day before the attempt
        are read and matched by it.
        """
        draft = prepare_sms(message, self._url, provider=PROVIDER, max_chars=MAX_TEXT)
        wanted = seven_foreign_id(message.idempotency_key)
        params = {
            "to": draft.to,
            "date_from": (since - timedelta(days=1)).date().isoformat(),
            "limit": str(JOURNAL_PAGE),
        }
        for page in range(JOURNAL_PAGES):
            response = get_query(
                self._client,
                "/api/journal/outbound",
                provider=PROVIDER,
                params={**params, "offset": str(page * JOURNAL_PAGE)},
                headers=self._headers,
            )
            entries = _journal(response)
            for entry in entries:
                if str(entry.get("foreign_id") or "") == wanted:
                    return HandOverCheck(
                        HandOver.DONE,
                        Delivery(
                            provider=PROVIDER,
                            provider_message_id=text_or_none(entry.get("id")),
                            detail="found in seven's journal after an interrupted dispatch",
                        ),
                        detail=f"seven's journal lists it (id {entry.get('id')})",
                    )
            if len(entries) < JOURNAL_PAGE:
                return HandOverCheck(
                    HandOver.NOT_DONE,
                    detail="seven's journal has no SMS with this foreign_id for the number",
                )
        return HandOverCheck(
            HandOver.UNKNOWN,
            detail=f"more than {JOURNAL_PAGE * JOURNAL_PAGES} journal entries for the number",
        )


def raise_for_code(code: str, error_text: str = "") -> None:
    """Raise the D15 error class for a seven ``success`` code (see :data:`SEVEN_CODES`);
    return for the reload lock (402), which means the identical SMS went out already."""
    known = SEVEN_CODES.get(code)
    reason = error_text or (known.meaning if known else "unknown answer")
    outcome = known.outcome if known else "permanent"
    if outcome == "sent":
        return
    if outcome == "pause":
        raise ChannelPausedError(reason, provider=PROVIDER, code=code)
    if outcome == "transient":
        raise TransientTransportError(reason, provider=PROVIDER, code=code)
    raise PermanentTransportError(reason, provider=PROVIDER, code=code or None)


def _answer(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        # The legacy API answers a bare code ("100", "900") when JSON was not asked for;
        # anything else (a proxy's HTML page with HTTP 200) is not seven speaking.
        text = response.text.strip()
        if _BARE_CODE.match(text):
            return {"success": text}
        raise TransientTransportError(
            describe_unexpected_body(response), provider=PROVIDER, code="unreadable"
        ) from None
    if isinstance(body, int) or (isinstance(body, str) and _BARE_CODE.match(body)):
        return {"success": str(body)}
    if not isinstance(body, dict):
        raise TransientTransportError(
            describe_unexpected_body(response), provider=PROVIDER, code="unreadable"
        )
    return body


def _journal(response: httpx.Response) -> list[dict[str, Any]]:
    if response.status_code in {401, 403}:
        raise ChannelPausedError(
            f"journal refused the API key (HTTP {response.status_code})",
            provider=PROVIDER,
            code=str(response.status_code),
        )
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, list):
        return [entry for entry in body if isinstance(entry, dict)]
    if isinstance(body, int | str) and str(body) in SEVEN_CODES:
        raise_for_code(str(body))
    raise TransientTransportError(
        describe_unexpected_body(response), provider=PROVIDER, code="unreadable"
    )
