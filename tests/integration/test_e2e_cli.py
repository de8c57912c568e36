"""End to end on the command line (G3, D12): ``lemnicore notify run`` and
``lemnicore notify test-transport`` against a SQLite practice and loopback providers.
Output names transports by their masked URLs only: no secret is ever printed."""

from __future__ import annotations

from typing import Any

import pytest
from _pytest.capture import CaptureResult

from lemnicore.cli import main
from lemnicore_notify.testing import FakeSevenGateway, FakeThreemaGateway, SmtpSink

from .conftest import SECRETS
from .praxis import Praxis


def _notify_run(praxis: Praxis, now: str, urls: tuple[str, ...]) -> int:
    transports = [arg for url in urls for arg in ("--transport", url)]
    return main(["notify", "run", "--store", f"sqlite:///{praxis.path}", *transports, "--now", now])


def _no_secrets(captured: CaptureResult[str]) -> None:
    shown = captured.out + captured.err
    assert not [secret for secret in SECRETS if secret in shown]


def test_g3_notify_run_sends_through_real_transports_and_says_why_others_were_skipped(
    praxis: Praxis,
    sink: SmtpSink,
    smtp_url: str,
    seven: FakeSevenGateway,
    threema: FakeThreemaGateway,
    capsys: pytest.CaptureFixture[str],
) -> None:
    praxis.book("eva", praxis.eva, praxis.at(5, 5, 15))
    praxis.book("jonas", praxis.jonas, praxis.at(5, 6, 10))
    bob = praxis.practice.add_client("Kurz", "Bob", email="bob@example.org", consent=False)
    no_consent = praxis.book("bob", bob, praxis.at(5, 6, 14))
    home_visit = praxis.practice.add_appointment_type("Hausbesuch", allows_auto_notifications=False)
    silent = praxis.practice.appointment(
        praxis.anna, praxis.room, praxis.at(5, 7, 9), type_id=home_visit, client_id=praxis.lina
    )
    urls = (smtp_url, seven.transport_url(), threema.transport_url())

    assert _notify_run(praxis, "2026-05-04T10:00", urls) == 0
    monday = capsys.readouterr()
    assert _notify_run(praxis, "2026-05-05T10:00", urls) == 0
    tuesday = capsys.readouterr()

    for captured in (monday, tuesday):
        _no_secrets(captured)
        assert f"Transport smtp://praxis:***@127.0.0.1:{sink.port}?from=praxis@" in captured.out
        assert "Transport sms+seven://***@gateway.seven.io?from=Praxis&base_url=" in captured.out
        assert "Transport threema://*LEMNI01:***@msgapi.threema.ch?base_url=" in captured.out
    monday_lines = monday.out.splitlines()
    assert "Run at 2026-05-04 10:00 Europe/Berlin (CEST): 2 message(s) due" in monday_lines
    assert sorted(line for line in monday_lines if line.startswith("  sent:")) == [
        "  sent: confirmation to eva.meier@example.org",
        "  sent: confirmation to jonas.weber@example.org",
    ]
    assert f"  {no_consent.id} confirmation: no_consent" in monday.out
    assert f"  {silent.id} confirmation: type_not_allowed" in monday.out

    tuesday_lines = tuesday.out.splitlines()
    assert sorted(line for line in tuesday_lines if line.startswith("  sent:")) == [
        # D5: the reminder due Monday 15:00 was missed (no run since), caught up now.
        "  sent: reminder to +4915123456789",  # G: E.164 from registration on
        "  sent: reminder to eva.meier@example.org",
    ]
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == [
        "eva.meier@example.org",
        "eva.meier@example.org",
        "jonas.weber@example.org",
    ]
    assert [r.to for r in seven.received] == ["4915123456789"]
    assert threema.received == []


def test_g3_notify_run_reports_an_empty_sms_account(
    praxis: Praxis, seven: FakeSevenGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    praxis.book("jonas", praxis.jonas, praxis.at(5, 6, 10))
    seven.credits = 0

    assert _notify_run(praxis, "2026-05-05T10:00", (seven.transport_url(),)) == 0

    captured = capsys.readouterr()
    _no_secrets(captured)
    assert (
        "  pending: reminder to +4915123456789"
        " (channel paused: seven.io: not enough credit (code 500))" in captured.out
    )
    assert seven.received == []


@pytest.mark.parametrize(
    ("fake_name", "recipient", "masked", "provider"),
    [
        ("sink", "eva.meier@example.org", "smtp://praxis:***@127.0.0.1:", "smtp"),
        ("seven", "0151 23456789", "sms+seven://***@gateway.seven.io?from=Praxis", "seven.io"),
        ("threema", "LINA2026", "threema://*LEMNI01:***@msgapi.threema.ch?base_url=", "threema"),
    ],
)
def test_g3_test_transport_sends_one_message_and_shows_only_the_masked_url(
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    fake_name: str,
    recipient: str,
    masked: str,
    provider: str,
) -> None:
    fake: Any = request.getfixturevalue(fake_name)
    url = fake.transport_url() if fake_name != "sink" else request.getfixturevalue("smtp_url")

    assert main(["notify", "test-transport", url, "--to", recipient]) == 0

    captured = capsys.readouterr()
    _no_secrets(captured)
    assert captured.out.startswith(f"transport: {masked}")
    arrived = fake.messages if fake_name == "sink" else fake.received
    assert len(arrived) == 1
    message_id = arrived[0].email["Message-ID"] if fake_name == "sink" else arrived[0].message_id
    assert f"sent via {provider}; message id: {message_id}" in captured.out


def test_g3_a_refused_test_message_names_the_reason_not_the_secret(
    threema: FakeThreemaGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    threema.reject_next(401)
    assert main(["notify", "test-transport", threema.transport_url(), "--to", "LINA2026"]) == 1
    captured = capsys.readouterr()
    _no_secrets(captured)
    assert "threema: wrong gateway identity or secret (code 401)" in captured.err
