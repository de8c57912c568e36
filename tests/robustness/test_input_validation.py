"""G7, C3: bad input at the public boundary is a lemnicore ValidationError naming the field —
never a UnicodeEncodeError, AttributeError or OverflowError — and nothing is written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lemnicore.errors import NotFoundError, ValidationError
from lemnicore.scheduling.appointments import AppointmentStatus
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Store
from lemnicore.storage.sqlite.store import SqliteStore

from .scene import Scene, build_scene

LONE_SURROGATE = "\ud800"


@pytest.fixture(params=["memory", "sqlite"])
def scene(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Scene]:
    store: Store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "p.db")
    yield build_scene(store)
    store.close()


GOOD_REQUEST: dict[str, Any] = {"last_name": "Meier", "email": "petra@example.org"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("last_name", f"Mei{LONE_SURROGATE}er"),
        ("email", f"petra{LONE_SURROGATE}@example.org"),
        ("first_name", f"Pe{LONE_SURROGATE}tra"),
        ("message", f"bitte {LONE_SURROGATE}"),
        ("phone", f"0170 {LONE_SURROGATE}"),
        ("last_name", "Mei\x00er"),
        ("email", "petra\x00@example.org"),
        ("last_name", 42),
        ("email", ["petra@example.org"]),
        ("first_name", b"Petra"),
        ("last_name", "M" * 1_000_000),
        ("message", "x" * 1_000_000),
    ],
)
def test_c3_g7_a_booking_request_with_input_no_form_can_hold_names_the_field(
    scene: Scene, field: str, value: object
) -> None:
    before = scene.snapshot()
    start = scene.practice.at(2026, 5, 6, 9)
    with pytest.raises(ValidationError) as caught:
        scene.online.request(scene.token, start, **(GOOD_REQUEST | {field: value}))
    assert caught.value.field == field
    assert scene.snapshot() == before


@pytest.mark.parametrize("token", [42, None, ["x"], f"tok{LONE_SURROGATE}", "a\x00b", "t" * 10**6])
def test_c1_g7_a_booking_link_no_url_can_hold_is_simply_unknown(scene: Scene, token: Any) -> None:
    with pytest.raises(NotFoundError):
        scene.online.week(token)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31), date(1899, 12, 31)])
def test_c2_g7_a_week_at_the_edge_of_the_calendar_is_a_clear_error(scene: Scene, day: date) -> None:
    with pytest.raises(ValidationError, match="must lie between 1900-01-01 and 2999-12-31") as e:
        scene.online.week(scene.token, day)
    assert e.value.field == "day"


def test_c2_g7_a_week_given_as_text_is_a_clear_error(scene: Scene) -> None:
    with pytest.raises(ValidationError, match="must be a date"):
        scene.online.week(scene.token, "2026-05-04")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("last_name", LONE_SURROGATE),
        ("last_name", 7),
        ("first_name", f"Eva{LONE_SURROGATE}"),
        ("email", f"eva{LONE_SURROGATE}@example.org"),
        ("email", 12345),
        ("mobile", "+49\x00170"),
        ("postal_address", ["Am Park 1"]),
        ("birthday", "1980-01-01"),
        ("birthday", date(1, 1, 1)),
        ("birthday", datetime(1980, 1, 1)),
        ("preferred_channel", ["email"]),
        ("threema_id", 12345678),
        ("notification_consent", "yes"),
    ],
)
def test_b1_g7_registering_a_client_with_bad_input_names_the_field(
    scene: Scene, field: str, value: object
) -> None:
    before = scene.snapshot()
    fields: dict[str, Any] = {"organisation_id": "org-1", "last_name": "Neu"} | {field: value}
    with pytest.raises(ValidationError) as caught:
        scene.practice.clients.register(scene.owner, **fields)
    assert caught.value.field == field
    assert scene.snapshot() == before


def book(scene: Scene, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "calendar_id": scene.calendar,
        "room_id": scene.room,
        "start": scene.practice.at(2026, 5, 7, 10),
        "type_id": "treatment",
    } | changes
    return scene.practice.book.book(scene.owner, **fields)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "confirmed-ish"),
        ("status", 3),
        ("comment", f"ruft an {LONE_SURROGATE}"),
        ("comment", "\x00"),
        ("comment", 99),
        ("start", "2026-05-07T10:00"),
        ("start", datetime(9999, 12, 31, 23)),
        ("end", datetime(1, 1, 1)),
    ],
)
def test_a1_g7_booking_with_bad_input_names_the_field(
    scene: Scene, field: str, value: object
) -> None:
    before = scene.snapshot()
    if field in ("start", "end") and isinstance(value, datetime):
        value = value.replace(tzinfo=scene.practice.at(2026, 5, 7).tzinfo)
    with pytest.raises(ValidationError) as caught:
        book(scene, **{field: value})
    assert caught.value.field == field
    assert scene.snapshot() == before


def test_a3_a_status_given_by_its_value_is_understood(scene: Scene) -> None:
    booked = book(scene, status="booked")
    assert booked.status is AppointmentStatus.BOOKED


def test_a4_g7_an_appointment_longer_than_the_maximum_is_refused(scene: Scene) -> None:
    before = scene.snapshot()
    start = scene.practice.at(2026, 5, 7, 10)
    with pytest.raises(
        ValidationError, match="at most 24 hours, this one lasts 24 hours 1 minutes"
    ) as caught:
        book(scene, start=start, end=start + timedelta(hours=24, minutes=1))
    assert caught.value.field == "end"
    with pytest.raises(ValidationError, match="at most"):
        book(scene, start=start, end=datetime(2999, 12, 31, tzinfo=start.tzinfo))
    assert scene.snapshot() == before
    assert book(scene, start=start, end=start + timedelta(hours=24)).end == start + timedelta(
        hours=24
    )
