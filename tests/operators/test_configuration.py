"""G6: operators configure through the environment and a TOML file; options still win."""

from __future__ import annotations

from pathlib import Path

import pytest

from lemnicore.cli import build_parser, main
from lemnicore.cli.config import Settings, load_settings
from lemnicore.testing.transports import CapturingTransport

NOW = ["--now", "2026-05-04T16:00+02:00"]


def test_g6_the_store_comes_from_lemnicore_store(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LEMNICORE_STORE", store_url)
    assert main(["notify", "run", "--dry-run", *NOW]) == 0
    assert "would send: confirmation via email to eva@example.org" in capsys.readouterr().out


def test_g6_transports_come_from_the_toml_file_and_no_secret_is_in_argv(
    store_url: str,
    tmp_path: Path,
    capture_transport: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "ops.toml"
    config.write_text(f'store = "{store_url}"\n\n[notify]\ntransport = ["capture://from-file"]\n')
    assert main(["--config", str(config), "notify", "run", *NOW]) == 0
    assert "sent: confirmation to eva@example.org" in capsys.readouterr().out
    # D8: on go-live day the confirmation and the reminder both go out, through the file's
    # transport; nothing to the client without consent.
    assert [m.address for m in CapturingTransport.named("from-file").delivered] == [
        "eva@example.org",
        "eva@example.org",
    ]


def test_g6_an_option_replaces_the_configured_list_instead_of_adding_to_it(
    store_url: str, monkeypatch: pytest.MonkeyPatch, capture_transport: None
) -> None:
    monkeypatch.setenv("LEMNICORE_NOTIFY_TRANSPORT", "capture://env-a capture://env-b")
    args = ["notify", "run", "--store", store_url, "--transport", "capture://argv", *NOW]
    assert main(args) == 0
    # D8: the confirmation and, on go-live day, the reminder — both through the option's.
    assert len(CapturingTransport.named("argv").delivered) == 2
    assert CapturingTransport.named("env-a").delivered == []
    assert CapturingTransport.named("env-b").delivered == []


def test_g6_precedence_is_option_then_environment_then_file(tmp_path: Path) -> None:
    file = tmp_path / "lemnicore.toml"
    file.write_text('store = "sqlite:///file.db"\n[import.etermin]\npublic_key = "from-file"\n')
    settings = load_settings(str(file), environ={"LEMNICORE_STORE": "sqlite:///env.db"})
    parser = build_parser(settings)
    key = tmp_path / "key.txt"  # G7: the key file must exist (existing_file)
    key.write_text("secret")
    args = parser.parse_args(["import", "etermin", "--private-key-file", str(key)])
    assert (args.store, args.public_key) == ("sqlite:///env.db", "from-file")
    args = parser.parse_args(
        ["import", "etermin", "--private-key-file", str(key), "--store", "sqlite:///opt.db"]
    )
    assert args.store == "sqlite:///opt.db"


def test_g6_the_etermin_public_key_comes_from_its_own_variable(tmp_path: Path) -> None:
    key = tmp_path / "k"
    key.write_text("secret")
    settings = Settings(environ={"LEMNICORE_ETERMIN_PUBLIC_KEY": "pk", "LEMNICORE_STORE": "m"})
    args = build_parser(settings).parse_args(["import", "etermin", "--private-key-file", str(key)])
    assert args.public_key == "pk"


def test_g6_a_flag_and_a_typed_option_read_from_the_file(tmp_path: Path) -> None:
    file = tmp_path / "lemnicore.toml"
    file.write_text('[import.etermin]\ndry-run = true\nfrom = -30\npublic_key = "pk"\n')
    settings = load_settings(str(file), environ={})
    key = tmp_path / "k"
    key.write_text("secret")
    args = build_parser(settings).parse_args(
        ["import", "etermin", "--private-key-file", str(key), "--store", "memory://"]
    )
    assert (args.dry_run, args.public_key, args.window_from) == (True, "pk", -30)


def test_g6_lemnicore_toml_in_the_current_folder_is_read(
    store_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lemnicore.toml").write_text(f'[notify]\nstore = "{store_url}"\n')
    assert main(["notify", "why", "appointment-2", "--now", "2026-05-04T16:00"]) == 0
    assert "appointment-2" in capsys.readouterr().out


def test_g6_lemnicore_config_names_the_file(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text(f'store = "{store_url}"\n')
    monkeypatch.setenv("LEMNICORE_CONFIG", str(config))
    assert main(["notify", "policy", "--json"]) == 0


def test_g6_a_missing_configuration_file_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(tmp_path / "nope.toml"), "version"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nope.toml" in err


def test_g6_broken_toml_is_one_line_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "broken.toml"
    config.write_text('store = "sqlite:///x.db"\n[notify\n')
    assert main(["--config", str(config), "version"]) == 1
    err = capsys.readouterr().err
    assert "broken.toml" in err
    assert "line 2" in err
    assert err.count("\n") == 1


def test_g6_a_wrongly_typed_value_names_where_it_came_from(tmp_path: Path) -> None:
    config = tmp_path / "lemnicore.toml"
    config.write_text("[notify.run]\ntransport = 5\n")
    with pytest.raises(ValueError, match=r"lemnicore.toml:notify.run.transport"):
        build_parser(load_settings(str(config), environ={})).parse_args(["notify", "run"])


def test_g6_configured_options_are_no_longer_required() -> None:
    parser = build_parser(Settings(environ={}))
    with pytest.raises(SystemExit):
        parser.parse_args(["notify", "run"])  # --store is required without configuration
    parser = build_parser(Settings(environ={"LEMNICORE_STORE": "memory://"}))
    assert parser.parse_args(["notify", "run"]).store == "memory://"


def test_g6_test_transport_takes_the_configured_url_so_the_key_stays_out_of_argv(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lemnicore_notify.testing import FakeSevenGateway

    with FakeSevenGateway() as seven:
        monkeypatch.setenv("LEMNICORE_NOTIFY_TRANSPORT", seven.transport_url())
        assert main(["notify", "test-transport", "--to", "0170 1234567"]) == 0
        (received,) = seven.received
    assert f"message id: {received.message_id}" in capsys.readouterr().out


def test_g6_test_transport_without_any_transport_says_how_to_name_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["notify", "test-transport", "--to", "anna@example.org"]) == 1
    assert "LEMNICORE_NOTIFY_TRANSPORT" in capsys.readouterr().err


def test_g6_the_demo_never_writes_into_the_configured_real_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEMNICORE_STORE", f"sqlite:///{tmp_path / 'praxis.db'}")
    assert main(["demo", "--now", "2026-05-06T10:15"]) == 0
    assert (tmp_path / "lemnicore-demo.db").exists()
    assert not (tmp_path / "praxis.db").exists()
    assert "sqlite:///lemnicore-demo.db" in capsys.readouterr().out
