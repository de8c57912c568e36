"""Developer tasks: ``nox -s tests``, ``lint``, ``typing``, ``docs``, ``bench``, ``demo``.

Each session installs what it needs into its own virtualenv, so a fresh machine with only
Python 3.11 and pip can run every one of them (``python3 -m pip install nox`` first).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typing", "docs", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


def install_project(session: nox.Session, extras: str = "dev") -> None:
    """The one install step every session shares: the project with its extras."""
    session.install("-e", f".[{extras}]")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite (pass pytest options after ``--``)."""
    install_project(session, "test,etermin,notify,web,postgres")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typing(session: nox.Session) -> None:
    """mypy --strict on src/."""
    install_project(session)
    session.run("mypy", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """The documentation site with mkdocs in strict mode: a broken link between pages, a
    missing anchor or a page left out of the navigation fails (G1)."""
    session.install("mkdocs>=1.6")
    session.run("mkdocs", "build", "--strict", "--site-dir", ".nox/site", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmarks (pytest-benchmark); figures go into the closing notes."""
    install_project(session, "test,etermin,notify,web,postgres")
    session.run(
        "pytest", "benchmarks", "--benchmark-enable", "--benchmark-only",
        "-p", "no:cacheprovider", *session.posargs,
    )  # fmt: skip


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: a sample practice in ./lemnicore-demo.db and its free slots."""
    install_project(session, "all")  # every plugin, so the printed hints run without warnings
    session.run("lemnicore", "demo", *session.posargs)
