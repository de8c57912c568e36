"""What the HTTP transports share (D12, D15): the :class:`HttpTransport` base (URL,
channels, masked URL, logged sends, closing), one reused ``httpx.Client`` per transport,
timeouts, the loopback ``base_url`` override for tests, and the classification of
failures that happen before a provider answers.

A provider module (seven, Twilio, Threema) then holds only what differs: how its URL's
credentials look (``_configure``) and how one message goes over its wire (``_send``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import ClassVar, Self
from urllib.parse import urlsplit

import httpx

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    Delivery,
    HandOver,
    HandOverCheck,
    OutgoingMessage,
    TransientTransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.outcome_log import logged_send
from lemnicore_notify.urls import TransportURL

DEFAULT_TIMEOUT = 10.0
ANSWER_LOST = "answer-lost"
"""The code of a transient error after which the provider may have the message: the
request went out, the answer did not come back (a read timeout, a dropped connection)."""


def base_url_for(url: TransportURL, default_https: str) -> str:
    """The provider's base URL: ``https://`` + the URL's host, or ``?base_url=`` if given.

    The override exists for loopback fakes and staging gateways; plain ``http://`` is
    accepted only for loopback hosts, so credentials never cross a network unencrypted.
    """
    override = url.options.get("base_url")
    if override is None:
        host = url.host or default_https
        port = f":{url.port}" if url.port else ""
        return f"https://{host}{port}"
    parts = urlsplit(override)
    if parts.scheme == "http" and not _is_loopback(parts.hostname or ""):
        raise ValidationError(
            "url", f"base_url {override!r} must use https:// unless it points at loopback"
        )
    if parts.scheme not in {"http", "https"}:
        raise ValidationError("url", f"base_url {override!r} must be an http(s) URL")
    return override.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_client(url: TransportURL, base_url: str) -> httpx.Client:
    """One pooled client per transport, so consecutive sends reuse the connection."""
    timeout = url.number("timeout", DEFAULT_TIMEOUT)
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_keepalive_connections=4, max_connections=8),
        headers={"User-Agent": "lemnicore-notify"},
        follow_redirects=False,
    )


def _unreachable(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"could not reach the provider ({type(exc).__name__})"


def get_query(
    client: httpx.Client,
    path: str,
    *,
    provider: str,
    params: Mapping[str, str],
    headers: Mapping[str, str] | None = None,
    auth: tuple[str | bytes, str | bytes] | None = None,
) -> httpx.Response:
    """GET with query parameters (a provider's journal or message list, D15).

    Network trouble, 429 and 5xx become transient errors ("ask again later"); the
    caller reads every other answer itself.
    """
    try:
        response = client.get(
            path,
            # httpx drops a path's own query when given empty params (a next_page_uri)
            params=dict(params) or None,
            headers=headers,
            auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth,
        )
    except httpx.TransportError as exc:
        raise TransientTransportError(_unreachable(exc), provider=provider) from None
    raise_if_server_trouble(
        response, provider=provider, reason=f"lookup answered HTTP {response.status_code}"
    )
    return response


def describe_unexpected_body(response: httpx.Response) -> str:
    """A short reason for an answer that is not the provider's format — never the body
    itself: a proxy's maintenance page can be kilobytes of HTML (D15)."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    start = response.content[:256].lstrip().lower()
    if kind == "text/html" or start.startswith((b"<!doctype", b"<html", b"<")):
        what = "an HTML page (a proxy or maintenance page?)"
    elif not response.content.strip():
        what = "an empty body"
    else:
        what = f"an unreadable body ({kind or 'no content type'}, {len(response.content)} bytes)"
    return f"HTTP {response.status_code} with {what} instead of the provider's answer"


def post_form(
    client: httpx.Client,
    path: str,
    *,
    provider: str,
    data: Mapping[str, str],
    headers: Mapping[str, str] | None = None,
    auth: tuple[str | bytes, str | bytes] | None = None,
) -> httpx.Response:
    """POST a form; connection failures and timeouts become transient errors (D15).

    The httpx exception is not chained: its text and its request may carry the URL and
    headers, and an exception's cause is printed with tracebacks and logs.
    """
    try:
        return client.post(
            path,
            data=dict(data),
            headers=headers,
            auth=httpx.USE_CLIENT_DEFAULT if auth is None else auth,
        )
    except httpx.TransportError as exc:
        lost = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        raise TransientTransportError(
            _unreachable(exc) + ("; the request may have arrived" if lost else ""),
            provider=provider,
            code=ANSWER_LOST if lost else None,
        ) from None


def retry_after_seconds(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """The ``Retry-After`` header in seconds: delta-seconds or an HTTP date."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def raise_if_server_trouble(response: httpx.Response, *, provider: str, reason: str) -> None:
    """Raise a transient error for 429 and 5xx answers (D15)."""
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientTransportError(
            reason,
            provider=provider,
            code=str(response.status_code),
            retry_after=retry_after_seconds(response.headers),
        )


def text_or_none(value: object) -> str | None:
    """A provider's id field as text; ``None`` stays ``None``."""
    return None if value is None else str(value)


class HttpTransport:
    """A transport that talks to an HTTP gateway (D12): the port's boilerplate, once.

    Subclasses set ``scheme``, ``provider``, ``default_host`` and ``carries``, check their
    URL in :meth:`_configure` (before any connection is opened) and send one message in
    :meth:`_send`. Everything shown — ``repr``, log lines — uses the masked URL only.
    """

    scheme: ClassVar[str]
    provider: ClassVar[str]
    default_host: ClassVar[str]
    carries: ClassVar[frozenset[Channel]]

    def __init__(self, url: str) -> None:
        self._url = TransportURL.parse(url, schemes=frozenset({self.scheme}))
        self._configure(self._url)
        self._answer_lost: dict[str, datetime] = {}
        self._client = make_client(self._url, base_url_for(self._url, self.default_host))

    def _configure(self, url: TransportURL) -> None:
        """Read credentials and options from ``url``; raise ``ValidationError("url", …)``."""

    @classmethod
    def from_url(cls, url: str) -> Self:
        return cls(url)

    @property
    def channels(self) -> frozenset[Channel]:
        return self.carries

    @property
    def masked_url(self) -> str:
        return self._url.masked

    def send(self, message: OutgoingMessage) -> Delivery:
        """D15: hand ``message`` to the gateway, or raise a transport error (logged).

        When an earlier attempt for the same key lost its answer (:data:`ANSWER_LOST`),
        the provider is asked first (``check_handover``) and a message it already has is
        not sent again.
        """
        return logged_send(self._url.masked, message, self._send_unless_arrived)

    def _send_unless_arrived(self, message: OutgoingMessage) -> Delivery:
        key = message.idempotency_key
        began = self._answer_lost.get(key)
        if began is not None:
            check = self._check(message, began)
            if check.status is HandOver.DONE and check.delivery is not None:
                del self._answer_lost[key]
                return check.delivery
        attempt = datetime.now(UTC)
        try:
            delivery = self._send(message)
        except TransientTransportError as exc:
            if exc.code == ANSWER_LOST:
                self._answer_lost.setdefault(key, attempt)
            raise
        self._answer_lost.pop(key, None)
        return delivery

    def _send(self, message: OutgoingMessage) -> Delivery:  # pragma: no cover - abstract
        raise NotImplementedError

    def check_handover(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        """D15: after a crash, ask the provider whether ``message`` reached it (see
        :class:`~lemnicore.notifications.transport.ReconcilingTransport`)."""
        return self._check(message, since.astimezone(UTC))

    def _check(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        """The default for a gateway without a way to ask: ``UNKNOWN``."""
        return HandOverCheck(
            HandOver.UNKNOWN,
            detail=f"{self.provider} offers no way to ask whether a message arrived",
        )

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url.masked!r})"
