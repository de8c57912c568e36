"""What the HTTP transports share: one reused ``httpx.Client`` per transport, timeouts,
the loopback ``base_url`` override for tests, and the classification of failures that
happen before a provider answers (D15).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import TransientTransportError
from lemnicore_notify.urls import TransportURL

DEFAULT_TIMEOUT = 10.0


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
    except httpx.TimeoutException as exc:
        reason = f"timed out ({type(exc).__name__})"
    except httpx.TransportError as exc:
        reason = f"could not reach the provider ({type(exc).__name__})"
    raise TransientTransportError(reason, provider=provider) from None


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
