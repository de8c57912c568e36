"""E1: the eTermin REST API client (httpx).

Authentication: every request carries ``publickey``, a fresh random ``salt`` and
``signature`` = Base64(HMAC-SHA256(key=private key, message=salt)). The keys live only in
this object's memory for the run: they are never written anywhere, never logged, and never
appear in a ``repr`` or an exception message. :meth:`EterminClient.close` forgets them.

Long date ranges are fetched a month at a time with a few requests in flight, and 429/5xx
answers and timeouts are retried with capped exponential backoff and full jitter, honouring
``Retry-After`` — eTermin documents no rate limits, so the client must be polite on its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from lemnicore_etermin.errors import EterminAuthError, EterminError, EterminUnavailableError

DEFAULT_BASE_URL = "https://www.etermin.net/api/"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 300.0

Record = dict[str, Any]


def sign(private_key: str, salt: str) -> str:
    """The ``signature`` header: Base64(HMAC-SHA256(key=private key, message=salt))."""
    digest = hmac.new(private_key.encode(), salt.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def month_chunks(start: date, end: date) -> list[tuple[date, date]]:
    """Split the half-open range [start, end) at month starts: [(start, end), …]."""
    chunks: list[tuple[date, date]] = []
    current = start
    while current < end:
        following = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        chunks.append((current, min(following, end)))
        current = following
    return chunks


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or HTTP-date); ``None`` if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def checked_base_url(base_url: str) -> str:
    """The API base URL with a trailing slash; a malformed one is refused, naming it."""
    try:
        url = httpx.URL(base_url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise EterminError(f"not a usable eTermin API base URL: {base_url!r} ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise EterminError(
            f"not a usable eTermin API base URL: {base_url!r}"
            f" (expected http(s)://host/api/, e.g. {DEFAULT_BASE_URL})"
        )
    text = str(url)
    return text if text.endswith("/") else text + "/"


class _Keys:
    """The key pair, kept out of every ``repr`` and message."""

    __slots__ = ("private", "public")

    def __init__(self, public: str, private: str) -> None:
        if not public.strip() or not private.strip():
            raise EterminAuthError("both the public and the private eTermin API key are needed")
        self.public = public.strip()
        self.private = private.strip()

    def __repr__(self) -> str:
        return "<eTermin API keys (hidden)>"

    def __reduce__(self) -> Any:
        raise TypeError("eTermin API keys cannot be pickled or copied")


class EterminClient:
    """Read access to one eTermin account (E1).

    ``transport`` lets tests inject an ``httpx.MockTransport``; ``sleep`` and ``rng`` make
    the backoff testable without waiting.
    """

    def __init__(
        self,
        public_key: str,
        private_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        concurrency: int = 4,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = checked_base_url(base_url)
        self._keys: _Keys | None = _Keys(public_key, private_key)
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.concurrency = max(1, concurrency)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.requests_made = 0
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            headers={"Accept": "application/json"},
            limits=httpx.Limits(max_connections=self.concurrency * 2),
        )

    def __repr__(self) -> str:
        return f"EterminClient(base_url={self.base_url!r}, keys=hidden)"

    def __enter__(self) -> EterminClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close connections and forget the keys."""
        self._keys = None
        self._http.close()

    # -- the signed GET with retries ------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        if self._keys is None:
            raise EterminError("this eTermin client is closed (its keys are forgotten)")
        salt = uuid.uuid4().hex  # fresh per request, although eTermin seems to accept reuse
        return {
            "publickey": self._keys.public,
            "salt": salt,
            "signature": sign(self._keys.private, salt),
        }

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_S)
        # Full jitter: spreads out retries of the parallel month requests.
        return self._rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def get(self, resource: str, params: Mapping[str, str] | None = None) -> list[Record]:
        """GET ``/api/<resource>`` and return its JSON records (a list, even for one)."""
        where = f"GET {self.base_url}{resource}"
        last_problem = ""
        for attempt in range(self.max_attempts):
            retry_after: float | None = None
            try:
                response = self._http.get(
                    resource, params=dict(params or {}), headers=self._headers()
                )
                self.requests_made += 1
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                # A malformed URL stays malformed: no retry helps (and none is made).
                raise EterminError(f"{where}: not a usable URL ({exc})") from None
            except httpx.TimeoutException:
                last_problem = "timed out"
            except httpx.TransportError as exc:
                last_problem = f"connection failed ({type(exc).__name__})"
            else:
                status = response.status_code
                if status in (401, 403):
                    raise EterminAuthError(
                        f"{where}: eTermin refused the API keys (HTTP {status}); check the"
                        " public and private key in the eTermin dashboard"
                    )
                if status in RETRY_STATUSES:
                    last_problem = f"HTTP {status}"
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                elif status == 404:
                    raise EterminError(
                        f"{where}: HTTP 404 (not found): is {self.base_url!r} the eTermin API"
                        " base URL? (default: " + DEFAULT_BASE_URL + ")"
                    )
                elif status >= 400:
                    raise EterminError(f"{where}: HTTP {status}: {response.text[:200]}")
                else:
                    return _records(response, where)
            if attempt + 1 < self.max_attempts:
                self._sleep(self._backoff(attempt, retry_after))
        raise EterminUnavailableError(
            f"{where}: gave up after {self.max_attempts} attempts (last: {last_problem})"
        )

    # -- the endpoints an import needs ----------------------------------------------------

    def calendars(self) -> list[Record]:
        """``GET /api/calendar``: the account's calendars (E1)."""
        return self.get("calendar")

    def contacts(self) -> list[Record]:
        """``GET /api/contact``: every contact of the account."""
        return self.get("contact")

    def appointments(
        self, start: date, end: date, calendar_ids: Sequence[str] = ()
    ) -> list[Record]:
        """``GET /api/appointment`` for [start, end) (``end`` is exclusive, as in eTermin)."""
        params = {"start": start.isoformat(), "end": end.isoformat()}
        if calendar_ids:
            params["calendarid"] = ",".join(calendar_ids)
        return self.get("appointment", params)

    def deleted_appointments(self, start: date, end: date) -> list[Record]:
        """``GET /api/appointmentdeleted`` for deletions in [start, end)."""
        return self.get("appointmentdeleted", {"start": start.isoformat(), "end": end.isoformat()})

    def appointments_by_month(
        self, start: date, end: date, calendar_ids: Sequence[str] = ()
    ) -> Iterator[tuple[tuple[date, date], list[Record]]]:
        """E6: [start, end) a month per request, a few in flight; yields chunks in order."""
        yield from self._by_month(lambda a, b: self.appointments(a, b, calendar_ids), start, end)

    def deleted_by_month(
        self, start: date, end: date
    ) -> Iterator[tuple[tuple[date, date], list[Record]]]:
        """Deleted appointments, a month of deletion dates per request."""
        yield from self._by_month(self.deleted_appointments, start, end)

    def _by_month(
        self, fetch: Callable[[date, date], list[Record]], start: date, end: date
    ) -> Iterator[tuple[tuple[date, date], list[Record]]]:
        chunks = iter(month_chunks(start, end))
        # A bounded window of requests in flight: results come back in order, and the caller
        # converts and drops each month's raw records before many more pile up in memory.
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="etermin") as pool:
            pending: deque[tuple[tuple[date, date], Future[list[Record]]]] = deque()
            for chunk in chunks:
                pending.append((chunk, pool.submit(fetch, *chunk)))
                if len(pending) >= self.concurrency:
                    break
            while pending:
                chunk, future = pending.popleft()
                records = future.result()
                following = next(chunks, None)
                if following is not None:
                    pending.append((following, pool.submit(fetch, *following)))
                yield chunk, records


def _records(response: httpx.Response, where: str) -> list[Record]:
    try:
        body = response.json()
    except ValueError as exc:
        kind = response.headers.get("content-type", "?")
        raise EterminError(f"{where}: expected JSON, got {kind}") from exc
    if body is None:
        return []
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list) and all(isinstance(r, dict) for r in body):
        return body
    raise EterminError(f"{where}: expected a JSON list of records")
