"""G7 fuzzing: the public API and every CLI command, fed surrogates, NUL, huge strings,
wrong types, extreme dates, bad URLs and missing files, answer only with lemnicore's own
errors (or, at the command line, a documented exit code and one line on stderr) — and a
refused call leaves the store exactly as it was.

Thousands of inputs in total, about a minute on a laptop: each test draws a few hundred.
"""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lemnicore.cli import main
from lemnicore.cli.failures import EXIT_ERROR, EXIT_FILE, EXIT_OK, EXIT_USAGE
from lemnicore.errors import LemnicoreError
from lemnicore.notifications.service import NotificationService
from lemnicore.plugins.manager import open_store
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.sqlite.store import SqliteStore

from .scene import Scene, build_scene

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)

# -- what a careless or hostile caller sends ---------------------------------------------

SURROGATE = st.sampled_from(["\ud800", "\udfff", "\udc80", "\ud83d"])
NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=8), SURROGATE, st.text(max_size=8)),
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=8), st.text(max_size=8)),
    st.sampled_from(["", " ", "\n", "x" * 100_000, "é" * 5_000, "\u202e", "a\r\nb"]),
)
WRONG_TYPE = st.one_of(
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.binary(max_size=10),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.dates(),
    st.booleans(),
)
ANYTHING_TEXTISH = st.one_of(NASTY_TEXT, WRONG_TYPE)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
EXTREME_DATETIME = st.one_of(
    st.datetimes(timezones=ZONES),  # years 1 … 9999, aware
    st.datetimes(),  # naive
    st.sampled_from(
        [
            datetime(1, 1, 1, tzinfo=UTC),
            datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
            datetime(1899, 12, 31, 23, 59, tzinfo=UTC),
            datetime(3000, 1, 1, tzinfo=UTC),
        ]
    ),
    WRONG_TYPE,
    NASTY_TEXT,
)
EXTREME_DATE = st.one_of(
    st.dates(), st.sampled_from([date(1, 1, 1), date(9999, 12, 31)]), WRONG_TYPE, NASTY_TEXT
)


# -- the practice under fire -------------------------------------------------------------


@pytest.fixture(scope="module", params=["memory", "sqlite"])
def scene(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Scene]:
    if request.param == "memory":
        store: Any = MemoryStore()
    else:
        store = SqliteStore(tmp_path_factory.mktemp("fuzz") / "p.db")
    yield build_scene(store)
    store.close()


def only_lemnicore_errors(scene: Scene, call: Callable[[], object]) -> None:
    """Run ``call``; any failure must be a LemnicoreError and leave the store unchanged."""
    before = scene.snapshot()
    try:
        call()
    except LemnicoreError:
        assert scene.snapshot() == before
    except BaseException as exc:  # pragma: no cover - what the suite exists to catch
        raise AssertionError(f"escaped as {type(exc).__name__}: {exc!r}"[:500]) from exc


def some(value: Any, fallback: Any, use: bool) -> Any:
    return value if use else fallback


# -- public API ----------------------------------------------------------------------------


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "last_name": ANYTHING_TEXTISH,
            "email": ANYTHING_TEXTISH,
            "first_name": ANYTHING_TEXTISH,
            "phone": ANYTHING_TEXTISH,
            "message": ANYTHING_TEXTISH,
            "hold_id": ANYTHING_TEXTISH,
        },
    ),
    start=st.one_of(EXTREME_DATETIME, st.just(None)),
    token=st.one_of(st.just(None), ANYTHING_TEXTISH),
)
def test_g7_c3_online_request_fuzz(
    scene: Scene, data: dict[str, Any], start: Any, token: Any
) -> None:
    fields = {"last_name": "Meier", "email": "petra@example.org"} | data
    slot = scene.practice.at(2026, 5, 6, 9)
    only_lemnicore_errors(
        scene,
        lambda: scene.online.request(
            some(token, scene.token, token is not None),
            some(start, slot, start is not None),
            **fields,
        ),
    )


