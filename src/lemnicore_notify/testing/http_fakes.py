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
import email.utils
import itertools
import json
import re
import secrets
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self, cast
from urllib.parse import parse_qsl, quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import attrs

from lemnicore_notify.sms_text import SmsEncoding, count_segments


@attrs.frozen
class FakeRequest:
    """One HTTP request as the fake received it (for asserting what went over the wire).

    ``form`` holds the body's fields, whether sent form-encoded or as a JSON object (as
    the official clients of some providers do; JSON ``null`` fields are left out, ``true``
    reads ``"1"``); ``params`` the query string's; ``body`` the raw bytes.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    form: Mapping[str, str]
    params: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    @property
    def fields(self) -> dict[str, str]:
        """Query parameters and body fields together (the body wins)."""
        return {**self.params, **self.form}


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
        self._lose_answers = 0
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

    def lose_next_answer(self, *, times: int = 1) -> None:
        """Serve the next ``times`` requests normally — the message is accepted — but
        drop the connection instead of answering: a read timeout or a dropped line
        after the request arrived, as the client sees it."""
        with self._lock:
            self._lose_answers += times

    def _answer_is_lost(self) -> bool:
        with self._lock:
            if self._lose_answers <= 0:
                return False
            self._lose_answers -= 1
            return True

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


def _form_fields(raw: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        return {}


def _json_fields(raw: bytes) -> dict[str, str]:
    """A JSON object's fields as text, the way a PHP or Python server reads them."""
    try:
        data = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {"\0invalid-json": "1"}
    if not isinstance(data, dict):
        return {"\0invalid-json": "1"}
    fields: dict[str, str] = {}
    for name, value in data.items():
        if value is None or value == []:
            continue
        if isinstance(value, bool):
            fields[name] = "1" if value else "0"
        elif isinstance(value, list):
            fields[name] = ",".join(str(v) for v in value)
        else:
            fields[name] = str(value)
    return fields


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
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        request = FakeRequest(
            method=method,
            path=parts.path,
            query=parts.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            form=_json_fields(raw) if kind == "application/json" else _form_fields(raw),
            params=dict(parse_qsl(parts.query, keep_blank_values=True)),
            body=raw,
        )
        with self.fake._lock:
            self.fake.requests.append(request)
        answer = self.fake._next_scripted() or self.fake.handle(request)
        if self.fake._answer_is_lost():
            self.close_connection = True
            return
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
    "403": "Daily limit for this number reached",
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
_SEVEN_LABEL = re.compile(r"^[A-Za-z0-9.\-_@]{1,100}$")
_SEVEN_FOREIGN_ID = re.compile(r"^[A-Za-z0-9.\-_@]{1,64}$")
SEVEN_RELOAD_LOCK = timedelta(seconds=180)
"""seven refuses an identical recipient + text within this time (code 402)."""
_TRUE = {"1", "true", "yes", "on"}


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _digits(number: str) -> str:
    plain = number.strip().lstrip("+")
    return plain[2:] if plain.startswith("00") else plain


@attrs.frozen
class _SevenJournalEntry:
    message: ReceivedMessage
    at: datetime
    label: str | None


