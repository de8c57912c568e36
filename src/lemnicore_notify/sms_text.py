"""SMS text: normalisation and segment counting (D13).

One SMS carries 160 GSM-7 characters or 70 UCS-2 code units; a longer message is split
into parts of 153 / 67 because each part spends room on the concatenation header. German
umlauts and ß are in the GSM-7 basic table; ``{ } [ ] ~ | \\ ^ €`` (the extension table)
cost two septets; a single character outside both tables — a typographic quote, an emoji
— switches the *whole* text to UCS-2 and cuts its capacity by more than half. So texts
are normalised (:func:`normalise_sms_text`) before they are counted and sent.

This module is self-contained (stdlib only) so the engine can reuse it for its template
limit check.
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
# GSM 03.38 extension table: ESC + character, two septets each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_GSM7 = 160
PART_GSM7 = 153
SINGLE_UCS2 = 70
PART_UCS2 = 67

# Characters that word processors and template editors put in German texts, mapped to
# their GSM-7 equivalents so a reminder stays one cheap segment.
_REPLACEMENTS = {
    "\u201e": '"',  # „ low double quote
    "\u201c": '"',  # “
    "\u201d": '"',  # ”
    "\u00ab": '"',  # «
    "\u00bb": '"',  # »
    "\u201a": "'",  # ‚ low single quote
    "\u2018": "'",  # ‘
    "\u2019": "'",  # ’ (also the typographic apostrophe)
    "\u2039": "'",  # ‹
    "\u203a": "'",  # ›
    "\u2013": "-",  # – en dash
    "\u2014": "-",  # — em dash
    "\u2212": "-",  # − minus sign
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2026": "...",  # … ellipsis
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (used before "Uhr" and in dates)
    "\u2009": " ",  # thin space
    "\u2007": " ",  # figure space
    "\u00ad": "",  # soft hyphen: invisible, drop it
    "\u200b": "",  # zero-width space
    "\t": " ",
}
_TABLE = str.maketrans(_REPLACEMENTS)


class SmsEncoding(enum.StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@attrs.frozen
class SmsSegments:
    """How a text travels: its encoding, its length in units, and the number of parts.

    ``units`` are septets for GSM-7 (extension characters count two) and UTF-16 code
    units for UCS-2 (an emoji counts two).
    """

    encoding: SmsEncoding
    units: int
    segments: int

    @property
    def single_limit(self) -> int:
        return SINGLE_GSM7 if self.encoding is SmsEncoding.GSM7 else SINGLE_UCS2

    @property
    def part_limit(self) -> int:
        return PART_GSM7 if self.encoding is SmsEncoding.GSM7 else PART_UCS2


def normalise_sms_text(text: str) -> str:
    """``text`` with typographic quotes, dashes, ellipsis and special spaces made ASCII
    (D13), so it stays in GSM-7 where possible. Other characters are kept as they are."""
    return text.translate(_TABLE)


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _unit_sizes(text: str) -> tuple[SmsEncoding, list[int]]:
    if is_gsm7(text):
        return SmsEncoding.GSM7, [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    return SmsEncoding.UCS2, [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> SmsSegments:
    """D13: the encoding, units and number of SMS parts ``text`` needs, as it is.

    Call :func:`normalise_sms_text` first if the text is to be sent normalised. Parts are
    packed the way handsets and gateways do it: a two-unit character (GSM-7 escape
    sequence, UTF-16 surrogate pair) is never split across two parts, so a part may hold
    one unit less than its limit. The empty text is one (empty) part.
    """
    encoding, sizes = _unit_sizes(text)
    units = sum(sizes)
    single = SINGLE_GSM7 if encoding is SmsEncoding.GSM7 else SINGLE_UCS2
    if units <= single:
        return SmsSegments(encoding, units, 1)
    per_part = PART_GSM7 if encoding is SmsEncoding.GSM7 else PART_UCS2
    segments, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            segments += 1
            used = 0
        used += size
    return SmsSegments(encoding, units, segments)
