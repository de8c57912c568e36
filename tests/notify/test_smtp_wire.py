"""D11/D12/D15: what the mail server sees — RFC-correct MIME, TLS before AUTH, UTF-8
credentials, a fresh connection after any failure.

The confirmation goes through a real SMTP server on loopback (aiosmtpd) with STARTTLS
(a trustme CA) and AUTH, and is then read back by the stdlib parser with
``policy=strict`` (every defect raises) and checked header by header.
"""

from __future__ import annotations

import email
import email.policy
import ssl
from collections.abc import Iterator
from contextlib import closing
from email.message import EmailMessage, Message
from pathlib import Path

import pytest
import trustme
from notify_helpers import MessageFactory, ics_attachment

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import ChannelPausedError, OutgoingMessage
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import SmtpTransport, build_email
from lemnicore_notify.testing import ReceivedEmail, SmtpSink

PASSWORD = "Grüße-aus-Köln-4711"  # a practice's real-world password, with umlauts
SEVEN_BIT_SAFE = {"7bit", "quoted-printable", "base64"}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    return context


@pytest.fixture
def confirmation(reminder: MessageFactory) -> OutgoingMessage:
    return reminder(
        Channel.EMAIL,
        "anna@example.org",
        idempotency_key="confirmation:appt-1:q2",
        subject="Ihre Termine – Praxis am Markt",
        text="Guten Tag Anna Müller,\nIhr Termin: Di 05.05.2026, 10:00 Uhr, Raum 1. Grüße!",
        html="<p>Guten Tag Anna Müller, Ihr Termin: Di 05.05.2026, 10:00 Uhr.</p>",
        kind="confirmation",
        attachments=(ics_attachment(),),
    )


def _strictly_parsed(received: ReceivedEmail) -> EmailMessage:
    """The message as an independent strict reader sees it: any defect raises."""
    parsed = email.message_from_bytes(received.raw, policy=email.policy.strict)
    assert isinstance(parsed, EmailMessage)
    for part in parsed.walk():
        assert not part.defects, (part.get_content_type(), part.defects)
        if not part.is_multipart():
            part.get_content()  # decodes every body: a broken encoding raises here
    return parsed


def _leaf_encodings(message: Message) -> list[str]:
    return [
        str(part.get("Content-Transfer-Encoding", "7bit")).lower()
        for part in message.walk()
        if not part.is_multipart()
    ]


def _header_block(raw: bytes) -> bytes:
    return raw.split(b"\r\n\r\n", 1)[0]


def test_d11_a_confirmation_through_starttls_and_auth_passes_a_strict_parser_and_header_check(
    ca: trustme.CA, ca_file: str, confirmation: OutgoingMessage
) -> None:
    with SmtpSink(username="praxis", password=PASSWORD, tls_context=_tls(ca)) as sink:
        url = sink.transport_url(starttls="1", cafile=ca_file)
        with closing(SmtpTransport(url)) as smtp:
            smtp.send(confirmation)
        (received,) = sink.messages
        assert sink.logins == ["praxis"]  # AUTH after STARTTLS, UTF-8 password accepted

    parsed = _strictly_parsed(received)
    assert b"\r\nMIME-Version: 1.0\r\n" in b"\r\n" + _header_block(received.raw) + b"\r\n"
    assert parsed.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in parsed.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    # The server offers 8BITMIME: 8-bit text is allowed and then declared (RFC 6152).
    encodings = _leaf_encodings(parsed)
    assert encodings == ["8bit", "8bit", "base64"]  # text, html, the .ics
    assert "BODY=8BITMIME" in received.mail_options
    assert str(parsed["Subject"]) == "Ihre Termine – Praxis am Markt"
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Anna Müller" in body.get_content()


