"""Faithful fake SMS and Threema gateways on loopback (D12, D15).

Each fake is a real HTTP server (stdlib ``ThreadingHTTPServer`` on ``127.0.0.1``, a free
port) speaking the provider's documented protocol: it checks credentials, required
parameters and lengths, answers with the documented success and error bodies and status
codes, and records what it accepted. Tests can script failures::

    with FakeSevenGateway() as seven:
        seven.fail_next(500, times=2)       # HTTP 500 twice, then normal service
        seven.reject_next("500")            # seven's own "no credit" code (HTTP 200)
        transport = SevenSmsTransport(seven.transport_url())

``fail_next`` scripts an HTTP-level failure (the gateway itself in trouble);
``reject_next`` scripts the provider's documented refusal for one of its own codes.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import socket
import threading
from collections import deque
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self, cast
from urllib.parse import parse_qsl, quote, urlsplit

import attrs

from lemnicore_notify.sms_text import SmsEncoding, count_segments


@attrs.frozen
class FakeRequest:
    """One HTTP request as the fake received it (for asserting what went over the wire)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    form: Mapping[str, str]


@attrs.frozen
class FakeAnswer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def json(cls, status: int, data: object, **headers: str) -> FakeAnswer:
        return cls(status, json.dumps(data).encode(), "application/json", headers)

    @classmethod
    def text(cls, status: int, text: str, **headers: str) -> FakeAnswer:
        return cls(status, text.encode(), "text/plain; charset=utf-8", headers)


@attrs.frozen
class ReceivedMessage:
    """A message the fake provider accepted for delivery."""

    provider: str
    to: str
    text: str
    sender: str
    message_id: str
    foreign_id: str | None = None
    segments: int = 1
    encoding: str = "gsm"