@FUZZ
@given(token=st.one_of(st.just(None), ANYTHING_TEXTISH), day=st.one_of(st.just(None), EXTREME_DATE))
def test_g7_c2_online_week_and_hold_fuzz(scene: Scene, token: Any, day: Any) -> None:
    use = some(token, scene.token, token is not None)
    only_lemnicore_errors(scene, lambda: scene.online.week(use, day))
    only_lemnicore_errors(scene, lambda: scene.online.hold(use, day))  # a date is no start


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "last_name": ANYTHING_TEXTISH,
            "first_name": ANYTHING_TEXTISH,
            "email": ANYTHING_TEXTISH,
            "mobile": ANYTHING_TEXTISH,
            "phone": ANYTHING_TEXTISH,
            "threema_id": ANYTHING_TEXTISH,
            "postal_address": ANYTHING_TEXTISH,
            "birthday": EXTREME_DATE,
            "notification_consent": st.one_of(st.booleans(), WRONG_TYPE, NASTY_TEXT),
            "preferred_channel": ANYTHING_TEXTISH,
            "organisation_id": ANYTHING_TEXTISH,
            "client_id": ANYTHING_TEXTISH,
        },
    )
)
def test_g7_client_registration_fuzz(scene: Scene, fields: dict[str, Any]) -> None:
    values = {"organisation_id": "org-1", "last_name": "Neu"} | fields
    only_lemnicore_errors(scene, lambda: scene.practice.clients.register(scene.owner, **values))


@FUZZ
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "calendar_id": ANYTHING_TEXTISH,
            "room_id": ANYTHING_TEXTISH,
            "type_id": ANYTHING_TEXTISH,
            "start": EXTREME_DATETIME,
            "end": EXTREME_DATETIME,
            "client_id": ANYTHING_TEXTISH,
            "comment": ANYTHING_TEXTISH,
            "status": st.one_of(
                st.sampled_from(["booked", "proposed", "cancelled", "no_show", "Booked"]),
                ANYTHING_TEXTISH,
            ),
        },
    )
)
def test_g7_booking_fuzz(scene: Scene, fields: dict[str, Any]) -> None:
    values = {
        "calendar_id": scene.calendar,
        "room_id": scene.room,
        "start": scene.practice.at(2026, 7, 1, 10),
        "type_id": "treatment",
    } | fields
    only_lemnicore_errors(scene, lambda: scene.practice.book.book(scene.owner, **values))


@FUZZ
@given(
    start=st.one_of(st.just(None), EXTREME_DATETIME),
    end=st.one_of(st.just(None), EXTREME_DATETIME),
    room=st.one_of(st.just(None), ANYTHING_TEXTISH),
    appointment=st.one_of(st.just(None), ANYTHING_TEXTISH),
)
def test_g7_moving_fuzz(scene: Scene, start: Any, end: Any, room: Any, appointment: Any) -> None:
    target = some(appointment, scene.appointment, appointment is not None)
    only_lemnicore_errors(
        scene,
        lambda: scene.practice.book.move(scene.owner, target, start=start, end=end, room_id=room),
    )


CONTACT_FIELDS = ["email", "mobile", "phone", "threema_id", "postal_address", "preferred_channel"]


@FUZZ
@given(
    changes=st.dictionaries(st.sampled_from(CONTACT_FIELDS), ANYTHING_TEXTISH, max_size=3),
    consent=st.one_of(st.booleans(), WRONG_TYPE, NASTY_TEXT),
    ids=st.one_of(st.just(None), ANYTHING_TEXTISH),
)
def test_g7_client_contact_and_consent_fuzz(
    scene: Scene, changes: dict[str, Any], consent: Any, ids: Any
) -> None:
    clients = scene.practice.clients
    only_lemnicore_errors(
        scene, lambda: clients.change_contact(scene.owner, scene.client, **changes)
    )
    chosen = some(ids, [scene.client], ids is not None)
    only_lemnicore_errors(scene, lambda: clients.set_consent(scene.owner, chosen, consent))


@FUZZ
@given(
    room=st.one_of(st.just(None), ANYTHING_TEXTISH), start=EXTREME_DATETIME, end=EXTREME_DATETIME
)
def test_g7_free_slots_and_notification_plan_fuzz(
    scene: Scene, room: Any, start: Any, end: Any
) -> None:
    use = some(room, scene.room, room is not None)
    only_lemnicore_errors(
        scene, lambda: scene.practice.book.free_slots(scene.owner, use, start, end)
    )
    service = NotificationService(scene.practice.store, scene.practice.clock, [])
    only_lemnicore_errors(scene, lambda: service.plan(start))


