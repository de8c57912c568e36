"""G5: a plugin whose optional dependencies are missing is left out with one line naming
the extra that brings them — the other commands keep working."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest

from lemnicore.plugins import manager
from lemnicore.plugins.manager import make_plugin_manager


def install_fake_distribution(
    site: Path, name: str, module: str, source: str, requires: str = ""
) -> None:
    """A real (unpacked) distribution: a ``.dist-info`` with metadata and entry points."""
    (site / f"{module}.py").write_text(textwrap.dedent(source))
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{requires}")
    (info / "entry_points.txt").write_text(f"[lemnicore]\n{name} = {module}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(manager, "_already_said", set())
    return tmp_path


def test_g5_a_plugin_declaring_a_missing_module_is_left_out_naming_the_extra(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install_fake_distribution(
        site,
        "vendorsms",
        "vendorsms_plugin",
        """
        from lemnicore.plugins.markers import hookimpl

        REQUIRES = {"vendorsms_sdk_not_installed": "vendorsms[sdk]"}

        @hookimpl
        def lemnicore_register_transports(register):
            raise AssertionError("a left-out plugin must not be asked")
        """,
    )
    with caplog.at_level(logging.WARNING, logger="lemnicore.plugins"):
        pm = make_plugin_manager()
    assert pm.get_plugin("vendorsms") is None
    assert [r.getMessage() for r in caplog.records] == [
        "plugin 'vendorsms' left out: it needs vendorsms_sdk_not_installed; install vendorsms[sdk]"
    ]
    make_plugin_manager()  # said once per process, however many managers are built
    assert len(caplog.records) == 1


def test_g5_a_plugin_that_fails_to_import_is_left_out_with_the_extra_from_its_metadata(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    install_fake_distribution(
        site,
        "fancystore",
        "fancystore_plugin",
        "import fancy_driver_not_installed\n",
        requires='Provides-Extra: fancy\nRequires-Dist: fancy-driver-not-installed>=1; extra == "fancy"\n',
    )
    with caplog.at_level(logging.WARNING, logger="lemnicore.plugins"):
        pm = make_plugin_manager()
    assert pm.get_plugin("fancystore") is None
    assert [r.getMessage() for r in caplog.records] == [
        "plugin 'fancystore' left out: it needs fancy_driver_not_installed; "
        "install fancystore[fancy]"
    ]


def test_g5_the_bundled_plugins_declare_the_extra_they_need() -> None:
    from lemnicore_etermin import plugin as etermin
    from lemnicore_notify import plugin as notify
    from lemnicore_postgres import plugin as postgres
    from lemnicore_web import plugin as web

    assert notify.REQUIRES == {"httpx": "lemnicore[notify]", "phonenumbers": "lemnicore[notify]"}
    assert etermin.REQUIRES == {"httpx": "lemnicore[etermin]"}
    assert postgres.REQUIRES == {
        "psycopg": "lemnicore[postgres]",
        "psycopg_pool": "lemnicore[postgres]",
    }
    assert set(web.REQUIRES.values()) == {"lemnicore[web]"}
    assert {"starlette", "jinja2", "uvicorn"} <= set(web.REQUIRES)


def test_g5_without_the_notify_extra_the_command_line_still_answers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pretend phonenumbers is not installed: one line on stderr, the commands still run."""
    from lemnicore.cli import main

    real = manager._importable
    monkeypatch.setattr(manager, "_importable", lambda name: name != "phonenumbers" and real(name))
    monkeypatch.setattr(manager, "_already_said", set())
    assert main(["version"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("lemnicore ")
    assert err == (
        "lemnicore: warning: plugin 'notify' left out: it needs phonenumbers; "
        "install lemnicore[notify]\n"
    )
    monkeypatch.setattr(manager, "_already_said", set())
    assert main(["-q", "version"]) == 0  # -q: errors only
    assert capsys.readouterr().err == ""


def test_g5_the_fast_entry_point_reader_finds_what_importlib_metadata_finds() -> None:
    """The plugin manager reads entry points without importing importlib.metadata (G5)."""
    from importlib.metadata import entry_points

    for group in ("lemnicore", "pytest11", "console_scripts"):
        expected = {(ep.name, ep.value) for ep in entry_points(group=group)}
        found = {(ep.name, ep.value) for ep in manager.installed_entry_points(group)}
        assert found == expected, group


def test_g5_a_zipped_path_entry_falls_back_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "zipplug-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipplug\nVersion: 1.0\n"
        )
        zipped.writestr(
            "zipplug-1.0.dist-info/entry_points.txt", "[lemnicore]\nzipplug = zipplug_mod\n"
        )
    monkeypatch.syspath_prepend(str(archive))
    assert ("zipplug", "zipplug_mod") in {
        (ep.name, ep.value) for ep in manager.installed_entry_points("lemnicore")
    }