class FakeSevenGateway(FakeGateway):
    """seven.io as its API describes it — not better (D15).

    ``POST /api/sms`` takes the key as ``X-Api-Key`` header or ``p`` query parameter
    (the legacy clients), the fields form-encoded, as a JSON object (the official PHP
    and Python clients) or in the query string (the legacy Python client), and answers
    HTTP 200 with a ``success`` code: JSON, or the bare code when neither ``json=1`` nor
    ``Accept: application/json`` asked for JSON. It does **not** de-duplicate by
    ``foreign_id`` (seven documents it only as an id echoed in callbacks); it refuses
    an identical recipient + text within 180 s with code 402 (the reload lock, off with
    ``no_reload=1``), a ``label`` or ``foreign_id`` outside seven's pattern with HTTP 400.
    ``GET /api/journal/outbound`` lists what was sent, newest first, filtered by ``to``,
    ``date_from``/``date_to`` (``Y-m-d``), ``id``, with ``limit`` (1–100) and ``offset``.

    ``credits`` counts SMS parts left (``None``: unlimited; at 0: code 500). ``clock``
    gives the gateway's time (reload lock, journal timestamps; default: the real time).
    """

    provider = "seven.io"

    def __init__(
        self,
        api_key: str = "seven-test-key",
        *,
        credits: int | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.credits = credits
        self.clock = clock
        self._ids = itertools.count(77000000001)
        self._journal: list[_SevenJournalEntry] = []
        self._last_sent: dict[tuple[str, str], datetime] = {}

    def transport_url(self, sender: str = "Praxis", **options: str) -> str:
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in {"from": sender, **options}.items())
        return f"sms+seven://{self.api_key}@gateway.seven.io?{query}&base_url={quote(self.base_url, safe='')}"

    def reject_next(self, code: str, *, times: int = 1) -> None:
        """Answer the next ``times`` requests with seven's code (``"500"`` no credit,
        ``"202"`` invalid recipient, ``"900"`` bad key, ``"403"`` daily limit, …) — as
        seven does, with HTTP 200."""
        self.script(*[self._code(code)] * times)

    def _code(self, code: str, *, as_json: bool = True) -> FakeAnswer:
        if not as_json:
            return FakeAnswer.text(200, code)
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

    def _authorised(self, request: FakeRequest) -> bool:
        key = request.headers.get("x-api-key", "").strip() or request.fields.get("p", "")
        return bool(key) and secrets.compare_digest(key, self.api_key)

    def handle(self, request: FakeRequest) -> FakeAnswer:
        if request.path == "/api/journal/outbound" and request.method == "GET":
            return self._journal_page(request)
        if request.path != "/api/sms" or request.method != "POST":
            return FakeAnswer.json(404, {"error": "not found"})
        if "\0invalid-json" in request.form:
            return FakeAnswer.text(400, "invalid JSON body")
        fields = request.fields
        as_json = fields.get(
            "json", ""
        ).lower() in _TRUE or "application/json" in request.headers.get("accept", "")
        if not self._authorised(request):
            return self._code("900", as_json=as_json)
        to, text, sender = fields.get("to", ""), fields.get("text", ""), fields.get("from", "")
        label, foreign_id = fields.get("label"), fields.get("foreign_id") or None
        if label is not None and label != "" and not _SEVEN_LABEL.match(label):
            return FakeAnswer.text(400, "label: only A-Z a-z 0-9 . - _ @, at most 100")
        if foreign_id is not None and not _SEVEN_FOREIGN_ID.match(foreign_id):
            return FakeAnswer.text(400, "foreign_id: only A-Z a-z 0-9 . - _ @, at most 64")
        if not to:
            return self._code("301", as_json=as_json)
        if not text:
            return self._code("305", as_json=as_json)
        if len(text) > 1520:
            return self._code("401", as_json=as_json)
        if sender and not (_SEVEN_ALPHA.match(sender) or _SEVEN_NUMERIC.match(sender)):
            return self._code("306", as_json=as_json)
        if not _DIGITS.match(_digits(to)):
            return self._code("202", as_json=as_json)
        recipient = _digits(to)
        now = self.clock()
        segments = count_segments(text)
        with self._lock:
            last = self._last_sent.get((recipient, text))
            if (
                fields.get("no_reload", "").lower() not in _TRUE
                and last is not None
                and now - last < SEVEN_RELOAD_LOCK
            ):
                return self._code("402", as_json=as_json)
            if self.credits is not None and self.credits < segments.segments:
                return self._code("500", as_json=as_json)
            if self.credits is not None:
                self.credits -= segments.segments
            message_id = str(next(self._ids))
            self._last_sent[(recipient, text)] = now
        encoding = "gsm" if segments.encoding is SmsEncoding.GSM_7 else "ucs2"
        received = ReceivedMessage(
            self.provider,
            recipient,
            text,
            sender,
            message_id,
            foreign_id,
            segments.segments,
            encoding,
        )
        self._record(received)
        with self._lock:
            self._journal.append(_SevenJournalEntry(received, now, label or None))
        if not as_json:
            return FakeAnswer.text(200, "100")
        return FakeAnswer.json(
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
                        "label": label or None,
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

    def _journal_page(self, request: FakeRequest) -> FakeAnswer:
        if not self._authorised(request):
            return FakeAnswer.json(200, 900)
        query = request.params
        try:
            limit = int(query.get("limit", "100"))
            offset = int(query.get("offset", "0"))
            since = date.fromisoformat(query["date_from"]) if "date_from" in query else None
            until = date.fromisoformat(query["date_to"]) if "date_to" in query else None
        except ValueError:
            return FakeAnswer.text(400, "invalid journal parameter")
        if not 1 <= limit <= 100 or offset < 0:
            return FakeAnswer.text(400, "limit must be 1-100")
        with self._lock:
            entries = list(reversed(self._journal))
        berlin = ZoneInfo("Europe/Berlin")
        chosen = [
            e
            for e in entries
            if ("to" not in query or _digits(query["to"]) == e.message.to)
            and ("id" not in query or query["id"] == e.message.message_id)
            and (since is None or e.at.astimezone(berlin).date() >= since)
            and (until is None or e.at.astimezone(berlin).date() <= until)
        ]
        return FakeAnswer.json(
            200,
            [
                {
                    "id": e.message.message_id,
                    "from": e.message.sender,
                    "to": e.message.to,
                    "text": e.message.text,
                    "timestamp": f"{e.at.astimezone(berlin):%Y-%m-%d %H:%M:%S}",
                    "price": f"{0.075 * e.message.segments:.3f}",
                    "connection": "http",
                    "dlr": "DELIVERED",
                    "dlr_timestamp": f"{e.at.astimezone(berlin):%Y-%m-%d %H:%M:%S}",
                    "foreign_id": e.message.foreign_id,
                    "label": e.label,
                    "latency": "1",
                    "mccmnc": "26203",
                    "type": "direct",
                }
                for e in chosen[offset : offset + limit]
            ],
        )


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
    21611: (400, "This 'From' number has exceeded the maximum number of queued messages"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class FakeTwilioApi(FakeGateway):
    """Twilio's ``/2010-04-01/Accounts/{sid}/Messages.json``: HTTP Basic auth with the
    account SID and auth token. ``POST`` answers ``201`` with the message resource, or
    JSON errors with ``code``/``message``/``more_info``/``status``; it takes no
    idempotency key, so every accepted request is a new message. ``GET`` lists the
    messages newest first, filtered by ``To``, ``From`` and ``DateSent`` (also
    ``DateSent<``/``DateSent>``, a date or an ISO time; a message without ``date_sent``
    is left out by these), in pages of ``PageSize`` (default 50) linked by
    ``next_page_uri``. ``clock`` gives Twilio's time (default: the real time).
    """

    provider = "twilio"

    def __init__(
        self,
        account_sid: str = "AC" + "0123456789abcdef" * 2,
        auth_token: str = "twilio-test-token",  # noqa: S107 - a fake's test credential
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.clock = clock
        self._resources: list[dict[str, Any]] = []

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
        if request.path == expected and request.method == "GET":
            return self._list(request, expected)
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
        now = self.clock()
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
        resource: dict[str, Any] = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": body,
            "status": "queued",
            "num_segments": str(segments.segments),
            "direction": "outbound-api",
            "date_created": email.utils.format_datetime(now.astimezone(UTC)),
            "date_updated": email.utils.format_datetime(now.astimezone(UTC)),
            "date_sent": None,
            "error_code": None,
            "error_message": None,
            "uri": f"{expected[:-5]}/{sid}.json",
        }
        with self._lock:
            # The fake hands every message to the carrier at once.
            self._resources.append(
                {**resource, "status": "sent", "date_sent": resource["date_created"]}
            )
        return FakeAnswer.json(201, resource)

    def _list(self, request: FakeRequest, path: str) -> FakeAnswer:
        query = request.params
        try:
            page_size = int(query.get("PageSize", "50"))
            page = int(query.get("Page", "0"))
            sent_filters = [
                (name, _twilio_day_or_time(query[name]))
                for name in ("DateSent", "DateSent<", "DateSent>")
                if name in query
            ]
        except ValueError:
            return self._error(20001, "Invalid query parameter")
        if not 1 <= page_size <= 1000:
            return self._error(20001, "PageSize must be 1-1000")
        with self._lock:
            chosen = [
                r
                for r in reversed(self._resources)
                if query.get("To", r["to"]) == r["to"]
                and query.get("From", r["from"]) == r["from"]
                and all(_twilio_sent_matches(r, name, when) for name, when in sent_filters)
            ]
        start = page * page_size
        rest = {k: v for k, v in query.items() if k not in {"Page", "PageToken"}}
        following = {**rest, "Page": str(page + 1), "PageToken": f"PA{start + page_size}"}
        return FakeAnswer.json(
            200,
            {
                "messages": chosen[start : start + page_size],
                "page": page,
                "page_size": page_size,
                "start": start,
                "end": start + len(chosen[start : start + page_size]) - 1,
                "uri": f"{path}?{urlencode(query)}",
                "first_page_uri": f"{path}?{urlencode({**rest, 'Page': '0'})}",
                "next_page_uri": (
                    f"{path}?{urlencode(following)}" if start + page_size < len(chosen) else None
                ),
                "previous_page_uri": None,
            },
        )


def _twilio_day_or_time(value: str) -> datetime | date:
    if "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return date.fromisoformat(value)


def _twilio_sent_matches(resource: Mapping[str, Any], name: str, when: datetime | date) -> bool:
    if not resource.get("date_sent"):
        return False
    sent = email.utils.parsedate_to_datetime(resource["date_sent"]).astimezone(UTC)
    value: datetime | date = sent if isinstance(when, datetime) else sent.date()
    if name == "DateSent<":
        return value <= when
    if name == "DateSent>":
        return value >= when
    return value == when


# ---------------------------------------------------------------------------------
# Threema Gateway
# ---------------------------------------------------------------------------------

_THREEMA_ID = re.compile(r"^[A-Z0-9*][A-Z0-9]{7}$")


class FakeThreemaGateway(FakeGateway):
    """Threema Gateway basic mode, ``POST /send_simple``: ``from`` + ``secret`` in the
    form body, exactly one of ``to``/``phone``/``email``, text ≤ 3500 bytes; the HTTP
    status is the result and 200 carries the message id.

    ``phones`` and ``emails`` map addresses to Threema IDs (unknown → 404);
    ``identities`` lists further Threema IDs that exist. Like the Gateway, a ``to`` that
    is well-formed but names no existing ID is refused with 400. ``credits`` counts
    messages left (``None``: unlimited; 0 → 402).
    """

    provider = "threema"

    def __init__(
        self,
        identity: str = "*LEMNI01",
        secret: str = "threema-test-secret",  # noqa: S107 - a fake's test credential
        *,
        phones: Mapping[str, str] | None = None,
        emails: Mapping[str, str] | None = None,
        identities: Iterable[str] = (),
        credits: int | None = None,
    ) -> None:
        super().__init__()
        self.identity = identity
        self.secret = secret
        self.phones = dict(phones or {})
        self.emails = dict(emails or {})
        self.identities = set(identities)
        self.credits = credits

    def knows(self, threema_id: str) -> bool:
        """Whether ``threema_id`` exists at this gateway."""
        return (
            threema_id in self.identities
            or threema_id in self.phones.values()
            or threema_id in self.emails.values()
        )

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
            if not _THREEMA_ID.match(value) or not self.knows(value):
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
