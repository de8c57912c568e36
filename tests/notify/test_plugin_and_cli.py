"""D12/G3: the transports register through the hooks like any third-party plugin, and
``lemnicore notify test-transport`` sends one message."""

from __future__ import annotations

import pluggy
import pytest

from lemnicore.cli import main
from lemnicore.plugins.manager import collect_registrations
from lemnicore_notify import SevenSmsTransport, SmtpTransport
from lemnicore_notify.testing import FakeSevenGateway, FakeThreemaGateway, SmtpSink


def test_d12_every_scheme_is_registered_through_the_entry_point(
    plugin_manager: pluggy.PluginManager,
) -> None:
    factories = collect_registrations(
        plugin_manager.hook.lemnicore_register_transports, "transport"
    )
    assert {"smtp", "smtps", "sms+seven", "sms+twilio", "threema", "worklist"} <= set(factories)
    transport = factories["sms+seven"]("sms+seven://KEY@gateway.seven.io?from=Praxis")
    assert isinstance(transport, SevenSmsTransport)
    transport.close()
    assert isinstance(factories["smtp"]("smtp://h?from=a@example.org"), SmtpTransport)


def test_g3_test_transport_sends_one_sms_and_prints_the_masked_url(
    seven: FakeSevenGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["notify", "test-transport", seven.transport_url(), "--to", "0170 1234567"])
    out = capsys.readouterr()
    assert code == 0
    (received,) = seven.received
    assert received.to == "491701234567"
    assert f"message id: {received.message_id}" in out.out
    assert "sms+seven://***@gateway.seven.io" in out.out
    assert seven.api_key not in out.out + out.err


def test_g3_test_transport_sends_one_email(
    smtp_sink: SmtpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["notify", "test-transport", smtp_sink.transport_url(), "--to", "anna@example.org"])
    assert code == 0
    assert smtp_sink.messages[0].email["Subject"] == "lemnicore test message"
    assert "message id: <" in capsys.readouterr().out


def test_g3_a_failing_send_reports_the_reason_without_the_secret(
    threema: FakeThreemaGateway, capsys: pytest.CaptureFixture[str]
) -> None:
    threema.credits = 0
    code = main(["notify", "test-transport", threema.transport_url(), "--to", "ECHOECHO"])
    err = capsys.readouterr().err
    assert code == 1
    assert "no credits" in err
    assert threema.secret not in err


def test_g3_an_unknown_scheme_lists_the_installed_transports(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["notify", "test-transport", "fax://user:geheim@host", "--to", "123"])
    err = capsys.readouterr().err
    assert code == 1
    assert "sms+seven://" in err
    assert "geheim" not in err


def test_g3_a_channel_the_transport_does_not_carry_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["notify", "test-transport", "worklist://memory", "--to", "x", "--channel", "sms"])
    assert code == 2
    assert "letter, phone" in capsys.readouterr().err
