"""Faithful fakes for the transports (G2): loopback SMS/Threema gateways and an SMTP sink.

They are product, not test clutter: use them in your own tests to see what your
practice's messages look like when they arrive. ``SmtpSink`` needs ``aiosmtpd`` (in the
``test`` extra); it is imported only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lemnicore_notify.testing.http_fakes import (
    FakeAnswer,
    FakeGateway,
    FakeRequest,
    FakeSevenGateway,
    FakeThreemaGateway,
    FakeTwilioApi,
    ReceivedMessage,
)

if TYPE_CHECKING:
    from lemnicore_notify.testing.smtp_sink import ReceivedEmail, SmtpSink

__all__ = [
    "FakeAnswer",
    "FakeGateway",
    "FakeRequest",
    "FakeSevenGateway",
    "FakeThreemaGateway",
    "FakeTwilioApi",
    "ReceivedEmail",
    "ReceivedMessage",
    "SmtpSink",
]


def __getattr__(name: str) -> Any:
    if name in {"SmtpSink", "ReceivedEmail"}:
        from lemnicore_notify.testing import smtp_sink

        return getattr(smtp_sink, name)
    raise AttributeError(name)