def test_d11_to_a_server_without_8bitmime_everything_is_7_bit_safe(
    ca: trustme.CA, ca_file: str, confirmation: OutgoingMessage
) -> None:
    with SmtpSink(
        username="praxis", password=PASSWORD, tls_context=_tls(ca), eight_bit_mime=False
    ) as sink:
        with closing(SmtpTransport(sink.transport_url(starttls="1", cafile=ca_file))) as smtp:
            smtp.send(confirmation)
        (received,) = sink.messages

    assert "BODY=8BITMIME" not in received.mail_options
    assert max(received.raw) < 0x80, "not one 8-bit byte on the wire"
    parsed = _strictly_parsed(received)
    assert set(_leaf_encodings(parsed)) <= SEVEN_BIT_SAFE
    assert "MIME-Version" in parsed
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Anna Müller" in body.get_content()


@pytest.mark.parametrize("with_ics", [True, False])
@pytest.mark.parametrize("eight_bit", [True, False])
def test_d11_every_message_carries_mime_version_also_with_an_attachment(
    confirmation: OutgoingMessage, with_ics: bool, eight_bit: bool
) -> None:
    message = (
        confirmation
        if with_ics
        else OutgoingMessage("k", Channel.EMAIL, "anna@example.org", "Grüße", subject="Termin")
    )
    built = build_email(message, sender="praxis@example.org", eight_bit=eight_bit)
    assert built.get_all("MIME-Version") == ["1.0"]
    encodings = set(_leaf_encodings(built))
    assert encodings <= (SEVEN_BIT_SAFE | {"8bit"} if eight_bit else SEVEN_BIT_SAFE)


def test_d12_a_login_without_tls_is_refused_unless_the_url_says_so() -> None:
    with pytest.raises(ValidationError, match="needs TLS") as caught:
        SmtpTransport("smtp://praxis:geheim@mail.example.org:587?from=praxis@example.org")
    assert "geheim" not in str(caught.value)
    for explicit in ("starttls=1", "insecure_auth=1"):
        SmtpTransport(
            f"smtp://praxis:geheim@mail.example.org:587?from=praxis@example.org&{explicit}"
        ).close()
    SmtpTransport("smtps://praxis:geheim@mail.example.org?from=praxis@example.org").close()
    SmtpTransport("smtp://mail.example.org?from=praxis@example.org").close()  # no login


@pytest.fixture
def plain_less_sink(ca: trustme.CA) -> Iterator[SmtpSink]:
    with SmtpSink(
        username="praxis",
        password=PASSWORD,
        tls_context=_tls(ca),
        auth_exclude=frozenset({"PLAIN"}),
    ) as sink:
        yield sink


def test_d12_utf8_credentials_without_auth_plain_give_a_clear_error_every_time(
    plain_less_sink: SmtpSink, ca_file: str, reminder: MessageFactory
) -> None:
    """The old failure: ``UnicodeEncodeError`` from smtplib, the half-open connection
    kept, and the next send's misleading "530 Authentication required"."""
    url = plain_less_sink.transport_url(starttls="1", cafile=ca_file)
    with closing(SmtpTransport(url)) as smtp:
        for _ in range(2):
            with pytest.raises(ChannelPausedError, match="non-ASCII") as caught:
                smtp.send(reminder(Channel.EMAIL, "anna@example.org"))
            assert caught.value.code == "auth-utf8"
            assert PASSWORD not in str(caught.value)
    assert plain_less_sink.messages == []


def test_d15_the_connection_is_discarded_after_a_failure_and_the_next_send_succeeds(
    ca: trustme.CA, ca_file: str, reminder: MessageFactory
) -> None:
    with SmtpSink(
        username="praxis",
        password=PASSWORD,
        tls_context=_tls(ca),
        refuse_domains=frozenset({"nowhere.example"}),
    ) as sink:
        with closing(SmtpTransport(sink.transport_url(starttls="1", cafile=ca_file))) as smtp:
            smtp.send(reminder(Channel.EMAIL, "anna@example.org", idempotency_key="a"))
            with pytest.raises(Exception, match="recipient refused"):
                smtp.send(reminder(Channel.EMAIL, "x@nowhere.example", idempotency_key="b"))
            smtp.send(reminder(Channel.EMAIL, "bob@example.org", idempotency_key="c"))
        assert [m.rcpt_tos for m in sink.messages] == [("anna@example.org",), ("bob@example.org",)]
        assert sink.connections == 2, "a new session after the refusal"
        assert sink.logins == ["praxis", "praxis"]
