"""End to end (A6, D9, D11): a moved appointment is confirmed again with the same UID and
a higher SEQUENCE; a cancelled one arrives as METHOD:CANCEL — in the client's mailbox."""

from __future__ import annotations

from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore_notify.testing import FakeSevenGateway, FakeThreemaGateway, SmtpSink

from .praxis import Praxis, body_text, calendar_part, local, run_hourly


def test_a6_d9_d11_a_moved_appointment_is_confirmed_again_with_the_same_uid_and_sequence_plus_one(
    praxis: Praxis, sink: SmtpSink, smtp_url: str, seven: FakeSevenGateway
) -> None:
    jonas = praxis.book("jonas", praxis.jonas, praxis.at(5, 6, 10))
    praxis.clock.set(praxis.at(5, 4, 10))
    service = praxis.service([smtp_url, seven.transport_url()])
    run_hourly(service, praxis, until=praxis.at(5, 4, 11))
    (first,) = sink.messages

    # Monday noon: Jonas calls and the appointment moves to Thursday 14:00 (A6).
    praxis.clock.set(praxis.at(5, 4, 12))
    moved = praxis.practice.book.move(
        praxis.practice.owner(praxis.anna), jonas.id, start=praxis.at(5, 7, 14)
    )
    assert moved.sequence == jonas.sequence + 1
    run_hourly(service, praxis, until=praxis.at(5, 7, 15))

    assert [m.rcpt_tos for m in sink.messages] == [("jonas.weber@example.org",)] * 2
    again = sink.messages[1].email
    assert "Do 07.05.2026 14:00 Uhr, Raum 3" in body_text(again)
    (old_event,) = calendar_part(first.email)[1].walk("VEVENT")
    part, calendar = calendar_part(again)
    (new_event,) = calendar.walk("VEVENT")
    assert part.get_param("method") == str(calendar["METHOD"]) == "PUBLISH"
    assert str(new_event["UID"]) == str(old_event["UID"]) == f"{jonas.id}@lemnicore"
    assert new_event.decoded("SEQUENCE") == old_event.decoded("SEQUENCE") + 1 == 1
    assert new_event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert local(new_event.decoded("DTSTART")) == "Thu 07.05.2026 14:00"

    # D9: the reminder follows the new time: Wednesday 14:00, not Tuesday 10:00.
    (sms,) = seven.received
    assert "Do 07.05.2026 um 14:00 Uhr" in sms.text
    (reminder,) = [m for m in praxis.outbox() if m.kind is MessageKind.REMINDER]
    assert local(reminder.sent_at) == "Wed 06.05.2026 14:00"


def test_d11_a_cancelled_confirmed_appointment_arrives_as_method_cancel(
    praxis: Praxis, sink: SmtpSink, smtp_url: str, threema: FakeThreemaGateway
) -> None:
    lina = praxis.book("lina", praxis.lina, praxis.at(5, 6, 11, 30))
    praxis.clock.set(praxis.at(5, 4, 10))
    service = praxis.service([smtp_url, threema.transport_url()])
    run_hourly(service, praxis, until=praxis.at(5, 4, 11))
    (confirmation,) = sink.messages

    praxis.clock.set(praxis.at(5, 4, 12))
    praxis.practice.book.cancel(praxis.practice.owner(praxis.anna), lina.id, reason="krank")
    run_hourly(service, praxis, until=praxis.at(5, 6, 12))

    assert len(sink.messages) == 2
    cancellation = sink.messages[1].email
    assert cancellation["To"] == "lina.schmidt@example.org"
    assert cancellation["Subject"] == "Terminabsage – Praxis am Park"
    assert "Mi 06.05.2026 11:30 Uhr, Raum 3" in body_text(cancellation)
    part, calendar = calendar_part(cancellation)
    assert part.get_filename() == "absage.ics"
    assert part.get_param("method") == str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    (confirmed_event,) = calendar_part(confirmation.email)[1].walk("VEVENT")
    assert str(event["UID"]) == str(confirmed_event["UID"])
    assert event.decoded("SEQUENCE") > confirmed_event.decoded("SEQUENCE")
    assert str(event["STATUS"]) == "CANCELLED"
    # D1: no reminder for a cancelled appointment, on any channel.
    assert threema.received == []
    assert [(m.kind, m.state) for m in praxis.outbox()] == [
        (MessageKind.CONFIRMATION, DeliveryState.SENT),
        (MessageKind.CANCELLATION, DeliveryState.SENT),
    ]
