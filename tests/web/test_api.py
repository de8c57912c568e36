"""H2: the JSON API — week, request, login, cancel — with problem+json errors naming the
field, and no server error for anything hypothesis sends against the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Booking

SLOT = "2026-05-11T09:00:00+02:00"


def test_h2_the_openapi_document_lists_the_four_operations(booking: Booking) -> None:
    document = httpx.get(f"{booking.url}/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert operations == {"week", "request", "login", "cancel"}


def test_h2_request_then_cancel_through_the_api(booking: Booking) -> None:
    api = f"{booking.url}/api/v1"
    with httpx.Client() as client:
        made = client.post(
            f"{api}/booking/{booking.token}/requests",
            json={"start": SLOT, "last_name": "Meier", "email": "petra@example.org"},
        )
        assert made.status_code == 201, made.text
        taken = client.post(
            f"{api}/booking/{booking.token}/requests",
            json={"start": SLOT, "last_name": "Schulz", "email": "schulz@example.org"},
        )
        assert taken.status_code == 409
        assert taken.headers["content-type"] == "application/problem+json"
        assert taken.json()["field"] == "start"
        week = client.get(f"{api}/booking/{booking.token}/week", params={"week": "2026-05-11"})
        monday = {s["start"]: s["free"] for s in week.json()["days"][0]["slots"]}
        assert monday[SLOT] is False
        cancelled = client.post(f"{api}/cancel", json={"token": made.json()["cancel_token"]})
        assert cancelled.json()["status"] == "cancelled"
        week = client.get(f"{api}/booking/{booking.token}/week", params={"week": "2026-05-11"})
        assert {s["start"]: s["free"] for s in week.json()["days"][0]["slots"]}[SLOT] is True


def test_h2_a_bad_email_is_a_problem_naming_the_field(booking: Booking) -> None:
    answer = httpx.post(
        f"{booking.url}/api/v1/booking/{booking.token}/requests",
        json={"start": SLOT, "last_name": "Meier", "email": "petra"},
    )
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == "email"


def test_h4_the_api_refuses_a_form_encoded_body(booking: Booking) -> None:
    # A cross-site HTML form can send form encoding, never application/json.
    answer = httpx.post(
        f"{booking.url}/api/v1/cancel", data={"token": "x"}, headers={"origin": "https://evil"}
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "body"


def test_h2_a_wrong_login_is_401_naming_the_password(booking: Booking) -> None:
    answer = httpx.post(
        f"{booking.url}/api/v1/login", json={"login_id": "nobody@example.org", "password": "x"}
    )
    assert answer.status_code == 401
    assert answer.json()["field"] == "password"


_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", SLOT, "2026-05-11", "2026-13-45T99:00", "petra@example.org", "😀"]),
)
_BODY = st.one_of(
    st.dictionaries(
        st.sampled_from(["start", "last_name", "email", "phone", "message", "token", "login_id",
                         "password", "website", "first_name"]),
        st.one_of(_TEXT, st.integers(), st.none(), st.lists(st.integers(), max_size=2)),
        max_size=6,
    ),
    st.lists(st.integers(), max_size=3),
    st.text(max_size=20),
)  # fmt: skip


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    operation=st.sampled_from(["week", "request", "login", "cancel"]),
    body=_BODY,
    week=_TEXT,
    token_ok=st.booleans(),
)
def test_h2_no_input_makes_the_api_answer_with_a_server_error(
    booking: Booking, operation: str, body: object, week: str, token_ok: bool
) -> None:
    token = booking.token if token_ok else "x"
    api = f"{booking.url}/api/v1"
    with httpx.Client() as client:
        if operation == "week":
            answer = client.get(f"{api}/booking/{token}/week", params={"week": week})
        else:
            path = {
                "request": f"/booking/{token}/requests",
                "login": "/login",
                "cancel": "/cancel",
            }[operation]
            answer = client.post(f"{api}{path}", json=body)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert answer.headers["content-type"] == "application/problem+json"


def test_h2_a_week_at_the_edge_of_the_calendar_is_a_problem_not_a_server_error(
    booking: Booking,
) -> None:
    # Found by hand after the fuzz run: year 1 and year 9999 overflowed the week bounds.
    for week in ("0001-01-01", "9999-12-31"):
        answer = httpx.get(
            f"{booking.url}/api/v1/booking/{booking.token}/week", params={"week": week}
        )
        assert answer.status_code == 422
        assert answer.json()["field"] == "week"
        page = httpx.get(booking.page, params={"week": week})
        assert page.status_code == 200  # the page falls back to this week


def test_h1_the_week_is_shown_in_the_branchs_zone_across_the_october_change(
    booking: Booking,
) -> None:
    booking.practice.clock.set(datetime(2026, 10, 1, 7, 0, tzinfo=UTC))
    api = f"{booking.url}/api/v1/booking/{booking.token}/week"
    before = httpx.get(api, params={"week": "2026-10-19"}).json()
    after = httpx.get(api, params={"week": "2026-10-26"}).json()
    # 08:00 on the wall clock both weeks: summer time before the last Sunday, winter after.
    assert before["days"][4]["slots"][0]["start"] == "2026-10-23T08:00:00+02:00"
    assert after["days"][0]["slots"][0]["start"] == "2026-10-26T08:00:00+01:00"
    assert before["next_week"] == "2026-10-26"
