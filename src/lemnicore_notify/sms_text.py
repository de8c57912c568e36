"""SMS text: normalisation and segment counting (D13).

The rules live in one place, :mod:`lemnicore.notifications.sms`, which the notification
planner uses too; this module gives the transports' names for them.
"""

from __future__ import annotations

from lemnicore.notifications.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    PART_GSM7,
    PART_UCS2,
    SINGLE_GSM7,
    SINGLE_UCS2,
    SmsEncoding,
    SmsSize,
    is_gsm7,
    normalise_sms_text,
    sms_size,
)

SmsSegments = SmsSize
"""How a text travels: encoding, units and number of parts (the same value as
:class:`lemnicore.notifications.sms.SmsSize`)."""

count_segments = sms_size
"""D13: the encoding, units and number of SMS parts a text needs, as it is."""

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "PART_GSM7",
    "PART_UCS2",
    "SINGLE_GSM7",
    "SINGLE_UCS2",
    "SmsEncoding",
    "SmsSegments",
    "count_segments",
    "is_gsm7",
    "normalise_sms_text",
]
