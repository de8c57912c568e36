"""H5: the self-cancel link travels in the "request received" e-mail and in the
confirmation: a transport wrapper appends it, so neither the online-booking service nor
the notification planner needs to know about the web."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import attrs

from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.transport import Delivery, OutgoingMessage, Transport
from lemnicore.scheduling.clients import Channel

_WITH_LINK = frozenset({MessageKind.REQUEST_RECEIVED.value, MessageKind.CONFIRMATION.value})


class CancelLinkTransport:
    """H5: passes every message on to ``inner``; e-mails that confirm a request or an
    appointment get the self-cancel link of each appointment they list."""

    def __init__(self, inner: Transport, link_for: Callable[[str], str]) -> None:
        self.inner = inner
        self.link_for = link_for

    @property
    def channels(self) -> frozenset[Channel]:
        return self.inner.channels

    def send(self, message: OutgoingMessage) -> Delivery:
        if message.channel is Channel.EMAIL and message.kind in _WITH_LINK:
            links = "\n".join(self.link_for(a) for a in message.appointment_ids)
            if links:
                text = (
                    f"{message.text.rstrip()}\n\n"
                    "Termin absagen / cancel this appointment:\n"
                    f"{links}\n"
                )
                html = message.html
                if html:
                    anchors = "<br>".join(
                        f'<a href="{escape(self.link_for(a))}">{escape(self.link_for(a))}</a>'
                        for a in message.appointment_ids
                    )
                    html = f"{html}<p>Termin absagen / cancel this appointment:<br>{anchors}</p>"
                message = attrs.evolve(message, text=text, html=html)
        return self.inner.send(message)

    def close(self) -> None:
        self.inner.close()
