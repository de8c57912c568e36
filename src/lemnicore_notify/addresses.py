"""Recipient addresses, checked before anything leaves the practice (D12, D15).

A wrong digit sends health-related data to a stranger, so phone numbers are parsed with
``phonenumbers`` and sent only in E.164 form, and e-mail addresses are checked for shape
and for header injection. Failures raise :class:`lemnicore.errors.ValidationError`
naming the field; transports turn that into a permanent transport error.
"""

from __future__ import annotations

import re

import phonenumbers

from lemnicore.errors import ValidationError
from lemnicore.scheduling.addresses import check_email as _check_email

DEFAULT_REGION = "DE"

_THREEMA_ID = re.compile(r"^[A-Z0-9*][A-Z0-9]{7}$")


def normalise_phone(number: str, *, region: str = DEFAULT_REGION) -> str:
    """``number`` in E.164 form (``+4917012345678``).

    National numbers are read in ``region`` (default DE: ``0170 1234567`` is German);
    ``0049…`` and ``+49…`` work anywhere. Numbers that cannot exist are refused.
    """
    text = number.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        raise ValidationError("phone", f"not a phone number: {number!r}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError("phone", f"not a valid phone number: {number!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_email(address: str) -> str:
    """``address`` stripped, if registration would accept it too: the one rule of
    :mod:`lemnicore.scheduling.addresses` (whose dot-atom form also keeps CR, LF, ``<``,
    ``>``, ``,``, ``;`` and quotes out of headers). A mail server's refusal is classified
    later."""
    return _check_email(address)


def is_threema_id(value: str) -> bool:
    """A Threema ID: eight characters A–Z/0–9 (gateway IDs start with ``*``)."""
    return bool(_THREEMA_ID.match(value))