class FakeGateway:
    """The shared machinery: a loopback server, a failure script, records."""

    provider: ClassVar[str] = ""

    def __init__(self) -> None:
        self.received: list[ReceivedMessage] = []
        self.requests: list[FakeRequest] = []
        self.connections = 0
        self._script: deque[FakeAnswer] = deque()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> Self:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            # A short poll interval keeps stop() (and so every test's teardown) quick.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fake-{self.provider}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the fake {self.provider} gateway is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting ---------------------------------------------------------------
    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` requests with HTTP ``status`` (e.g. 500, 503, 429),
        with a ``Retry-After`` header if given, before serving normally again."""
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        answer = self._http_failure(status, headers)
        with self._lock:
            self._script.extend([answer] * times)

    def script(self, *answers: FakeAnswer) -> None:
        """Queue arbitrary answers (for cases ``fail_next``/``reject_next`` do not cover)."""
        with self._lock:
            self._script.extend(answers)

    def _http_failure(self, status: int, headers: dict[str, str]) -> FakeAnswer:
        return FakeAnswer.text(status, f"HTTP {status}", **headers)

    def _next_scripted(self) -> FakeAnswer | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    # -- protocol ----------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeAnswer:  # pragma: no cover - abstract
        raise NotImplementedError

    def _record(self, message: ReceivedMessage) -> None:
        with self._lock:
            self.received.append(message)


class _Server(ThreadingHTTPServer):
    fake: FakeGateway


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse the connection

    @property
    def fake(self) -> FakeGateway:
        return cast(_Server, self.server).fake

    def setup(self) -> None:
        super().setup()
        # Small answers on a kept-alive connection would otherwise wait for delayed ACKs.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.fake._lock:
            self.fake.connections += 1

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        request = FakeRequest(
            method=method,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            form=form,
        )
        with self.fake._lock:
            self.fake.requests.append(request)
        answer = self.fake._next_scripted() or self.fake.handle(request)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: test output stays readable (and request lines never reach logs)."""


# ---------------------------------------------------------------------------------
# seven.io
# ---------------------------------------------------------------------------------

_SEVEN_ERROR_TEXT = {
    "201": "Invalid country code",
    "202": "Invalid recipient",
    "300": "Missing authentication",
    "301": "Parameter to missing",
    "305": "Parameter text is missing",
    "306": "Invalid sender",
    "401": "Text too long",
    "402": "Reload lock",
    "500": "Not enough credits",
    "600": "Carrier delivery failed",
    "700": "Unknown error",
    "900": "Authentication failed",
    "902": "API key has no access rights to this endpoint",
    "903": "Server IP is wrong",
}
_DIGITS = re.compile(r"^\+?[0-9]{7,15}$")
_SEVEN_ALPHA = re.compile(r"^[A-Za-z0-9 .\-]{1,11}$")
_SEVEN_NUMERIC = re.compile(r"^\+?[0-9]{1,16}$")


class FakeSevenGateway(FakeGateway):
    """seven.io's ``POST /api/sms``: ``X-Api-Key`` auth, JSON ``success`` codes with
    HTTP 200, and ``foreign_id`` idempotency (a second request with a known
    ``foreign_id`` gets the first answer again and delivers nothing).

    ``credits`` counts SMS parts left (``None``: unlimited); at 0 the answer is code 500.
    """

    provider = "seven.io"

    def __init__(self, api_key: str = "seven-test-key", *, credits: int | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.credits = credits
        self._ids = itertools.count(77000000001)
        self._by_foreign_id: dict[str, FakeAnswer] = {}

    def transport_url(self, sender: str = "Praxis", **options: str) -> str:
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in {"from": sender, **options}.items())
        return f"sms+seven://{self.api_key}@gateway.seven.io?{query}&base_url={quote(self.base_url, safe='')}"

    def reject_next(self, code: str, *, times: int = 1) -> None:
        """Answer the next ``times`` requests with seven's code (``"500"`` no credit,
        ``"202"`` invalid recipient, ``"900"`` bad key, …) — as seven does, with HTTP 200."""
        self.script(*[self._code(code)] * times)

    def _code(self, code: str) -> FakeAnswer:
        return FakeAnswer.json(
            200,
            {
                "success": code,
                "total_price": 0,
                "balance": self.credits if self.credits is not None else 100.0,
                "debug": "false",
                "sms_type": "direct",
                "messages": [],
            },
        )

    def handle(self, request: FakeRequest) -> FakeAnswer:
        if request.path != "/api/sms" or request.method != "POST":
            return FakeAnswer.json(404, {"error": "not found"})
        if request.headers.get("x-api-key") != self.api_key:
            return self._code("900")
        form = request.form
        to, text, sender = form.get("to", ""), form.get("text", ""), form.get("from", "")
        if not to:
            return self._code("301")
        if not text:
            return self._code("305")
        if len(text) > 1520:
            return self._code("401")
        if sender and not (_SEVEN_ALPHA.match(sender) or _SEVEN_NUMERIC.match(sender)):
            return self._code("306")
        if not _DIGITS.match(to) and not (to.startswith("00") and _DIGITS.match(to[2:])):
            return self._code("202")
        foreign_id = form.get("foreign_id") or None
        with self._lock:
            if foreign_id is not None and foreign_id in self._by_foreign_id:
                return self._by_foreign_id[foreign_id]
            segments = count_segments(text)
            if self.credits is not None and self.credits < segments.segments:
                return self._code("500")
            if self.credits is not None:
                self.credits -= segments.segments
            message_id = str(next(self._ids))
        recipient = to.lstrip("+").removeprefix("00")
        encoding = "gsm" if segments.encoding is SmsEncoding.GSM_7 else "ucs2"
        self._record(
            ReceivedMessage(
                self.provider,
                recipient,
                text,
                sender,
                message_id,
                foreign_id,
                segments.segments,
                encoding,
            )
        )
        answer = FakeAnswer.json(
            200,
            {
                "success": "100",
                "total_price": 0.075 * segments.segments,
                "balance": self.credits if self.credits is not None else 100.0,
                "debug": "false",
                "sms_type": "direct",
                "messages": [
                    {
                        "id": message_id,
                        "sender": sender,
                        "recipient": recipient,
                        "text": text,
                        "encoding": encoding,
                        "label": form.get("label"),
                        "parts": segments.segments,
                        "price": 0.075 * segments.segments,
                        "success": True,
                        "error": None,
                        "error_text": None,
                        "is_binary": False,
                        "udh": None,
                    }
                ],
            },
        )
        if foreign_id is not None:
            with self._lock:
                self._by_foreign_id[foreign_id] = answer
        return answer


# ---------------------------------------------------------------------------------
# Twilio
# ---------------------------------------------------------------------------------

_TWILIO_ERRORS: dict[int, tuple[int, str]] = {
    20003: (401, "Authenticate"),
    20429: (429, "Too Many Requests"),
    21211: (400, "The 'To' number is not a valid phone number."),
    21408: (
        400,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
    ),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21606: (
        400,
        "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account",
    ),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class FakeTwilioApi(FakeGateway):
    """Twilio's ``POST /2010-04-01/Accounts/{sid}/Messages.json``: HTTP Basic auth with
    the account SID and auth token, ``201`` with the message resource, JSON errors with
    ``code``/``message``/``more_info``/``status``."""

    provider = "twilio"

    def __init__(
        self,
        account_sid: str = "AC" + "0123456789abcdef" * 2,
        auth_token: str = "twilio-test-token",  # noqa: S107 - a fake's test credential
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token

    def transport_url(self, sender: str = "+4930123456", **options: str) -> str:
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in {"from": sender, **options}.items())
        return (
            f"sms+twilio://{self.account_sid}:{self.auth_token}@api.twilio.com"
            f"?{query}&base_url={quote(self.base_url, safe='')}"
        )

    def reject_next(self, code: int, *, times: int = 1) -> None:
        """Answer the next ``times`` requests with Twilio error ``code`` (21211 invalid
        To, 20003 auth, 20429 too many requests, 21610 unsubscribed, …)."""
        self.script(*[self._error(code)] * times)

    def _error(self, code: int, message: str | None = None) -> FakeAnswer:
        status, text = _TWILIO_ERRORS.get(code, (400, "Bad request"))
        return FakeAnswer.json(
            status,
            {
                "code": code,
                "message": message or text,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def _http_failure(self, status: int, headers: dict[str, str]) -> FakeAnswer:
        code = 20429 if status == 429 else 20500
        return FakeAnswer.json(
            status,
            {"code": code, "message": f"HTTP {status}", "more_info": "", "status": status},
            **headers,
        )

    def _authorised(self, request: FakeRequest) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(f"{user}:{password}", f"{self.account_sid}:{self.auth_token}")

    def handle(self, request: FakeRequest) -> FakeAnswer:
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if not self._authorised(request):
            return self._error(20003)
        if request.path != expected or request.method != "POST":
            return FakeAnswer.json(
                404,
                {"code": 20404, "message": "The requested resource was not found", "status": 404},
            )
        form = request.form
        to, body = form.get("To", ""), form.get("Body", "")
        sender = form.get("From") or form.get("MessagingServiceSid", "")
        if not to:
            return self._error(21604)
        if not _E164.match(to):
            return self._error(21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender:
            return self._error(21603)
        if not body:
            return self._error(21602)
        if len(body) > 1600:
            return self._error(21617)
        sid = "SM" + secrets.token_hex(16)
        segments = count_segments(body)
        self._record(
            ReceivedMessage(
                self.provider,
                to,
                body,
                sender,
                sid,
                None,
                segments.segments,
                "gsm" if segments.encoding is SmsEncoding.GSM_7 else "ucs2",
            )
        )
        return FakeAnswer.json(
            201,
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": body,
                "status": "queued",
                "num_segments": str(segments.segments),
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "uri": f"{expected[:-5]}/{sid}.json",
            },
        )


# ---------------------------------------------------------------------------------
# Threema Gateway
# ---------------------------------------------------------------------------------

_THREEMA_ID = re.compile(r"^[A-Z0-9*][A-Z0-9]{7}$")


class FakeThreemaGateway(FakeGateway):
    """Threema Gateway basic mode, ``POST /send_simple``: ``from`` + ``secret`` in the
    form body, exactly one of ``to``/``phone``/``email``, text ≤ 3500 bytes; the HTTP
    status is the result and 200 carries the message id.

    ``phones`` and ``emails`` map addresses to Threema IDs (unknown → 404); ``credits``
    counts messages left (``None``: unlimited; 0 → 402).
    """

    provider = "threema"

    def __init__(
        self,
        identity: str = "*LEMNI01",
        secret: str = "threema-test-secret",  # noqa: S107 - a fake's test credential
        *,
        phones: Mapping[str, str] | None = None,
        emails: Mapping[str, str] | None = None,
        credits: int | None = None,
    ) -> None:
        super().__init__()
        self.identity = identity
        self.secret = secret
        self.phones = dict(phones or {})
        self.emails = dict(emails or {})
        self.credits = credits

    def transport_url(self, **options: str) -> str:
        query = "".join(f"&{k}={quote(v, safe='')}" for k, v in options.items())
        return (
            f"threema://{self.identity}:{self.secret}@msgapi.threema.ch"
            f"?base_url={quote(self.base_url, safe='')}{query}"
        )

    def reject_next(self, status: int, *, times: int = 1) -> None:
        """Answer the next ``times`` requests with Threema's status (400, 401, 402, 404,
        413, 500) — Threema's result *is* the HTTP status."""
        self.script(*[FakeAnswer.text(status, "")] * times)

    def handle(self, request: FakeRequest) -> FakeAnswer:
        if request.path != "/send_simple" or request.method != "POST":
            return FakeAnswer.text(404, "")
        form = request.form
        if form.get("from") != self.identity or not secrets.compare_digest(
            form.get("secret", ""), self.secret
        ):
            return FakeAnswer.text(401, "")
        chosen = [field for field in ("to", "phone", "email") if form.get(field)]
        text = form.get("text", "")
        if len(chosen) != 1 or not text:
            return FakeAnswer.text(400, "")
        field = chosen[0]
        value = form[field]
        if field == "to":
            if not _THREEMA_ID.match(value):
                return FakeAnswer.text(400, "")
            recipient = value
        elif field == "phone":
            if not value.isdigit():
                return FakeAnswer.text(400, "")
            if value not in self.phones:
                return FakeAnswer.text(404, "")
            recipient = self.phones[value]
        else:
            if value.lower() not in self.emails:
                return FakeAnswer.text(404, "")
            recipient = self.emails[value.lower()]
        if len(text.encode("utf-8")) > 3500:
            return FakeAnswer.text(413, "")
        with self._lock:
            if self.credits is not None:
                if self.credits <= 0:
                    return FakeAnswer.text(402, "")
                self.credits -= 1
        message_id = secrets.token_hex(8)
        self._record(ReceivedMessage(self.provider, recipient, text, self.identity, message_id))
        return FakeAnswer.text(200, message_id)
