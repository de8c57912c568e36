"""One e-mail rule for registration, import and sending; phone numbers in E.164 from
registration on (C3, E3, D12)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest

from lemnicore.errors import ValidationError
from lemnicore.scheduling.addresses import is_valid_email, normalise_phone_number
from lemnicore.scheduling.clients import Client
from lemnicore.testing import Practice
from lemnicore_notify.addresses import check_email

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)

REFUSED = [
    "anna@example.org;",  # seen in the field: registration took it, sending refused it
    "anna..b@example.org",
    ".anna@x.org",
    "anna.@x.org",
    "anna@example",
    "anna@-example.org",
    "anna@example-.org",
    "anna@exa_mple.org",
    "anna@example.123",
    "an na@example.org",
    '"anna b"@example.org',
    "anna@[127.0.0.1]",
    "anna@example.org\r\nBcc: x@y.org",
    "anna<x@y.org>",
    "a@b@example.org",
    "x" * 65 + "@example.org",
    "anna@" + "a" * 64 + ".org",
    "",
]
ACCEPTED = [
    "anna@example.org",
    "anna.hoffmann+praxis@example.org",
    "o'brien@example.ie",
    "x@sub.example.co.uk",
    "info@müller-optik.de",  # an internationalised domain, checked in its IDNA form
    "a1@xn--mller-kva.de",
]


@pytest.mark.parametrize("address", REFUSED)
def test_c3_an_address_sending_would_refuse_is_refused_at_registration_too(
    address: str,
) -> None:
    assert not is_valid_email(address)
    with pytest.raises(ValidationError, match="email"):
        check_email(address)  # what the e-mail transport checks before sending
    with pytest.raises(ValidationError, match="email"):
        Client("c-1", "org", "Meier", email=address or "x")


@pytest.mark.parametrize("address", ACCEPTED)
def test_c3_what_registration_accepts_sending_accepts(address: str) -> None:
    assert is_valid_email(address)
    assert check_email(f" {address} ") == address
    assert Client("c-1", "org", "Meier", email=address).email == address


def test_d12_registration_stores_phone_numbers_in_e164() -> None:
    practice = Practice(now=NOW)
    client_id = practice.add_client(
        "Meier", "Eva", mobile="0170 1234567", phone="0049 (40) 555-1234"
    )
    eva = practice.client(client_id)
    assert (eva.mobile, eva.phone) == ("+491701234567", "+49405551234")


def test_d12_a_number_that_cannot_exist_is_refused_naming_the_field() -> None:
    practice = Practice(now=NOW)
    with pytest.raises(ValidationError, match="mobile: not a valid phone number: '0170 12'"):
        practice.add_client("Meier", mobile="0170 12")


def test_g7_a_number_or_address_that_is_not_text_is_refused_naming_the_field() -> None:
    """The phone normalisation runs before the record's own checks: it must refuse
    non-text with a lemnicore error too (found by the G7 fuzz suite after merging)."""
    practice = Practice(now=NOW)
    with pytest.raises(ValidationError, match="mobile: must be text, got int"):
        practice.add_client("Meier", mobile=1701234567)
    assert not is_valid_email(42)  # type: ignore[arg-type]


def test_d12_without_phonenumbers_separators_go_and_00_becomes_plus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Installed without the notify extra: no E.164 for national numbers, but one form."""
    monkeypatch.setitem(sys.modules, "phonenumbers", None)  # import now fails
    assert normalise_phone_number("0049 170 1234567") == "+491701234567"
    assert normalise_phone_number("0170/123 45-67") == "01701234567"
    with pytest.raises(ValidationError, match="phone: not a phone number"):
        normalise_phone_number("call me")
