"""End to end (D5–D15): the hourly service on a practice in SQLite sends through real
transports — SMTP to a loopback mail server, seven.io and Threema to loopback fakes — and
what arrives is exactly what the sent-log says was sent."""

from __future__ import annotations

from datetime import timedelta

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.scheduling.clients import Channel
from lemnicore_notify import message_id_for, seven_foreign_id
from lemnicore_notify.testing import FakeSevenGateway, FakeThreemaGateway, SmtpSink

from .praxis import (
    SECRET_NOTE,
    Praxis,
    body_text,
    calendar_parts,
    local,
    run_hourly,
)


def _week(praxis: Praxis) -> None:
    """Eva on Tuesday 15:00 and again in June, Jonas Wednesday 10:00, Lina 11:30."""
    praxis.book("eva", praxis.eva, praxis.at(5, 5, 15))
    praxis.book("eva-june", praxis.eva, praxis.at(6, 16, 9))
    praxis.book("jonas", praxis.jonas, praxis.at(5, 6, 10))
    praxis.book("lina", praxis.lina, praxis.at(5, 6, 11, 30))


def test_d10_d11_d12_d13_a_week_of_hourly_runs_delivers_the_right_messages_on_every_channel(
    praxis: Praxis,
    sink: SmtpSink,
    smtp_url: str,
    seven: FakeSevenGateway,
    threema: FakeThreemaGateway,
) -> None:
    _week(praxis)
    praxis.clock.set(praxis.at(5, 4, 10))  # D4: an hour after the clients were registered
    service = praxis.service([smtp_url, seven.transport_url(), threema.transport_url()])

    run_hourly(service, praxis, until=praxis.at(5, 6, 12))

    sent = praxis.outbox(DeliveryState.SENT)
    assert sorted((local(m.sent_at), m.kind, m.channel, m.address) for m in sent) == [
        # D10: the first run confirms everything up to the end of next quarter, by e-mail.
        ("Mon 04.05.2026 10:00", MessageKind.CONFIRMATION, Channel.EMAIL, "eva.meier@example.org"),
        (
            "Mon 04.05.2026 10:00",
            MessageKind.CONFIRMATION,
            Channel.EMAIL,
            "jonas.weber@example.org",
        ),
        (
            "Mon 04.05.2026 10:00",
            MessageKind.CONFIRMATION,
            Channel.EMAIL,
            "lina.schmidt@example.org",
        ),
        # D5 + D8: due at 15:00, held back by the 6-hour guard after the confirmation.
        ("Mon 04.05.2026 16:00", MessageKind.REMINDER, Channel.EMAIL, "eva.meier@example.org"),
        # D12: the preferred channels; D5: 24 hours before.
        ("Tue 05.05.2026 10:00", MessageKind.REMINDER, Channel.SMS, "+4915123456789"),
        ("Tue 05.05.2026 11:00", MessageKind.REMINDER, Channel.THREEMA, "LINA2026"),
    ]
    assert praxis.outbox(DeliveryState.FAILED) == []
    assert praxis.outbox(DeliveryState.PENDING) == []

    # The confirmation Eva's mail program shows (D10, D11, D13).
    by_recipient = {m.rcpt_tos[0]: m.email for m in sink.messages[:3]}
    eva_mail = by_recipient["eva.meier@example.org"]
    assert eva_mail["Subject"] == "Terminbestätigung – Praxis am Park"
    assert eva_mail["From"] == "Praxis am Park <praxis@praxis-am-park.de>"
    text = body_text(eva_mail)
    assert "Guten Tag Eva Meier" in text
    assert "Di 05.05.2026 15:00 Uhr, Raum 3" in text
    assert "Di 16.06.2026 09:00 Uhr, Raum 3" in text  # the quarter quantum: one e-mail

    # D11: one .ics per appointment, so a CalDAV server can store each as one event.
    parts = calendar_parts(eva_mail)
    assert [p.get_filename() for p, _ in parts] == ["termin-1.ics", "termin-2.ics"]
    for part, calendar in parts:
        assert part.get_param("method") == str(calendar["METHOD"]) == "PUBLISH"
    events = [e for _, calendar in parts for e in calendar.walk("VEVENT")]
    assert [len(calendar.walk("VEVENT")) for _, calendar in parts] == [1, 1]
    assert [str(e["UID"]) for e in events] == [
        f"{praxis.booked['eva'].id}@lemnicore",
        f"{praxis.booked['eva-june'].id}@lemnicore",
    ]
    assert [e.decoded("SEQUENCE") for e in events] == [0, 0]
    assert [e["DTSTART"].params["TZID"] for e in events] == ["Europe/Berlin"] * 2
    assert [local(e.decoded("DTSTART")) for e in events] == [
        "Tue 05.05.2026 15:00",
        "Tue 16.06.2026 09:00",
    ]
    assert events[0].decoded("DTEND") - events[0].decoded("DTSTART") == timedelta(minutes=45)
    assert str(events[0]["LOCATION"]) == "Raum 3, Hamburg Mitte"
    (vtimezone,) = parts[0][1].walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Berlin"
    assert events[0].decoded("DTSTART") == praxis.booked["eva"].start  # the same instant

    # The short channels name client, local date and time, room, branch, practitioner (D13).
    (sms,) = seven.received
    assert sms.to == "4915123456789"
    assert sms.text == (
        "Erinnerung für Jonas Weber: Mi 06.05.2026 um 10:00 Uhr, Raum 3, Hamburg Mitte, "
        "bei Anna Berg. Praxis am Park"
    )
    (threema_message,) = threema.received
    assert threema_message.to == "LINA2026"
    assert "Lina Schmidt: Mi 06.05.2026 um 11:30 Uhr, Raum 3, Hamburg Mitte" in (
        threema_message.text
    )

    # GDPR: nothing from the record's or the appointment's notes leaves the practice.
    everything = [m.raw.decode("utf-8", "replace") for m in sink.messages]
    everything += [body_text(m.email) for m in sink.messages]
    everything += [
        str(calendar.to_ical())
        for m in sink.messages[:3]
        for _, calendar in calendar_parts(m.email)
    ]
    everything += [m.text for m in [*seven.received, *threema.received]]
    assert not [t for t in everything if "Bandscheibe" in t or SECRET_NOTE in t]


