"""E1: the eTermin API client against the fake server over loopback (and MockTransport)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import pickle
from datetime import date

import httpx
import pytest

from lemnicore_etermin.api import EterminClient, month_chunks, retry_after_seconds, sign
from lemnicore_etermin.errors import EterminAuthError, EterminError, EterminUnavailableError
from lemnicore_etermin.testing import EterminAccount, FakeEterminServer


def client_for(fake: FakeEterminServer, account: EterminAccount, **kw: object) -> EterminClient:
    return EterminClient(account.public_key, account.private_key, base_url=fake.base_url, **kw)  # type: ignore[arg-type]


def test_signature_is_base64_of_hmac_sha256_of_the_salt_keyed_with_the_private_key() -> None:
    """E1: signature = Base64(HMAC-SHA256(key=private key, msg=salt)), not hex."""
    expected = base64.b64encode(hmac.new(b"secret", b"salt-1", hashlib.sha256).digest()).decode()
    assert sign("secret", "salt-1") == expected


def test_every_request_is_signed_with_a_fresh_salt(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    """E1: the fake checks each signature; every request brings a new salt."""
    with client_for(fake, account) as client:
        client.calendars()
        client.contacts()
        client.appointments(date(2026, 5, 1), date(2026, 6, 1))
    salts = [r.salt for r in fake.requests]
    assert len(salts) == 3
    assert len(set(salts)) == 3
    assert all(r.status == 200 for r in fake.requests)


def test_wrong_private_key_is_refused_without_naming_any_key(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    """E1: a 401 is a clear error, and neither key nor signature appears in it."""
    with (
        EterminClient(account.public_key, "wrong-private", base_url=fake.base_url) as client,
        pytest.raises(EterminAuthError) as caught,
    ):
        client.calendars()
    message = str(caught.value)
    assert "401" in message
    assert "wrong-private" not in message
    assert account.public_key not in message


def test_keys_stay_out_of_reprs_pickles_and_logs(
    fake: FakeEterminServer, account: EterminAccount, caplog: pytest.LogCaptureFixture
) -> None:
    """E1: keys are held in memory for the run only — never in a repr, a pickle or a log."""
    caplog.set_level(logging.DEBUG)
    client = client_for(fake, account)
    client.calendars()
    assert account.private_key not in repr(client)
    assert account.public_key not in repr(client)
    assert account.private_key not in repr(vars(client))
    with pytest.raises(TypeError):
        pickle.dumps(client._keys)
    assert account.private_key not in caplog.text
    assert (
        "signature" not in caplog.text.lower() or sign(account.private_key, "") not in caplog.text
    )
    client.close()
    assert client._keys is None  # forgotten
    with pytest.raises(EterminError, match="closed"):
        client.calendars()


def test_appointments_honour_the_exclusive_end_and_calendar_lists(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    """The fake is faithful: ``end`` is exclusive, ``calendarid`` takes a comma list."""
    with client_for(fake, account) as client:
        may_6 = client.appointments(date(2026, 5, 6), date(2026, 5, 7))
        up_to_6 = client.appointments(date(2026, 5, 5), date(2026, 5, 6))
        only_1002 = client.appointments(date(2026, 5, 1), date(2026, 6, 1), ["1002"])
        both = client.appointments(date(2026, 5, 1), date(2026, 6, 1), ["1001", "1002"])
    assert sorted(r["ID"] for r in may_6) == [12, 13]
    assert [r["ID"] for r in up_to_6] == [11]
    assert [r["ID"] for r in only_1002] == [14]
    assert len(both) == 4
    assert fake.requests[-1].params["calendarid"] == "1001,1002"


def test_without_accept_json_the_fake_answers_xml_like_etermin(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    salt = "abc"
    headers = {
        "publickey": account.public_key,
        "salt": salt,
        "signature": sign(account.private_key, salt),
    }
    response = httpx.get(fake.base_url + "calendar", headers=headers)
    assert response.headers["content-type"].startswith("application/xml")


def test_month_chunks_split_a_long_window_at_month_starts() -> None:
    """E6: a month per request; [start, end) with the end exclusive."""
    assert month_chunks(date(2026, 1, 15), date(2026, 3, 10)) == [
        (date(2026, 1, 15), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 3, 1), date(2026, 3, 10)),
    ]
    assert month_chunks(date(2025, 12, 1), date(2026, 1, 1)) == [
        (date(2025, 12, 1), date(2026, 1, 1))
    ]


def test_429_is_retried_honouring_retry_after(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    """D15-style politeness for the importer: 429 with Retry-After waits that long."""
    waits: list[float] = []
    fake.fail_next(2, status=429, retry_after="7")
    with client_for(fake, account, sleep=waits.append) as client:
        assert len(client.calendars()) == 2
    assert waits == [7.0, 7.0]
    assert [r.status for r in fake.requests] == [429, 429, 200]


def test_5xx_is_retried_with_capped_exponential_backoff_and_jitter(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    waits: list[float] = []
    fake.fail_next(5, status=503)
    with client_for(
        fake, account, sleep=waits.append, backoff_base=1.0, backoff_cap=4.0, max_attempts=6
    ) as client:
        client.contacts()
    assert len(waits) == 5
    caps = [1.0, 2.0, 4.0, 4.0, 4.0]
    assert all(0 <= w <= cap for w, cap in zip(waits, caps, strict=True))


def test_the_client_gives_up_after_the_last_attempt(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    fake.fail_next(10, status=500)
    with (
        client_for(fake, account, sleep=lambda s: None, max_attempts=3) as client,
        pytest.raises(EterminUnavailableError, match=r"3 attempts.*HTTP 500"),
    ):
        client.calendars()


def test_timeouts_are_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json=[{"CalendarID": "1"}])

    with EterminClient(
        "pk", "sk", transport=httpx.MockTransport(handler), sleep=lambda s: None
    ) as client:
        assert client.calendars() == [{"CalendarID": "1"}]
    assert calls == 3


def test_retry_after_as_http_date() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 5, 4, 7, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 04 May 2026 07:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_month_requests_run_a_few_at_a_time_and_come_back_in_order(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    with client_for(fake, account, concurrency=3) as client:
        chunks = list(client.appointments_by_month(date(2026, 1, 1), date(2026, 12, 1)))
    assert [c[0][0].month for c in chunks] == list(range(1, 12))
    assert sum(len(c[1]) for c in chunks) == 4


def test_e1_a_wrong_base_url_names_the_url_it_tried(
    fake: FakeEterminServer, account: EterminAccount
) -> None:
    wrong = fake.base_url.rstrip("/") + "/v2/"
    with (
        EterminClient(account.public_key, account.private_key, base_url=wrong) as client,
        pytest.raises(EterminError) as caught,
    ):
        client.calendars()
    assert f"{wrong}calendar" in str(caught.value)
    assert "HTTP 404" in str(caught.value)


@pytest.mark.parametrize("url", ["etermin.net/api", "htps://www.etermin.net/api/", "https://"])
def test_e1_a_malformed_base_url_is_refused_at_once_naming_it(url: str) -> None:
    naps: list[float] = []
    with pytest.raises(EterminError, match="not a usable eTermin API base URL") as caught:
        EterminClient("pk", "sk", base_url=url, sleep=naps.append)
    assert repr(url) in str(caught.value)
    assert naps == []
