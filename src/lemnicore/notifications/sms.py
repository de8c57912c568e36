"""D13: SMS text — normalisation and segments (GSM-7 with its extension table, or UCS-2).

One SMS carries 160 GSM-7 characters or 70 UCS-2 code units; a longer message is split
into parts of 153 / 67, because each part spends room on the concatenation header. German
umlauts and ß are in the GSM-7 basic table; ``{ } [ ] ~ | \\ ^ €`` (the extension table)
cost two septets; a single character outside both tables — a typographic quote, an en dash,
an emoji — switches the *whole* text to UCS-2 and more than halves the room. So texts are
normalised (:func:`normalise_sms_text`) before they are counted and sent.

This is the one implementation: the planner checks template limits with it and the SMS
transports of ``lemnicore_notify`` count and send with it.
"""

from __future__ import annotations

import enum

import attrs

# GSM 03.38 basic character set (one septet each). ESC (0x1B) is left out: it only
# introduces the extension table.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table: reachable only through an escape septet, so they cost two.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_GSM7, PART_GSM7 = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67

# Characters that word processors and template editors put in German texts, mapped to
# GSM-7 look-alikes so a reminder stays one cheap segment.
_NORMALISE = str.maketrans(
    {
        "\u201e": '"',  # „ low double quote
        "\u201c": '"',  # “
        "\u201d": '"',  # ”
        "\u201f": '"',  # ‟
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u201a": "'",  # ‚ low single quote
        "\u2018": "'",  # ‘
        "\u2019": "'",  # ’ (also the typographic apostrophe)
        "\u201b": "'",  # ‛
        "\u2039": "'",  # ‹
        "\u203a": "'",  # ›
        "\u2013": "-",  # – en dash
        "\u2014": "-",  # — em dash
        "\u2212": "-",  # − minus sign
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\u2022": "-",  # • bullet
        "\u2026": "...",  # … ellipsis
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space (used before "Uhr" and in dates)
        "\u2009": " ",  # thin space
        "\u2007": " ",  # figure space
        "\u00ad": "",  # soft hyphen: invisible, drop it
        "\u200b": "",  # zero-width space
        "\t": " ",
    }
)


class SmsEncoding(enum.StrEnum):
    """How an SMS text is encoded on the air."""

    GSM_7 = "gsm-7"
    UCS_2 = "ucs-2"


@attrs.frozen
class SmsSize:
    """How a text travels as SMS: its encoding, length in units and number of segments.

    ``units`` are septets for GSM-7 (extension characters count two) and UTF-16 code
    units for UCS-2 (an emoji counts two).
    """

    encoding: SmsEncoding
    units: int
    segments: int

    @property
    def single_limit(self) -> int:
        return SINGLE_GSM7 if self.encoding is SmsEncoding.GSM_7 else SINGLE_UCS2

    @property
    def part_limit(self) -> int:
        return PART_GSM7 if self.encoding is SmsEncoding.GSM_7 else PART_UCS2


def normalise_sms_text(text: str) -> str:
    """Replace typographic quotes, dashes, ellipses and odd spaces by GSM-7 characters
    (D13); other characters are kept as they are."""
    return text.translate(_NORMALISE)


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` exists in GSM-7 (basic or extension table)."""
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def _unit_sizes(text: str) -> tuple[SmsEncoding, list[int]]:
    if is_gsm7(text):
        return SmsEncoding.GSM_7, [2 if c in GSM7_EXTENSION else 1 for c in text]
    # UCS-2 counts UTF-16 code units: a character outside the BMP (an emoji) takes two.
    return SmsEncoding.UCS_2, [2 if ord(c) > 0xFFFF else 1 for c in text]


def _parts(sizes: list[int], single: int, part: int) -> int:
    if sum(sizes) <= single:
        return 1
    # Packed as handsets and gateways do it: a two-unit character (GSM-7 escape sequence,
    # UTF-16 surrogate pair) is never split across parts, so a part may hold one unit less.
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:
            segments += 1
            used = 0
        used += size
    return segments


def sms_size(text: str) -> SmsSize:
    """D13: encoding, units and segment count of ``text`` as it is (normalise first if it
    is to be sent normalised). The empty text is one (empty) segment.

    >>> sms_size("Grüße aus der Praxis").segments
    1
    >>> sms_size("x" * 161).segments
    2
    """
    encoding, sizes = _unit_sizes(text)
    if encoding is SmsEncoding.GSM_7:
        segments = _parts(sizes, SINGLE_GSM7, PART_GSM7)
    else:
        segments = _parts(sizes, SINGLE_UCS2, PART_UCS2)
    return SmsSize(encoding, sum(sizes), segments)


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
    budget = size.single_limit if max_segments == 1 else size.part_limit * max_segments
    budget -= sms_size(ellipsis).units
    used = cut = 0
    for index, size_of_char in enumerate(_unit_sizes(text)[1]):
        used += size_of_char
        if used > budget:
            break
        cut = index + 1
    head = text[:cut]
    space = head.rfind(" ")
    if space > cut // 2:
        head = head[:space]
    head = head.rstrip()
    # Packing may lose a unit per part to a two-unit character: trim until it fits.
    while head and sms_size(head + ellipsis).segments > max_segments:
        head = head[:-1].rstrip()
    return head + ellipsis
