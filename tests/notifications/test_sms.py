"""D13: SMS segment counting (GSM-7 basic + extension table, UCS-2) and normalisation."""

from __future__ import annotations

import pytest

from lemnicore.notifications.sms import SmsEncoding, fit_sms, normalise_sms_text, sms_size


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", SmsEncoding.GSM_7, 0, 1),
        ("Grüße, Ihr Termin ist am Dienstag. ÄÖÜäöüß", SmsEncoding.GSM_7, 42, 1),
        ("x" * 160, SmsEncoding.GSM_7, 160, 1),
        ("x" * 161, SmsEncoding.GSM_7, 161, 2),
        ("x" * 306, SmsEncoding.GSM_7, 306, 2),
        ("x" * 307, SmsEncoding.GSM_7, 307, 3),
        ("Preis 10€ [bar]", SmsEncoding.GSM_7, 18, 1),  # € [ ] cost two septets each
        ("{" * 80, SmsEncoding.GSM_7, 160, 1),
        ("{" * 81, SmsEncoding.GSM_7, 162, 2),
        ("„Termin“", SmsEncoding.UCS_2, 8, 1),
        ("ç" * 70, SmsEncoding.UCS_2, 70, 1),  # lower-case ç is not in GSM-7
        ("ç" * 71, SmsEncoding.UCS_2, 71, 2),
        ("ç" * 134, SmsEncoding.UCS_2, 134, 2),
        ("ç" * 135, SmsEncoding.UCS_2, 135, 3),
        ("Bis bald 🙂", SmsEncoding.UCS_2, 11, 1),  # an emoji is two UTF-16 units
    ],
)
def test_d13_segments(text: str, encoding: SmsEncoding, units: int, segments: int) -> None:
    size = sms_size(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_d13_typographic_quotes_and_dashes_are_normalised_to_gsm7() -> None:
    text = "„Termin“ am 05.05. – ‚bitte‘ pünktlich…"
    normalised = normalise_sms_text(text)
    assert normalised == "\"Termin\" am 05.05. - 'bitte' pünktlich..."
    assert sms_size(normalised).encoding is SmsEncoding.GSM_7


def test_d13_fit_sms_shortens_at_a_word_to_the_segment_limit() -> None:
    text = "Erinnerung " * 40
    fitted = fit_sms(text, 2)
    assert sms_size(fitted).segments == 2
    assert fitted.endswith("Erinnerung...")
    assert fit_sms("kurz", 1) == "kurz"


def test_d13_fit_sms_keeps_a_ucs2_text_within_its_smaller_segments() -> None:
    fitted = fit_sms("Hallo 🙂 " * 30, 1)
    assert sms_size(fitted).segments == 1
