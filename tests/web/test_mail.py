"""H5: the self-cancel link rides along in "request received" and confirmation e-mails."""

from __future__ import annotations

from lemnicore import Channel, Delivery, OutgoingMessage
from lemnicore_web import CancelLinkTransport


class Capture:
    channels = frozenset({Channel.EMAIL, Channel.SMS})

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def send(self, message: OutgoingMessage) -> Delivery:
        self.sent.append(message)
        return Delivery("capture", str(len(self.sent)))

    def close(self) -> None:
        pass


def _message(kind: str, channel: Channel = Channel.EMAIL, html: str = "") -> OutgoingMessage:
    return OutgoingMessage(
        "key", channel, "p@example.org", "Ihr Termin.", kind=kind,
        appointment_ids=("a1", "a2"), html=html,
    )  # fmt: skip


def test_h5_confirmations_and_receipts_get_one_link_per_appointment() -> None:
    inner = Capture()
    transport = CancelLinkTransport(inner, lambda a: f"https://t.example/cancel/{a}.sig")
    transport.send(_message("confirmation", html="<p>Ihr Termin.</p>"))
    transport.send(_message("request_received"))
    confirmation, receipt = inner.sent
    for message in (confirmation, receipt):
        assert "https://t.example/cancel/a1.sig" in message.text
        assert "https://t.example/cancel/a2.sig" in message.text
    assert 'href="https://t.example/cancel/a2.sig"' in confirmation.html
    assert receipt.html == ""


def test_h5_reminders_and_sms_go_out_unchanged() -> None:
    inner = Capture()
    transport = CancelLinkTransport(inner, lambda a: f"https://t.example/cancel/{a}")
    reminder, sms = _message("reminder"), _message("confirmation", Channel.SMS)
    transport.send(reminder)
    transport.send(sms)
    assert inner.sent == [reminder, sms]
