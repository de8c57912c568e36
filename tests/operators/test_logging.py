"""G6: ``-v``/``-q`` set stdlib logging for every lemnicore package and plugin."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from lemnicore.cli.logs import configure_logging


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def say_everything() -> None:
    for name in ("lemnicore.notifications", "lemnicore_notify.smtp", "lemnicore_postgres", "httpx"):
        log = logging.getLogger(name)
        log.debug("%s debug", name)
        log.info("%s info", name)
        log.warning("%s warning", name)
        log.error("%s error", name)


def test_g6_by_default_warnings_reach_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(0)
    say_everything()
    err = capsys.readouterr().err
    assert "lemnicore: warning: lemnicore_notify.smtp warning\n" in err
    assert "info" not in err


def test_g6_v_adds_information_from_lemnicore_and_its_plugins_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(1)
    say_everything()
    err = capsys.readouterr().err
    assert "lemnicore: info: lemnicore.notifications info" in err
    assert "lemnicore: info: lemnicore_postgres info" in err  # a plugin logging by its name
    assert "httpx info" not in err  # httpx logs request URLs at info: not without -vv
    assert "httpx warning" in err
    assert "debug" not in err


def test_g6_vv_debugs_every_library_with_the_logger_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(2)
    say_everything()
    err = capsys.readouterr().err
    assert "lemnicore: httpx debug: httpx debug" in err


def test_g6_q_leaves_errors_only(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(-1)
    say_everything()
    err = capsys.readouterr().err
    assert "warning" not in err
    assert "lemnicore: error: lemnicore.notifications error" in err


def test_g6_configuring_twice_keeps_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(0)
    configure_logging(0)
    logging.getLogger("lemnicore").warning("once")
    assert capsys.readouterr().err.count("once") == 1