def test_d14_d15_the_sent_log_matches_exactly_what_arrived_at_the_providers(
    praxis: Praxis,
    sink: SmtpSink,
    smtp_url: str,
    seven: FakeSevenGateway,
    threema: FakeThreemaGateway,
) -> None:
    _week(praxis)
    praxis.clock.set(praxis.at(5, 4, 10))
    service = praxis.service([smtp_url, seven.transport_url(), threema.transport_url()])

    run_hourly(service, praxis, until=praxis.at(5, 6, 12))

    sent = praxis.outbox(DeliveryState.SENT)
    emails = [m for m in sent if m.channel is Channel.EMAIL]
    texts = [m for m in sent if m.channel is Channel.SMS]
    threemas = [m for m in sent if m.channel is Channel.THREEMA]
    # Same count, same keys, same provider message ids — nothing more, nothing less.
    assert len(sink.messages) == len(emails) == 4
    assert [m.email["Message-ID"] for m in sink.messages] == [
        message_id_for(m.key, "praxis-am-park.de") for m in emails
    ]
    assert [m.provider_message_id for m in emails] == [m.email["Message-ID"] for m in sink.messages]
    assert [(r.foreign_id, r.message_id) for r in seven.received] == [
        (seven_foreign_id(m.key), m.provider_message_id) for m in texts
    ]
    assert [r.message_id for r in threema.received] == [m.provider_message_id for m in threemas]
    assert [r.text for r in threema.received] == [m.text for m in threemas]
    assert [r.text for r in seven.received] == [m.text for m in texts]
    assert len(seven.requests) == len(texts)
    assert len(threema.requests) == len(threemas)

    # D14: the client's history lists the same messages (channel, address, text, time) …
    for client_id in (praxis.eva, praxis.jonas, praxis.lina):
        history = service.client_history(SYSTEM_ACTOR, client_id)
        assert [(h.key, h.channel, h.address, h.text, h.at) for h in history] == [
            (m.key, m.channel, m.address, m.text, m.sent_at)
            for m in sent
            if m.client_id == client_id
        ]
    # … and each appointment shows when it was last notified.
    eva_history = service.appointment_history(SYSTEM_ACTOR, praxis.booked["eva"].id)
    assert [(h.kind, local(h.at)) for h in eva_history] == [
        (MessageKind.CONFIRMATION, "Mon 04.05.2026 10:00"),
        (MessageKind.REMINDER, "Mon 04.05.2026 16:00"),
    ]
    assert [
        h.kind for h in service.appointment_history(SYSTEM_ACTOR, praxis.booked["eva-june"].id)
    ] == [MessageKind.CONFIRMATION]
