"""D13: SMS segments — GSM-7 (basic table + extension table) or UCS-2.

One SMS carries 160 GSM-7 or 70 UCS-2 characters; a multipart message carries 153 / 67
per part, because each part spends room on the concatenation header. A single character
outside GSM-7 (a typographic quote, an en dash, an emoji) switches the *whole* text to
UCS-2 and more than halves the room, so texts are normalised to ASCII look-alikes first.
"""

from __future__ import annotations

import enum

import attrs

# GSM 03.38 basic character set (one septet each). German umlauts and ß are here.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: reachable only through an escape septet, so they cost two.
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# Typographic characters word processors put in templates, mapped to GSM-7 look-alikes.
_NORMALISE = str.maketrans(
    {
        "„": '"',
        "“": '"',
        "”": '"',
        "‟": '"',
        "«": '"',
        "»": '"',
        "‚": "'",
        "‘": "'",
        "’": "'",
        "‛": "'",
        "‹": "'",
        "›": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "…": "...",
        "•": "-",
    }
)


class SmsEncoding(enum.StrEnum):
    GSM_7 = "gsm-7"
    UCS_2 = "ucs-2"


@attrs.frozen
class SmsSize:
    """How a text travels as SMS: its encoding, length in units and number of segments."""

    encoding: SmsEncoding
    units: int
    segments: int


def normalise_sms_text(text: str) -> str:
    """Replace typographic quotes, dashes, ellipses and odd spaces by GSM-7 characters."""
    return text.translate(_NORMALISE)


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` exists in GSM-7 (basic or extension table)."""
    return all(c in _GSM_BASIC or c in _GSM_EXTENSION for c in text)


def _units(text: str, encoding: SmsEncoding) -> int:
    if encoding is SmsEncoding.GSM_7:
        return sum(2 if c in _GSM_EXTENSION else 1 for c in text)
    # UCS-2 counts UTF-16 code units: an emoji outside the BMP takes two.
    return len(text.encode("utf-16-le")) // 2


def _limits(encoding: SmsEncoding) -> tuple[int, int]:
    return (160, 153) if encoding is SmsEncoding.GSM_7 else (70, 67)


def sms_size(text: str) -> SmsSize:
    """D13: encoding, units and segment count of ``text`` as it would be sent.

    >>> sms_size("Grüße aus der Praxis").segments
    1
    >>> sms_size("x" * 161).segments
    2
    """
    encoding = SmsEncoding.GSM_7 if is_gsm7(text) else SmsEncoding.UCS_2
    units = _units(text, encoding)
    single, part = _limits(encoding)
    segments = 1 if units <= single else -(-units // part)
    return SmsSize(encoding, units, segments)


def fit_sms(text: str, max_segments: int, *, ellipsis: str = "...") -> str:
    """D13: ``text`` normalised and, if needed, shortened to at most ``max_segments``.

    Shortening cuts at the last space that still fits and appends ``ellipsis``; the
    encoding is kept (a UCS-2 text stays UCS-2).
    """
    if max_segments < 1:
        raise ValueError("max_segments must be at least 1")
    text = normalise_sms_text(text)
    size = sms_size(text)
    if size.segments <= max_segments:
        return text
    single, part = _limits(size.encoding)
    budget = single if max_segments == 1 else part * max_segments
    budget -= _units(ellipsis, size.encoding)
    used = 0
    cut = 0
    for index, char in enumerate(text):
        used += _units(char, size.encoding)
        if used > budget:
            break
        cut = index + 1
    head = text[:cut]
    space = head.rfind(" ")
    if space > cut // 2:
        head = head[:space]
    return head.rstrip() + ellipsis
