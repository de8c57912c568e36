"""One log line per send, the same for every transport (D14, GDPR).

The line names the masked transport URL, the message kind and idempotency key and the
outcome — never the address, the text or a secret: logs travel further than the
sent-log, and the sent-log is where message content belongs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from lemnicore.notifications.transport import Delivery, OutgoingMessage, TransportError

log = logging.getLogger("lemnicore_notify")


def logged_send(
    masked_url: str, message: OutgoingMessage, send: Callable[[OutgoingMessage], Delivery]
) -> Delivery:
    """Run ``send(message)`` and log its outcome; errors are logged and re-raised."""
    what = message.kind or "message"
    try:
        delivery = send(message)
    except TransportError as exc:
        log.warning(
            "%s %s via %s failed (%s): %s",
            what,
            message.idempotency_key,
            masked_url,
            type(exc).__name__,
            exc,
        )
        raise
    log.info(
        "%s %s sent via %s, provider id %s",
        what,
        message.idempotency_key,
        masked_url,
        delivery.provider_message_id or "-",
    )
    return delivery
