"""D13: SMS text normalisation and segment counting (GSM-7 160/153, UCS-2 70/67)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lemnicore_notify.sms_text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    SmsEncoding,
    count_segments,
    is_gsm7,
    normalise_sms_text,
)


def test_d13_german_typography_becomes_gsm7() -> None:
    text = "„Ihr Termin“ am 05.05. – 10:00\u202fUhr… ‚Praxis‘ Müller’s Straße\u00a0 3"
    normalised = normalise_sms_text(text)
    assert normalised == "\"Ihr Termin\" am 05.05. - 10:00 Uhr... 'Praxis' Müller's Straße  3"
    assert count_segments(text).encoding is SmsEncoding.UCS_2
    assert count_segments(normalised).encoding is SmsEncoding.GSM_7


def test_d13_umlauts_and_sharp_s_stay_in_the_basic_table() -> None:
    assert is_gsm7("Grüße aus Köln, Straße, ÄÖÜ äöü ß")
    assert count_segments("ä" * 160).segments == 1


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", SmsEncoding.GSM_7, 0, 1),
        ("a" * 160, SmsEncoding.GSM_7, 160, 1),
        ("a" * 161, SmsEncoding.GSM_7, 161, 2),
        ("a" * 306, SmsEncoding.GSM_7, 306, 2),
        ("a" * 307, SmsEncoding.GSM_7, 307, 3),
        ("€" * 80, SmsEncoding.GSM_7, 160, 1),
        ("€" * 81, SmsEncoding.GSM_7, 162, 2),
        ("Ж" * 70, SmsEncoding.UCS_2, 70, 1),
        ("Ж" * 71, SmsEncoding.UCS_2, 71, 2),
        ("Ж" * 134, SmsEncoding.UCS_2, 134, 2),
        ("Ж" * 135, SmsEncoding.UCS_2, 135, 3),
        ("🙂" * 35, SmsEncoding.UCS_2, 70, 1),
    ],
)
def test_d13_segment_limits(text: str, encoding: SmsEncoding, units: int, segments: int) -> None:
    counted = count_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


def test_d13_one_typographic_quote_switches_the_whole_text_to_ucs2() -> None:
    text = "a" * 100 + "“"
    assert count_segments(text).encoding is SmsEncoding.UCS_2
    assert count_segments(text).segments == 2
    assert count_segments(normalise_sms_text(text)).segments == 1


def test_d13_an_escape_sequence_is_not_split_across_parts() -> None:
    # 306 septets would fit two parts of 153, but the euro sign (ESC + e, two septets)
    # cannot start in part one's last septet: it moves to part two, and one "a" spills
    # into a third part.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3


def test_d13_an_emoji_is_not_split_across_parts() -> None:
    text = "Ж" * 66 + "🙂" + "Ж" * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3


gsm_chars = st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION))


@given(st.text(gsm_chars, max_size=800))
def test_d13_gsm7_parts_hold_at_most_153_septets(text: str) -> None:
    counted = count_segments(text)
    assert counted.encoding is SmsEncoding.GSM_7
    if counted.units <= 160:
        assert counted.segments == 1
    else:
        assert counted.segments >= -(-counted.units // 153)
        assert counted.segments <= -(-counted.units // 152)


@given(st.text(max_size=400))
def test_d13_normalising_never_costs_more_parts(text: str) -> None:
    assert count_segments(normalise_sms_text(text)).segments <= count_segments(text).segments or (
        # "…" becomes "..." — three septets instead of one UCS-2 unit, which can cost a
        # part only when the text was already UCS-2 for another reason.
        not is_gsm7(normalise_sms_text(text))
    )
