"""A faithful fake of the eTermin REST API, served over loopback (127.0.0.1, port 0).

It checks every request's signature exactly as eTermin does (401 otherwise), answers JSON
only when asked with ``Accept: application/json`` (XML otherwise), honours the documented
parameters (``start``/``end`` as ``yyyy-mm-dd`` with ``end`` exclusive, comma-separated
``calendarid``, ``email``/``cid`` on contacts), and can be told to fail: ``fail_next(3,
status=429)`` makes the next three requests fail.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import attrs

from lemnicore_etermin.api import sign
from lemnicore_etermin.testing.account import EterminAccount, Record, field


@attrs.define
class RequestSeen:
    """One request the fake answered (keys and signatures are not kept)."""

    resource: str
    params: dict[str, str]
    salt: str
    status: int


@attrs.define
class _Failure:
    remaining: int
    status: int
    retry_after: str | None
    resource: str | None


class FakeEterminServer:
    """``with FakeEterminServer(account) as fake: EterminClient(..., base_url=fake.base_url)``."""

    def __init__(self, account: EterminAccount) -> None:
        self.account = account
        self.requests: list[RequestSeen] = []
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.before_response: Callable[[str], None] | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake eTermin server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def fail_next(
        self,
        times: int,
        *,
        status: int = 500,
        retry_after: str | None = None,
        resource: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests (of ``resource``, or any) with ``status``."""
        with self._lock:
            self._failures.append(_Failure(times, status, retry_after, resource))

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: tests read ``fake.requests`` instead."""

            def do_GET(self) -> None:
                fake._answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.02),
            name="fake-etermin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- answering -----------------------------------------------------------------------

    def _scripted_failure(self, resource: str) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.remaining > 0 and failure.resource in (None, resource):
                    failure.remaining -= 1
                    return failure
        return None

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        resource = url.path.rstrip("/").rsplit("/", 1)[-1].lower()
        params = {k.lower(): v[-1] for k, v in parse_qs(url.query).items()}
        salt = request.headers.get("salt", "")
        expected = sign(self.account.private_key, salt) if salt else None
        authorised = (
            request.headers.get("publickey") == self.account.public_key
            and expected is not None
            and request.headers.get("signature") == expected
        )
        status, body, content_type, headers = 200, b"", "application/json", {}
        if not url.path.lower().startswith("/api/") or url.path.count("/") != 2:
            # Like the real service: only /api/<resource> exists (a wrong base URL 404s).
            status, body = 404, b'{"error": "not found"}'
        elif not authorised:
            status, body = 401, b'{"error": "invalid signature"}'
        elif (failure := self._scripted_failure(resource)) is not None:
            status, body = failure.status, b'{"error": "scripted failure"}'
            if failure.retry_after is not None:
                headers["Retry-After"] = failure.retry_after
        else:
            try:
                records = self._records(resource, params)
            except LookupError as exc:
                status, body = 404, json.dumps({"error": str(exc)}).encode()
            except ValueError as exc:
                status, body = 400, json.dumps({"error": str(exc)}).encode()
            else:
                if "application/json" in request.headers.get("Accept", ""):
                    body = json.dumps(records, ensure_ascii=False).encode()
                else:
                    content_type, body = "application/xml", b"<ArrayOfRecord/>"
        with self._lock:
            self.requests.append(RequestSeen(resource, params, salt, status))
        if self.before_response is not None:
            self.before_response(resource)
        request.send_response(status)
        request.send_header("Content-Type", f"{content_type}; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def _records(self, resource: str, params: dict[str, str]) -> list[Record]:
        account = self.account
        match resource:
            case "calendar":
                wanted = _id_set(params.get("calendarid"))
                return [
                    c for c in account.calendars if wanted is None or str(c["CalendarID"]) in wanted
                ]
            case "appointment":
                start, end = _required_day(params, "start"), _required_day(params, "end")
                return account.appointments_between(start, end, _id_set(params.get("calendarid")))
            case "appointmentdeleted":
                start, end = _required_day(params, "start"), _required_day(params, "end")
                return [
                    d for d in account.deleted if start <= str(field(d, "DeletionDate"))[:10] < end
                ]
            case "contact":
                email, cid = params.get("email"), params.get("cid")
                return [
                    c
                    for c in account.contacts
                    if (email is None or str(field(c, "Email") or "").lower() == email.lower())
                    and (cid is None or str(field(c, "CID")) == cid)
                ]
            case _:
                raise LookupError(f"no such resource: {resource}")


def _id_set(value: str | None) -> set[str] | None:
    return None if not value else {v.strip() for v in value.split(",") if v.strip()}


def _required_day(params: dict[str, str], name: str) -> str:
    value = params.get(name, "")
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueError(f"{name} must be yyyy-mm-dd, got {value!r}")
    return value
