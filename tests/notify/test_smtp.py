"""D11/D12/D15: e-mail through a real SMTP server on loopback (aiosmtpd), parsed back with
the stdlib ``email`` package and the .ics with icalendar."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import icalendar
import pytest
import trustme
from notify_helpers import MessageFactory, appointment_ics, ics_attachment

from lemnicore.notifications.transport import (
    Attachment,
    ChannelPausedError,
    OutgoingMessage,
    PermanentTransportError,
    TransientTransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import SmtpTransport, calendar_method, message_id_for
from lemnicore_notify.testing import SmtpSink


@pytest.fixture
def confirmation(reminder: MessageFactory) -> OutgoingMessage:
    return reminder(
        Channel.EMAIL,
        "anna@example.org",
        idempotency_key="confirmation:appt-1:q2",
        subject="Ihre Termine in der Praxis am Markt",
        text="Guten Tag Anna Müller,\nIhr Termin: Di 05.05.2026, 10:00 Uhr, Raum 1.",
        kind="confirmation",
        attachments=(ics_attachment(),),
    )


@pytest.fixture
def transport(smtp_sink: SmtpSink) -> Iterator[SmtpTransport]:
    smtp = SmtpTransport(smtp_sink.transport_url(from_name="Praxis am Markt"))
    yield smtp
    smtp.close()


def test_d11_confirmation_arrives_with_text_and_an_ics_whose_method_matches(
    smtp_sink: SmtpSink, transport: SmtpTransport, confirmation: OutgoingMessage
) -> None:
    delivery = transport.send(confirmation)

    (received,) = smtp_sink.messages
    email = received.email
    assert received.mail_from == "praxis@example.org"
    assert received.rcpt_tos == ("anna@example.org",)
    assert email["Subject"] == "Ihre Termine in der Praxis am Markt"
    assert email["From"] == "Praxis am Markt <praxis@example.org>"
    assert email["Message-ID"] == message_id_for("confirmation:appt-1:q2", "example.org")
    assert delivery.provider_message_id == email["Message-ID"]
    assert email.get_content_type() == "multipart/mixed"
    alternative, calendar_part = email.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    (text_part,) = alternative.iter_parts()
    assert "Anna Müller" in text_part.get_content()
    assert calendar_part.get_content_type() == "text/calendar"
    assert calendar_part.get_param("method") == "PUBLISH"
    assert calendar_part.get_param("charset") == "UTF-8"
    assert calendar_part.get_filename() == "termine.ics"
    calendar = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True))
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "appt-1@lemnicore"
    assert event.decoded("DTSTART").isoformat() == "2026-05-05T10:00:00+02:00"
    assert calendar.walk("VTIMEZONE"), "a Berlin time needs its VTIMEZONE block"


def test_d11_a_cancellation_is_sent_with_method_cancel(
    smtp_sink: SmtpSink, transport: SmtpTransport, confirmation: OutgoingMessage
) -> None:
    cancel = ics_attachment(method="CANCEL", sequence=2)
    transport.send(OutgoingMessage(**{**_fields(confirmation), "attachments": (cancel,)}))
    (_alternative, calendar_part) = smtp_sink.messages[0].email.iter_parts()
    assert calendar_part.get_param("method") == "CANCEL"
    (event,) = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True)).walk("VEVENT")
    assert event["SEQUENCE"] == 2
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == "appt-1@lemnicore"


def test_d11_html_goes_into_the_alternative_part(
    smtp_sink: SmtpSink, transport: SmtpTransport, confirmation: OutgoingMessage
) -> None:
    transport.send(OutgoingMessage(**{**_fields(confirmation), "html": "<p>Ihr Termin</p>"}))
    alternative, _calendar = smtp_sink.messages[0].email.iter_parts()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]


def test_d12_a_plain_reminder_is_one_text_part(
    smtp_sink: SmtpSink, transport: SmtpTransport, reminder: MessageFactory
) -> None:
    transport.send(reminder(Channel.EMAIL, "anna@example.org", subject="Erinnerung\n"))
    email = smtp_sink.messages[0].email
    assert email.get_content_type() == "text/plain"
    assert email["Subject"] == "Erinnerung"
    assert "10:00 Uhr" in email.get_content()


def test_d15_one_connection_carries_many_messages(
    smtp_sink: SmtpSink, transport: SmtpTransport, reminder: MessageFactory
) -> None:
    for n in range(5):
        transport.send(reminder(Channel.EMAIL, "anna@example.org", idempotency_key=f"k{n}"))
    assert len(smtp_sink.messages) == 5
    assert smtp_sink.connections == 1


def test_d15_a_connection_closed_while_idle_is_reopened(
    smtp_sink: SmtpSink, transport: SmtpTransport, reminder: MessageFactory
) -> None:
    transport.send(reminder(Channel.EMAIL, "anna@example.org", idempotency_key="k1"))
    # The server hangs up an idle session; the transport notices and reconnects once.
    assert transport._connection is not None
    transport._connection.sock.close()  # type: ignore[union-attr]
    transport.send(reminder(Channel.EMAIL, "anna@example.org", idempotency_key="k2"))
    assert len(smtp_sink.messages) == 2


def test_d15_a_refused_mailbox_is_permanent_and_a_deferral_transient(
    transport: SmtpTransport, reminder: MessageFactory
) -> None:
    with pytest.raises(PermanentTransportError) as refused:
        transport.send(reminder(Channel.EMAIL, "ghost@nowhere.example"))
    assert refused.value.code == "550"
    assert "mailbox unavailable" in refused.value.reason
    with pytest.raises(TransientTransportError) as deferred:
        transport.send(reminder(Channel.EMAIL, "anna@busy.example"))
    assert deferred.value.code == "451"


def test_d15_an_invalid_address_is_permanent_before_connecting(reminder: MessageFactory) -> None:
    smtp = SmtpTransport("smtp://127.0.0.1:9?from=praxis@example.org")
    with pytest.raises(PermanentTransportError, match="not a valid e-mail"):
        smtp.send(reminder(Channel.EMAIL, "anna@example"))


def test_d15_an_unreachable_server_is_transient(reminder: MessageFactory) -> None:
    with SmtpSink() as sink:
        url = sink.transport_url()
    smtp = SmtpTransport(url + "&timeout=2")
    with pytest.raises(TransientTransportError, match="could not reach"):
        smtp.send(reminder(Channel.EMAIL, "anna@example.org"))


def test_d12_auth_login_works_and_a_wrong_password_pauses_the_channel(
    reminder: MessageFactory,
) -> None:
    with SmtpSink(username="praxis", password="richtig") as sink:
        with closing(SmtpTransport(sink.transport_url())) as smtp:
            smtp.send(reminder(Channel.EMAIL, "anna@example.org"))
        assert sink.logins == ["praxis"]
        assert len(sink.messages) == 1
        wrong = sink.transport_url().replace(":richtig@", ":falsch@")
        with (
            closing(SmtpTransport(wrong)) as smtp,
            pytest.raises(ChannelPausedError, match="login refused") as caught,
        ):
            smtp.send(reminder(Channel.EMAIL, "anna@example.org"))
        assert caught.value.code == "535"
        assert "falsch" not in str(caught.value)


@pytest.fixture(scope="module")
def test_ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    return context


def test_d12_starttls_upgrades_the_connection(
    test_ca: trustme.CA, tmp_path: Path, reminder: MessageFactory
) -> None:
    ca_file = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_file))
    with SmtpSink(tls_context=_server_context(test_ca)) as sink:
        url = sink.transport_url(starttls="1", cafile=str(ca_file))
        with closing(SmtpTransport(url)) as smtp:
            smtp.send(reminder(Channel.EMAIL, "anna@example.org"))
        assert len(sink.messages) == 1


def test_d12_smtps_speaks_tls_from_the_first_byte(
    test_ca: trustme.CA, tmp_path: Path, reminder: MessageFactory
) -> None:
    ca_file = tmp_path / "ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_file))
    with SmtpSink(implicit_tls_context=_server_context(test_ca)) as sink:
        url = sink.transport_url(cafile=str(ca_file))
        assert url.startswith("smtps://")
        with closing(SmtpTransport(url)) as smtp:
            smtp.send(reminder(Channel.EMAIL, "anna@example.org"))
        assert len(sink.messages) == 1


def test_d12_an_untrusted_certificate_is_permanent(
    test_ca: trustme.CA, reminder: MessageFactory
) -> None:
    with SmtpSink(implicit_tls_context=_server_context(test_ca)) as sink:
        with (
            closing(SmtpTransport(sink.transport_url())) as smtp,
            pytest.raises(PermanentTransportError, match="certificate not trusted"),
        ):
            smtp.send(reminder(Channel.EMAIL, "anna@example.org"))
        assert sink.messages == []


def test_d12_starttls_asked_of_a_server_without_it_pauses_the_channel(
    smtp_sink: SmtpSink, reminder: MessageFactory
) -> None:
    smtp = SmtpTransport(smtp_sink.transport_url(starttls="1"))
    with closing(smtp), pytest.raises(ChannelPausedError, match="does not support"):
        smtp.send(reminder(Channel.EMAIL, "anna@example.org"))
    assert smtp_sink.messages == []


def test_d11_calendar_method_is_read_from_the_ics() -> None:
    assert calendar_method(appointment_ics(method="REQUEST")) == "REQUEST"
    assert calendar_method(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n") is None


def _fields(message: OutgoingMessage) -> dict[str, object]:
    import attrs

    return attrs.asdict(message, recurse=False)


@pytest.mark.parametrize(
    ("day", "offset"),
    [((2026, 3, 29), "+02:00"), ((2026, 10, 25), "+01:00"), ((2026, 3, 28), "+01:00")],
)
def test_d11_ics_times_survive_the_dst_switch_sundays(
    smtp_sink: SmtpSink,
    transport: SmtpTransport,
    reminder: MessageFactory,
    day: tuple[int, int, int],
    offset: str,
) -> None:
    """An appointment at 10:00 Berlin on the switch Sundays arrives at 10:00 local time."""
    from datetime import datetime

    from notify_helpers import BERLIN

    start = datetime(*day, 10, 0, tzinfo=BERLIN)
    ics = Attachment("termine.ics", "text/calendar", appointment_ics(start=start))
    transport.send(reminder(Channel.EMAIL, "anna@example.org", attachments=(ics,)))
    (_alternative, calendar_part) = smtp_sink.messages[0].email.iter_parts()
    (event,) = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True)).walk("VEVENT")
    assert event.decoded("DTSTART").isoformat() == f"{start.date().isoformat()}T10:00:00{offset}"
