"""D12/G7: a transport URL is never shown with its secret, however oddly it is written."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lemnicore_notify.urls import mask_url


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("smtp://u:123/S3cretPW@host", "S3cretPW"),
        ("smtp://u:123/S3cretPW@host", "123"),
        ("smtp://u:12#34@host:25", "12"),
        ("smtp://u:12#34@host:25", "34"),
        ("smtp://u:12?34@host:25", "34"),
        ("smtp://user:pa/ss@host:587?from=a@b.de", "pa/ss"),
        ("sms+seven://APIKEY/x@gateway", "APIKEY"),
    ],
)
def test_d12_a_password_with_a_slash_hash_or_question_mark_is_masked(url: str, secret: str) -> None:
    shown = mask_url(url)
    assert secret not in shown


def test_d12_ordinary_urls_keep_what_is_not_secret() -> None:
    assert mask_url("smtp://user:pass@host:587?from=a@b.de") == (
        "smtp://user:***@host:587?from=a@b.de"
    )
    assert mask_url("smtp://host:25?from=praxis@example.org") == (
        "smtp://host:25?from=praxis@example.org"
    )
    assert mask_url("worklist:///var/lib/praxis/letters") == "worklist:///var/lib/praxis/letters"


@settings(max_examples=300, deadline=None)
@given(
    password=st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="@"), min_size=6, max_size=20
    ).filter(lambda p: p.strip() == p and len(set(p)) > 3)
)
def test_d12_no_password_ever_survives_masking(password: str) -> None:
    shown = mask_url(f"smtp://user:{password}@mail.example.org:587?from=a@b.de")
    assert password not in shown
