"""What every SMS transport does before it calls its gateway (D13, D15): the number in
E.164, the text normalised, and the length checked against the gateway's and the
practice's limits. Problems here are permanent: retrying the same text cannot help."""

from __future__ import annotations

import attrs

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import OutgoingMessage, PermanentTransportError
from lemnicore_notify.addresses import DEFAULT_REGION, normalise_phone
from lemnicore_notify.sms_text import SmsSegments, count_segments, normalise_sms_text
from lemnicore_notify.urls import TransportURL


@attrs.frozen
class SmsDraft:
    """An SMS ready for a gateway: E.164 recipient, normalised text, its segments."""

    to: str
    text: str
    segments: SmsSegments


def prepare_sms(
    message: OutgoingMessage, url: TransportURL, *, provider: str, max_chars: int
) -> SmsDraft:
    """Normalise and check ``message`` for an SMS gateway that takes ``max_chars``.

    ``?region=AT`` on the URL changes how national numbers are read (default DE);
    ``?max_segments=N`` refuses texts longer than N parts (D13).
    """
    try:
        to = normalise_phone(message.address, region=url.options.get("region", DEFAULT_REGION))
    except ValidationError as exc:
        raise PermanentTransportError(exc.reason, provider=provider, code="recipient") from None
    text = normalise_sms_text(message.text)
    if not text.strip():
        raise PermanentTransportError("the SMS text is empty", provider=provider, code="text")
    segments = count_segments(text)
    if len(text) > max_chars:
        raise PermanentTransportError(
            f"text too long: {len(text)} characters, the gateway takes {max_chars}",
            provider=provider,
            code="too-long",
        )
    limit = url.options.get("max_segments")
    if limit is not None and segments.segments > int(url.number("max_segments", 1)):
        raise PermanentTransportError(
            f"text needs {segments.segments} SMS parts ({segments.encoding}), "
            f"at most {limit} allowed",
            provider=provider,
            code="too-long",
        )
    return SmsDraft(to=to, text=text, segments=segments)