@FUZZ
@given(
    url=st.one_of(
        ANYTHING_TEXTISH,
        st.builds(lambda s: "sqlite:///" + s, NASTY_TEXT),
        st.builds(lambda s: "memory://" + s, NASTY_TEXT),
        st.sampled_from(["sqlite:///", "sqlite://", "sqlite:////", "sqlite:///.", "file:x.db"]),
    )
)
def test_g7_open_store_fuzz(url: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    try:
        store = open_store(url)
    except LemnicoreError:
        return
    except BaseException as exc:
        raise AssertionError(f"escaped as {type(exc).__name__}: {exc!r}"[:500]) from exc
    store.close()


# -- the command line ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The practice's file — and the working folder, so whatever file a fuzzed command
    writes (``--output 0``) lands in a temporary folder."""
    folder = tmp_path_factory.mktemp("fuzzcli")
    path = folder / "p.db"
    store = SqliteStore(path)
    build_scene(store)
    store.checkpoint()
    store.close()
    (folder / "kontakte.csv").write_bytes(
        b"Frau;Weber;anna@example.org\r\nHerr;;\xff\xfe\r\n;\x00;x@\r\n"
    )
    with contextlib.chdir(folder):
        yield path
    shutil.rmtree(folder, ignore_errors=True)


def run_cli(argv: list[str], folder: Path) -> tuple[int, str]:
    """Run the CLI in ``folder``: whatever file a fuzzed command writes lands there."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(folder),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(argv)
        except SystemExit as exit_info:
            code = exit_info.code if isinstance(exit_info.code, int) else EXIT_USAGE
    return code, err.getvalue()


def cli_rows(path: Path) -> tuple[Any, ...]:
    store = SqliteStore(path, read_only=True)
    try:
        with store.unit_of_work(write=False) as uow:
            return (
                uow.appointments.count(),
                uow.clients.count(),
                len(uow.audit.query()),
                len(uow.import_runs.all()),
            )
    finally:
        store.close()


ARG = st.one_of(NASTY_TEXT.filter(lambda s: "\x00" not in s or len(s) < 50), st.just("--debug"))
COMMANDS = [
    lambda db, a, b: ["slots", "--store", db, "--room", a, "--week", b],
    lambda db, a, b: ["slots", "--store", a, "--room", "room-1"],
    lambda db, a, b: ["notify", "run", "--store", db, "--dry-run", "--now", a],
    lambda db, a, b: ["notify", "run", "--store", db, "--transport", a],
    lambda db, a, b: ["notify", "why", a, "--store", db, "--now", b],
    lambda db, a, b: ["notify", "policy", "--store", db, "--quiet-hours", a, "--branches", b],
    lambda db, a, b: ["notify", "policy", "--store", db, "--hours-before", a],
    lambda db, a, b: ["booking", "requests", "--store", db, "--calendar", a],
    lambda db, a, b: ["booking", "release", a, "--store", db, "--calendar", b],
    lambda db, a, b: ["booking", "confirm", a, "--store", db, "--client", b],
    lambda db, a, b: [
        "booking",
        "confirm",
        "x",
        "--store",
        db,
        "--new-client",
        "--last-name",
        a,
        "--email",
        b,
    ],
    lambda db, a, b: ["notify", "test-transport", a, "--to", b],
    lambda db, a, b: [
        "import",
        "etermin",
        "--public-key",
        "pk",
        "--private-key-file",
        a,
        "--store",
        db,
        "--reminders-from",
        b,
    ],
    lambda db, a, b: ["import", "csv-contacts", a, "--store", db, "--columns", b],
    lambda db, a, b: ["import", "reset", a, "--store", db],
    lambda db, a, b: [
        "import",
        "csv-contacts",
        "kontakte.csv",
        "--store",
        db,
        "--columns",
        a,
        "--encoding",
        b,
    ],
    lambda db, a, b: [
        "import",
        "csv-contacts",
        "kontakte.csv",
        "--store",
        db,
        "--columns",
        "salutation,last_name,email",
        "--delimiter",
        a,
    ],
    lambda db, a, b: ["import", "list", "--store", a],
    lambda db, a, b: [
        "import",
        "etermin",
        "--public-key",
        a,
        "--private-key-file",
        b,
        "--store",
        db,
    ],
    lambda db, a, b: ["export", "csv-contacts", "--store", db, "--output", a, "--delimiter", b],
    lambda db, a, b: ["demo", "--store", "memory://", "--now", a],
    lambda db, a, b: [a, b],
]


@settings(FUZZ, max_examples=500)
@given(command=st.sampled_from(range(len(COMMANDS))), a=ARG, b=ARG)
def test_g7_every_cli_command_fuzz(cli_store: Path, command: int, a: str, b: str) -> None:
    db = f"sqlite:///{cli_store}"
    before = cli_rows(cli_store)
    code, err = run_cli(COMMANDS[command](db, a, b), cli_store.parent)
    assert code in (EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_FILE), (code, err[-500:])
    assert "Traceback" not in err or "--debug" in (a, b)
    if code in (EXIT_ERROR, EXIT_FILE):
        lines = err.splitlines()
        assert lines
        assert lines[-1].startswith("lemnicore: error: ")
        if "--debug" not in (a, b):
            assert [ln for ln in lines if ln.startswith("lemnicore: error: ")] == [lines[-1]]
    if code != EXIT_OK:
        assert cli_rows(cli_store) == before
