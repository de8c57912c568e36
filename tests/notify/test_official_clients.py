"""G2, D15: the fakes accept what the providers' official client libraries send.

The requests below are the bytes those libraries put on the wire, written out by hand
from their source (no SDK is installed at test time): seven's PHP client
(``seven-io/php-client``: ``BaseClient::request`` with ``Sms\\SmsParams::toArray`` — a
JSON body with every unset field ``null`` and the key as ``X-Api-Key:KEY``), seven's
Python client (``seven_api``: ``requests`` with ``json=``, ``json: 1``), the legacy
``sms77api`` Python client (everything in the query string, key as ``p``, no body, a
bare code back), Threema's ``threema.gateway`` SDK (aiohttp form fields in its order,
``*`` percent-encoded) and ``twilio-python`` (form fields, HTTP Basic; the message list
with ``DateSent>``). A fake stricter than the provider would refuse one of them.
"""

from __future__ import annotations

import base64
import json
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lemnicore_notify.testing import FakeSevenGateway, FakeThreemaGateway, FakeTwilioApi

KEY = "seven-test-key"
TEXT = "Erinnerung: Ihr Termin am 05.05. um 10:00 Uhr – Praxis am Markt"


def exchange(base_url: str, request: bytes) -> tuple[int, bytes]:
    """Send ``request`` byte for byte to the fake; return the status and the body."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        length = next(
            int(line.split(":", 1)[1])
            for line in lines
            if line.lower().startswith("content-length")
        )
        while len(body) < length:
            body += conn.recv(65536)
    return int(lines[0].split()[1]), body


def with_length(head: bytes, body: bytes) -> bytes:
    return head.replace(b"{length}", str(len(body)).encode()) + body


def test_g2_the_seven_fake_accepts_the_php_clients_json_request() -> None:
    body = (
        b'{"delay":null,"files":[],"flash":null,"foreign_id":"reminder-4711","from":"Praxis",'
        b'"label":null,"performance_tracking":null,"text":"Erinnerung: Ihr Termin am 05.05. '
        b'um 10:00 Uhr \xe2\x80\x93 Praxis am Markt","to":"+491701234567","ttl":null,'
        b'"udh":null,"utf8":null}'
    )
    head = (
        b"POST /api/sms HTTP/1.1\r\n"
        b"Host: gateway.seven.io\r\n"
        b"Accept: application/json\r\n"
        b"Content-Type: application/json\r\n"
        b"SentWith: php-api\r\n"
        b"X-Api-Key:seven-test-key\r\n"
        b"Content-Length: {length}\r\n"
        b"\r\n"
    )
    with FakeSevenGateway(KEY) as seven:
        status, answer = exchange(seven.base_url, with_length(head, body))
    assert status == 200
    reply = json.loads(answer)
    assert reply["success"] == "100"
    (received,) = seven.received
    assert (received.to, received.text, received.sender) == ("491701234567", TEXT, "Praxis")
    assert received.foreign_id == "reminder-4711"
    assert reply["messages"][0]["id"] == received.message_id


def test_g2_the_seven_fake_accepts_the_python_clients_json_request() -> None:
    body = (
        b'{"to": "+491701234567", "text": "Erinnerung: Ihr Termin am 05.05. um 10:00 Uhr '
        b'\\u2013 Praxis am Markt", "json": 1}'
    )
    head = (
        b"POST /api/sms HTTP/1.1\r\n"
        b"Host: gateway.seven.io\r\n"
        b"User-Agent: python-requests/2.31.0\r\n"
        b"Accept-Encoding: gzip, deflate\r\n"
        b"Accept: application/json\r\n"
        b"Connection: keep-alive\r\n"
        b"Content-Type: application/json\r\n"
        b"SentWith: Python\r\n"
        b"X-Api-Key: seven-test-key\r\n"
        b"Content-Length: {length}\r\n"
        b"\r\n"
    )
    with FakeSevenGateway(KEY) as seven:
        status, answer = exchange(seven.base_url, with_length(head, body))
    assert status == 200
    assert json.loads(answer)["success"] == "100"
    assert [(m.to, m.text) for m in seven.received] == [("491701234567", TEXT)]


def test_g2_the_seven_fake_accepts_the_legacy_client_with_the_key_as_query_parameter() -> None:
    request = (
        b"POST /api/sms?to=%2B491701234567&text=Erinnerung%3A+Termin+am+05.05.+um+10%3A00+Uhr"
        b"&p=seven-test-key HTTP/1.1\r\n"
        b"Host: gateway.sms77.io\r\n"
        b"User-Agent: python-requests/2.31.0\r\n"
        b"Accept-Encoding: gzip, deflate\r\n"
        b"Accept: */*\r\n"
        b"Connection: keep-alive\r\n"
        b"Content-Length: 0\r\n"
        b"\r\n"
    )
    with FakeSevenGateway(KEY) as seven:
        status, answer = exchange(seven.base_url, request)
        wrong_status, wrong = exchange(seven.base_url, request.replace(b"p=seven", b"p=other"))
    assert (status, answer) == (200, b"100")  # the bare code: no JSON was asked for
    assert [(m.to, m.text) for m in seven.received] == [
        ("491701234567", "Erinnerung: Termin am 05.05. um 10:00 Uhr")
    ]
    assert (wrong_status, wrong) == (200, b"900")


def test_g2_the_seven_fake_is_as_strict_as_seven_about_labels() -> None:
    head = (
        b"POST /api/sms HTTP/1.1\r\nHost: gateway.seven.io\r\nX-Api-Key: seven-test-key\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
    good = b"to=%2B491701234567&text=Hallo&label=praxis.markt_2026"
    bad = b"to=%2B491701234567&text=Hallo+Welt&label=Praxis+am+Markt%21"
    with FakeSevenGateway(KEY) as seven:
        assert exchange(seven.base_url, with_length(head, good))[0] == 200
        assert exchange(seven.base_url, with_length(head, bad))[0] == 400
    assert [m.text for m in seven.received] == ["Hallo"]


def test_g2_the_threema_fake_accepts_the_sdks_form_request() -> None:
    body = (
        b"to=ECHOECHO&text=Erinnerung%3A+Ihr+Termin+morgen+um+10%3A00+Uhr"
        b"&from=%2ALEMNI01&secret=threema-test-secret"
    )
    head = (
        b"POST /send_simple HTTP/1.1\r\n"
        b"Host: msgapi.threema.ch\r\n"
        b"Accept: */*\r\n"
        b"Accept-Encoding: gzip, deflate\r\n"
        b"User-Agent: Python/3.11 aiohttp/3.9.5\r\n"
        b"Content-Length: {length}\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"\r\n"
    )
    with FakeThreemaGateway(identities={"ECHOECHO"}) as threema:
        status, answer = exchange(threema.base_url, with_length(head, body))
        unknown = body.replace(b"ECHOECHO", b"NOBODY99")
        unknown_status, _ = exchange(threema.base_url, with_length(head, unknown))
    assert status == 200
    (received,) = threema.received
    assert answer.decode() == received.message_id
    assert (received.to, received.text) == (
        "ECHOECHO",
        "Erinnerung: Ihr Termin morgen um 10:00 Uhr",
    )
    assert unknown_status == 400, "a well-formed ID that does not exist: 400, as the Gateway"


def test_g2_the_twilio_fake_accepts_twilio_pythons_create_and_list_requests() -> None:
    sid, token = "AC" + "0123456789abcdef" * 2, "twilio-test-token"
    auth = base64.b64encode(f"{sid}:{token}".encode())
    common = (
        b"Host: api.twilio.com\r\n"
        b"User-Agent: twilio-python/9.0.0 (Linux x86_64) Python/3.11.4\r\n"
        b"Accept-Encoding: gzip, deflate\r\n"
        b"Accept: application/json\r\n"
        b"Connection: keep-alive\r\n"
        b"X-Twilio-Client: python-9.0.0\r\n"
        b"Accept-Charset: utf-8\r\n"
        b"Authorization: Basic " + auth + b"\r\n"
    )
    body = b"To=%2B491701234567&From=%2B4930123456&Body=Erinnerung%3A+Termin+um+10%3A00+Uhr"
    create = with_length(
        b"POST /2010-04-01/Accounts/"
        + sid.encode()
        + b"/Messages.json HTTP/1.1\r\n"
        + common
        + b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n",
        body,
    )
    listing = (
        b"GET /2010-04-01/Accounts/" + sid.encode() + b"/Messages.json?To=%2B491701234567"
        b"&From=%2B4930123456&DateSent%3E=2026-05-04T00%3A00%3A00Z&PageSize=50 HTTP/1.1\r\n"
        + common
        + b"\r\n"
    )
    with FakeTwilioApi(sid, token, clock=lambda: datetime(2026, 5, 4, 8, tzinfo=UTC)) as twilio:
        created_status, created = exchange(twilio.base_url, create)
        list_status, listed = exchange(twilio.base_url, listing)
    assert created_status == 201
    (received,) = twilio.received
    assert json.loads(created)["sid"] == received.message_id
    assert (received.to, received.text) == ("+491701234567", "Erinnerung: Termin um 10:00 Uhr")
    assert list_status == 200
    page = json.loads(listed)
    assert [m["sid"] for m in page["messages"]] == [received.message_id]
    assert page["next_page_uri"] is None
