"""D12: transport URLs are parsed once and printed only masked; addresses are checked
before anything is sent (E.164 phone numbers, plausible e-mail addresses)."""

from __future__ import annotations

import pytest

from lemnicore.errors import ValidationError
from lemnicore_notify import (
    TransportURL,
    check_email,
    is_threema_id,
    mask_url,
    normalise_phone,
    threema_recipient,
)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (
            "smtp://praxis:geheim@mail.example.org:587?from=praxis@example.org&starttls=1",
            "smtp://praxis:***@mail.example.org:587?from=praxis@example.org&starttls=1",
        ),
        (
            "sms+seven://SEVENKEY123@gateway.seven.io?from=Praxis",
            "sms+seven://***@gateway.seven.io?from=Praxis",
        ),
        (
            "sms+twilio://ACabc:tok3n@api.twilio.com?from=%2B4930123456",
            "sms+twilio://ACabc:***@api.twilio.com?from=+4930123456",
        ),
        ("threema://*LEMNI01:s3cr3t@msgapi.threema.ch", "threema://*LEMNI01:***@msgapi.threema.ch"),
        (
            "smtp://mail.example.org?from=a@b.de&password=pw&token=t",
            "smtp://mail.example.org?from=a@b.de&password=***&token=***",
        ),
        ("worklist:///var/lib/praxis/list.jsonl", "worklist:///var/lib/praxis/list.jsonl"),
        ("smtp://u:p@host:notaport", "***"),
    ],
)
def test_d12_mask_url_hides_every_secret(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_d12_a_parsed_url_shows_only_its_masked_form() -> None:
    url = TransportURL.parse(
        "smtp://praxis:geheim%40123@mail.example.org?from=a@b.de", schemes=frozenset({"smtp"})
    )
    assert url.password == "geheim@123"
    assert "geheim" not in repr(url)
    assert "geheim" not in str(url)


def test_d12_a_wrong_scheme_is_named_without_the_secret() -> None:
    with pytest.raises(ValidationError, match="scheme 'smtpx'") as caught:
        TransportURL.parse("smtpx://u:geheim@host", schemes=frozenset({"smtp"}))
    assert "geheim" not in str(caught.value)


@pytest.mark.parametrize(
    ("given", "e164"),
    [
        ("0170 1234567", "+491701234567"),
        ("0170/123 45 67", "+491701234567"),
        ("+49 (0) 170 1234567", "+491701234567"),
        ("0049 170 1234567", "+491701234567"),
        ("+43 664 1234567", "+436641234567"),
        ("030 12345678", "+493012345678"),
    ],
)
def test_d12_phone_numbers_become_e164(given: str, e164: str) -> None:
    assert normalise_phone(given) == e164


def test_d12_national_numbers_follow_the_region() -> None:
    assert normalise_phone("0664 1234567", region="AT") == "+436641234567"


@pytest.mark.parametrize("bad", ["", "12", "0170", "abc", "+49 170 1234567890123"])
def test_d12_impossible_phone_numbers_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone(bad)
    assert caught.value.field == "phone"


def test_d12_email_addresses_are_checked_and_header_injection_refused() -> None:
    assert check_email(" anna@example.org ") == "anna@example.org"
    for bad in [
        "anna",
        "anna@example",
        "a b@example.org",
        "anna@example.org\r\nBcc: all@example.org",
        "<anna@example.org>",
    ]:
        with pytest.raises(ValidationError):
            check_email(bad)


def test_d12_threema_recipients_pick_the_right_field() -> None:
    assert is_threema_id("ECHOECHO")
    assert threema_recipient("echoecho") == ("to", "ECHOECHO")
    assert threema_recipient("0170 1234567") == ("phone", "491701234567")
    assert threema_recipient("anna@example.org") == ("email", "anna@example.org")
