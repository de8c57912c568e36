"""H1/H3/H4/H5 over real HTTP on loopback (httpx): what the pages do without a browser."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time

import attrs
import httpx
import pytest

from lemnicore import Actor, AppointmentStatus, Role, WorkingHours, WorkingTime
from lemnicore.online.horizon import OpenRequestLimits

from .conftest import STAFF_LOGIN, STAFF_PASSWORD, Booking

MONDAY_NEXT = "2026-05-11"
SLOT = "2026-05-11T09:00:00+02:00"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _hold(client: httpx.Client, b: Booking, start: str = SLOT) -> tuple[str, str]:
    page = client.get(f"{b.page}?week={MONDAY_NEXT}")
    form = client.post(f"{b.page}/slot", data={"csrf_token": _csrf(page.text), "start": start})
    assert form.status_code == 200, form.text
    hold = re.search(r'name="hold" value="([^"]+)"', form.text)
    assert hold is not None
    return _csrf(form.text), hold.group(1)


def _request(client: httpx.Client, b: Booking, **fields: str) -> httpx.Response:
    csrf, hold = _hold(client, b, fields.pop("start", SLOT))
    data = {"csrf_token": csrf, "start": SLOT, "hold": hold, "last_name": "Meier"}
    data |= {"email": "petra@example.org"} | fields
    return client.post(f"{b.page}/request", data=data)


def test_h4_every_page_carries_the_security_headers_and_the_practices_frame_ancestors(
    booking: Booking,
) -> None:
    answer = httpx.get(booking.page)
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors https://praxis.example" in csp
    assert "default-src 'none'" in csp
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"


def test_h4_a_form_posted_without_the_sessions_csrf_token_is_refused(booking: Booking) -> None:
    with httpx.Client() as client:
        client.get(booking.page)
        answer = client.post(f"{booking.page}/slot", data={"start": SLOT, "csrf_token": "forged"})
    assert answer.status_code == 403
    assert booking.site.online.week(booking.token).free_slots  # nothing held


def test_c3_every_wrong_field_gets_its_own_error_next_to_it(booking: Booking) -> None:
    with httpx.Client(headers={"accept-language": "en"}) as client:
        answer = _request(client, booking, last_name=" ", email="petra(at)example", phone="abc")
    assert answer.status_code == 422
    for field in ("last_name", "email", "phone"):
        assert f'id="{field}-error"' in answer.text
        assert f'aria-describedby="{field}-error"' in answer.text
    assert 'id="first_name-error"' not in answer.text
    assert 'value="petra(at)example"' in answer.text  # what was typed stays


def test_c4_h4_a_request_redirects_to_a_url_without_personal_data(booking: Booking) -> None:
    with httpx.Client() as client:
        answer = _request(client, booking, last_name="Meier", email="petra.meier@example.org")
        assert answer.status_code == 303
        location = answer.headers["location"]
        assert "meier" not in location.lower()
        assert "example.org" not in location
        received = client.get(f"{booking.url}{location}")
    assert "Anfrage eingegangen" in received.text
    [request] = booking.site.online.requests(booking.practice.owner(booking.anna))
    assert request.requester is not None
    assert request.requester.email == "petra.meier@example.org"


def test_h4_the_honeypot_refuses_the_request_and_stores_nothing(booking: Booking) -> None:
    with httpx.Client() as client:
        answer = _request(client, booking, website="http://spam.example")
    assert answer.status_code == 400
    assert booking.site.online.requests(booking.practice.owner(booking.anna)) == []


def test_h4_a_slot_inside_the_lead_time_is_shown_taken_and_cannot_be_held(
    booking: Booking,
) -> None:
    # Now is Monday 09:00; the lead time is two hours: 10:30 is too soon, 11:00 is not.
    week = httpx.get(f"{booking.url}/api/v1/booking/{booking.token}/week").json()
    monday = {s["start"][11:16]: s["free"] for s in week["days"][0]["slots"]}
    assert monday["10:30"] is False
    assert monday["11:00"] is True
    with httpx.Client() as client:
        page = client.get(booking.page)
        answer = client.post(
            f"{booking.page}/slot",
            data={"csrf_token": _csrf(page.text), "start": "2026-05-04T10:30:00+02:00"},
        )
    assert answer.status_code == 422


def test_h4_a_fourth_open_request_from_one_email_is_refused_at_the_email_field(
    booking: Booking,
) -> None:
    with httpx.Client(headers={"accept-language": "en"}) as client:
        for hour in ("08:00", "08:30", "09:00"):
            start = f"2026-05-11T{hour}:00+02:00"
            csrf, hold = _hold(client, booking, start)
            data = {"csrf_token": csrf, "start": start, "hold": hold}
            data |= {"last_name": "Meier", "email": "petra@example.org"}
            assert client.post(f"{booking.page}/request", data=data).status_code == 303
        start = "2026-05-11T09:30:00+02:00"
        csrf, hold = _hold(client, booking, start)
        data = {"csrf_token": csrf, "start": start, "hold": hold}
        data |= {"last_name": "Meier", "email": "PETRA@example.org"}
        answer = client.post(f"{booking.page}/request", data=data)
    assert answer.status_code == 422
    assert 'id="email-error"' in answer.text
    assert "too many open requests" in answer.text


def test_h1_the_language_follows_accept_language_and_the_switch_wins(booking: Booking) -> None:
    with httpx.Client(headers={"accept-language": "en-GB,en;q=0.9,de;q=0.5"}) as client:
        assert "Next week" in client.get(booking.page).text
        assert "Nächste Woche" in client.get(f"{booking.page}?lang=de").text
        assert "Nächste Woche" in client.get(booking.page).text  # remembered
    assert "Nächste Woche" in httpx.get(booking.page).text  # the practice's default


def test_h1_an_unknown_booking_link_is_not_found(booking: Booking) -> None:
    assert httpx.get(f"{booking.url}/book/no-such-token").status_code == 404


def test_h5_the_self_cancel_link_frees_the_slot_and_refuses_a_forged_link(
    booking: Booking,
) -> None:
    with httpx.Client() as client:
        location = _request(client, booking).headers["location"]
        ref = location.rsplit("/", 1)[1]
        page = client.get(f"{booking.url}/cancel/{ref}")
        assert page.status_code == 200
        done = client.post(f"{booking.url}/cancel/{ref}", data={"csrf_token": _csrf(page.text)})
        assert "abgesagt" in done.text
        forged = ref[:-2] + ("AA" if not ref.endswith("AA") else "BB")
        assert client.get(f"{booking.url}/cancel/{forged}").status_code == 404
    week = booking.site.online.week(booking.token, booking.practice.at(2026, 5, 11).date())
    assert any(s.free and s.start.isoformat() == SLOT for s in week.slots)


def test_a11_h5_a_cancel_through_the_page_offers_the_slot_to_the_first_waiting_client(
    booking: Booking,
) -> None:
    practice = booking.practice
    owner = practice.owner(booking.anna)
    waiting = practice.add_client("Schulz", "Jan", email="jan@example.org")
    practice.waiting_list.add(
        owner, client_id=waiting, type_id="treatment", earliest=date(2026, 5, 4),
        latest=date(2026, 5, 29),
    )  # fmt: skip
    tuesday = practice.appointment(
        booking.anna, booking.room, practice.at(2026, 5, 12, 9), client_id=booking.client_id
    )
    link = booking.site.cancel_url(tuesday.id)
    with httpx.Client() as client:
        page = client.get(link)
        done = client.post(link, data={"csrf_token": _csrf(page.text)})
        assert "abgesagt" in done.text
    [offer] = practice.waiting_list.offers(owner, "org-1")
    assert (offer.client_id, offer.slot.start) == (waiting, tuesday.start)


def test_h5_after_the_deadline_the_link_no_longer_cancels(booking: Booking) -> None:
    with httpx.Client() as client:
        location = _request(client, booking).headers["location"]
        ref = location.rsplit("/", 1)[1]
        booking.practice.clock.set(booking.practice.at(2026, 5, 10, 9, 1))  # < 24 h before
        page = client.get(f"{booking.url}/cancel/{ref}")
        assert "nicht mehr abgesagt" in page.text
    [request] = booking.site.online.requests(booking.practice.owner(booking.anna))
    assert request.start == datetime.fromisoformat(SLOT)


def _staff(client: httpx.Client, b: Booking) -> httpx.Response:
    page = client.get(f"{b.url}/staff/login")
    return client.post(
        f"{b.url}/staff/login",
        data={"csrf_token": _csrf(page.text), "login_id": STAFF_LOGIN, "password": STAFF_PASSWORD},
        follow_redirects=True,
    )


def test_h3_staff_must_log_in_and_a_wrong_password_is_refused(booking: Booking) -> None:
    with httpx.Client() as client:
        assert client.get(f"{booking.url}/staff").headers["location"] == "/staff/login"
        page = client.get(f"{booking.url}/staff/login")
        wrong = client.post(
            f"{booking.url}/staff/login",
            data={"csrf_token": _csrf(page.text), "login_id": STAFF_LOGIN, "password": "nope"},
        )
    assert wrong.status_code == 401


def test_h3_staff_decline_a_request_and_the_slot_is_free_again(booking: Booking) -> None:
    with httpx.Client() as client:
        _request(client, booking)
    with httpx.Client() as staff:
        inbox = _staff(staff, booking)
        assert "petra@example.org" in inbox.text
        [request] = booking.site.online.requests(booking.practice.owner(booking.anna))
        answer = staff.post(
            f"{booking.url}/staff/requests/{request.appointment_id}/decline",
            data={"csrf_token": _csrf(inbox.text)},
        )
    assert "abgelehnt" in answer.text
    with booking.practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(request.appointment_id).status is AppointmentStatus.CANCELLED


@pytest.mark.parametrize("path", ["/staff", "/book/x", "/login"])
def test_h4_no_page_answers_with_a_server_error_to_garbage(booking: Booking, path: str) -> None:
    answer = httpx.get(f"{booking.url}{path}?week=not-a-date&lang=xx")
    assert answer.status_code < 500


def test_c5_d4_confirming_with_a_new_client_sends_the_confirmation_an_hour_later(
    booking: Booking,
) -> None:
    with httpx.Client() as client:
        _request(client, booking, last_name="Neu", email="neu@example.org")
    with httpx.Client() as staff:
        inbox = _staff(staff, booking)
        [request] = booking.site.online.requests(booking.practice.owner(booking.anna))
        answer = staff.post(
            f"{booking.url}/staff/requests/{request.appointment_id}/confirm",
            data={"csrf_token": _csrf(inbox.text), "attach": "new"},
        )
    assert "Termin bestätigt" in answer.text
    to_neu = [m for m in booking.sink.messages if m.rcpt_tos == ("neu@example.org",)]
    assert len(to_neu) == 1  # only "request received": D4 holds the new record's first hour
    booking.practice.clock.advance(hours=1, minutes=1)
    assert booking.site.notifications is not None
    booking.site.notifications.run()
    to_neu = [m for m in booking.sink.messages if m.rcpt_tos == ("neu@example.org",)]
    assert len(to_neu) == 2
    assert "/cancel/" in to_neu[1].email.get_body(preferencelist=("plain",)).get_content()


def test_h4_open_requests_from_one_network_address_are_limited(booking: Booking) -> None:
    booking.site.config = attrs.evolve(
        booking.site.config, limits=OpenRequestLimits(per_email=None, per_address=2)
    )
    with httpx.Client() as client:
        statuses = []
        for n, hour in enumerate(("08:00", "08:30", "09:00")):
            start = f"2026-05-11T{hour}:00+02:00"
            csrf, hold = _hold(client, booking, start)
            data = {"csrf_token": csrf, "start": start, "hold": hold}
            data |= {"last_name": f"Person {n}", "email": f"p{n}@example.org"}
            statuses.append(client.post(f"{booking.page}/request", data=data).status_code)
    assert statuses == [303, 303, 422]


def test_h1_behind_a_reverse_proxy_links_and_redirects_keep_the_prefix(booking: Booking) -> None:
    import asyncio
    import concurrent.futures

    from lemnicore_web import create_app

    app = create_app(
        booking.practice.store, config=booking.site.config, clock=booking.practice.clock
    )
    transport = httpx.ASGITransport(app=app, root_path="/termine")

    async def journey() -> tuple[str, str]:
        async with httpx.AsyncClient(transport=transport, base_url="http://praxis") as client:
            week = await client.get(f"/termine/book/{booking.token}?week={MONDAY_NEXT}")
            csrf = _csrf(week.text)
            form = await client.post(
                f"/termine/book/{booking.token}/slot", data={"csrf_token": csrf, "start": SLOT}
            )
            hold = re.search(r'name="hold" value="([^"]+)"', form.text)
            assert hold is not None
            sent = await client.post(
                f"/termine/book/{booking.token}/request",
                data={"csrf_token": _csrf(form.text), "start": SLOT, "hold": hold.group(1),
                      "last_name": "Meier", "email": "petra@example.org"},
            )  # fmt: skip
            return week.text, sent.headers["location"]

    # In a thread of its own: Playwright's sync API may hold this thread's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        week, location = pool.submit(asyncio.run, journey()).result()
    assert f'action="/termine/book/{booking.token}/slot"' in week
    assert location.startswith(f"/termine/book/{booking.token}/received/")


def test_h3_b1_staff_of_another_organisation_see_no_requests(booking: Booking) -> None:
    from lemnicore import Actor, Role
    from lemnicore_web import StaffLogin

    stranger = Actor(id="user-x", role=Role.FRONT_DESK, name="Xaver", organisation_id="org-2")
    booking.site.config = attrs.evolve(
        booking.site.config,
        staff=(StaffLogin.with_password("x@other.example", "x-password-1", stranger),),
    )
    with httpx.Client() as client:
        _request(client, booking)
    with httpx.Client() as staff:
        page = staff.get(f"{booking.url}/staff/login")
        inbox = staff.post(
            f"{booking.url}/staff/login",
            data={"csrf_token": _csrf(page.text), "login_id": "x@other.example",
                  "password": "x-password-1"},
            follow_redirects=True,
        )  # fmt: skip
        assert "Offene Anfragen" in inbox.text
        assert "petra@example.org" not in inbox.text
        [request] = booking.site.online.requests(booking.practice.owner(booking.anna))
        answer = staff.post(
            f"{booking.url}/staff/requests/{request.appointment_id}/decline",
            data={"csrf_token": _csrf(inbox.text)},
        )
    assert answer.status_code == 403
    assert booking.site.online.requests(booking.practice.owner(booking.anna)) == [request]


def test_h4_the_access_log_of_a_whole_request_holds_no_personal_data(
    booking: Booking, caplog: pytest.LogCaptureFixture
) -> None:
    from lemnicore_web import create_app
    from lemnicore_web.testing import LiveServer

    app = create_app(
        booking.practice.store, config=booking.site.config, clock=booking.practice.clock
    )
    logged = Booking(
        **{**attrs.asdict(booking, recurse=False), "server": LiveServer(app, access_log=True)}
    )
    with (
        caplog.at_level(logging.INFO, logger="uvicorn.access"),
        logged.server,
        httpx.Client() as client,
    ):
        answer = _request(
            client,
            logged,
            last_name="Wachtmeister",
            first_name="Petra",
            email="petra.wachtmeister@example.org",
            phone="+49 40 1234567",
        )
        client.get(f"{logged.url}{answer.headers['location']}")
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert any("/request" in line for line in lines)  # the log is on
    text = "\n".join(lines).lower()
    for personal in ("wachtmeister", "petra", "example.org", "1234567"):
        assert personal not in text


def test_c4_picking_another_slot_gives_the_first_hold_back(booking: Booking) -> None:
    with httpx.Client() as client:
        _hold(client, booking, SLOT)
        _hold(client, booking, "2026-05-11T10:00:00+02:00")
    week = booking.site.online.week(booking.token, booking.practice.at(2026, 5, 11).date())
    free = {s.start.isoformat(): s.free for s in week.days[0].slots}
    assert free[SLOT] is True
    assert free["2026-05-11T10:00:00+02:00"] is False


def test_a10_h1_a_time_outside_annas_working_hours_says_so_rather_than_taken(
    booking: Booking,
) -> None:
    """Kabine 1 is open until 12:00, but Anna works Mondays 08:00-10:00 only: 11:00 is
    not free, and picking it anyway says why — it has not "just been taken" (A10)."""
    admin = Actor("user-admin", Role.OWNER, organisation_id="org-1")
    hours = WorkingHours(booking.practice.store, booking.practice.clock)
    hours.set_practitioner_hours(admin, booking.anna, [WorkingTime({0}, time(8), time(10))])
    eleven = "2026-05-11T11:00:00+02:00"
    with httpx.Client(headers={"accept-language": "en"}) as client:
        page = client.get(f"{booking.page}?week={MONDAY_NEXT}")
        answer = client.post(
            f"{booking.page}/slot", data={"csrf_token": _csrf(page.text), "start": eleven}
        )
    assert answer.status_code == 422
    assert "working hours" in answer.text
    assert "just taken" not in answer.text
    api = httpx.post(
        f"{booking.url}/api/v1/booking/{booking.token}/requests",
        json={"start": eleven, "last_name": "Meier", "email": "petra@example.org"},
    )
    assert api.status_code == 422
    assert api.json()["field"] == "start"
    assert "working hours" in api.json()["detail"]
