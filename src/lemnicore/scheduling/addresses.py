"""The one rule for a client's e-mail address and phone numbers (C3, E3, D12).

Registration, every import and every transport use these functions, so an address that
registration accepts is one the e-mail transport will send to (before, registration took
``anna@example.org;`` and sending refused it later as a permanent failure).

E-mail: the RFC 5322 ``dot-atom`` form that mail servers and clients actually exchange —
ASCII local part of at most 64 characters without leading, trailing or doubled dots; a
domain of at least two labels (letters, digits, inner hyphens; internationalised domains
are checked in their IDNA form), a top-level label that is not all digits, 254 characters
in all. Quoted local parts and address literals (``"a b"@x``, ``a@[127.0.0.1]``) are
refused on purpose: no practice client has one, and they are how header injection starts.
No DNS lookup is made — registration must work offline.

Phone numbers are normalised to E.164 (``+4917012345678``) with ``phonenumbers`` when it
is installed (the ``notify`` extra brings it); without it separators are removed and
``0049…`` becomes ``+49…``, and a national number is kept as typed until a transport
normalises it when sending.
"""

from __future__ import annotations

import functools
import re

from lemnicore.errors import ValidationError

DEFAULT_PHONE_REGION = "DE"
"""Where a national number (``0170 1234567``) is read as dialled: Germany."""

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})*$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_SEPARATORS = re.compile(r"[\s\-/().]")


def is_valid_email(value: str) -> bool:
    """Whether ``value`` (surrounding white space ignored) is an address lemnicore will
    register, import and send to — the one rule described in this module."""
    if not isinstance(value, str):  # G7: a number or None is no address, not a crash
        return False
    return _is_valid_email_text(value)


@functools.lru_cache(maxsize=1 << 14)  # E6: an import checks each person's address often
def _is_valid_email_text(value: str) -> bool:
    text = value.strip()
    if len(text) > 254 or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        return False
    if domain.isascii():
        ascii_domain = domain  # what IDNA makes of it; the label rule below checks the rest
    else:
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return False
    labels = ascii_domain.split(".")
    if len(labels) < 2 or len(ascii_domain) > 253:
        return False
    return all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def check_email(value: str, field: str = "email") -> str:
    """``value`` stripped, or a :class:`ValidationError` naming ``field``."""
    if not is_valid_email(value):
        raise ValidationError(field, f"not a valid e-mail address: {value!r}")
    return value.strip()


def normalise_phone_number(
    number: str, *, region: str = DEFAULT_PHONE_REGION, field: str = "phone"
) -> str:
    """``number`` in E.164 form where it can be known (see the module docstring).

    With ``phonenumbers`` installed a number that cannot exist is a
    :class:`ValidationError` naming ``field``; a wrong digit sends health-related
    reminders to a stranger. Anything but storable text is a :class:`ValidationError` too
    (G7).
    """
    from lemnicore._validators import require_text

    text = require_text(number, field).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        import phonenumbers
    except ImportError:
        compact = _SEPARATORS.sub("", text)
        if not re.fullmatch(r"\+?[0-9]{3,17}", compact):
            raise ValidationError(field, f"not a phone number: {number!r}") from None
        return compact
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException:
        raise ValidationError(field, f"not a phone number: {number!r}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(field, f"not a valid phone number: {number!r}")
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
