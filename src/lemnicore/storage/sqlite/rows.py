"""Rows ↔ values for the SQLite store: one private converter for this boundary."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Hashable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, TypeVar, cast

import cattrs
from cattrs.preconf.json import make_converter

from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import Client

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def to_us(value: datetime) -> int:
    """An aware datetime as UTC microseconds since the epoch."""
    return (value - EPOCH) // _MICRO


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def opt_to_us(value: datetime | None) -> int | None:
    return None if value is None else to_us(value)


def opt_from_us(value: int | None) -> datetime | None:
    return None if value is None else from_us(value)


def _make_document_converter() -> cattrs.Converter:
    conv = make_converter()
    conv.register_unstructure_hook(timedelta, lambda td: td.total_seconds())
    conv.register_structure_hook(timedelta, lambda v, _: timedelta(seconds=v))
    conv.register_unstructure_hook(time, lambda t: t.isoformat())
    conv.register_structure_hook(time, lambda v, _: time.fromisoformat(v))
    conv.register_unstructure_hook(date, lambda d: d.isoformat())
    conv.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat())
    conv.register_structure_hook(datetime, lambda v, _: datetime.fromisoformat(v))
    return conv


DOCUMENTS = _make_document_converter()
"""Converts master-data values (rooms, calendars, availabilities, …) to JSON and back."""


def document_body(value: Any) -> str:
    return json.dumps(DOCUMENTS.unstructure(value), sort_keys=True, separators=(",", ":"))


T = TypeVar("T")


@lru_cache(maxsize=4096)
def _cached_document_value(body: str, cls: Any) -> Any:
    return DOCUMENTS.structure(json.loads(body), cls)


def document_value(body: str, cls: type[T]) -> T:
    """The value a document body stands for.

    Master data is read on every booking (calendar, room, type, grants) and every slot
    query (availabilities); the values are frozen, so equal bodies can share one value
    instead of being parsed and validated again each time.
    """
    # Classes are hashable; mypy cannot see it through type[T].
    value: T = _cached_document_value(body, cast(Hashable, cls))
    return value


APPOINTMENT_COLUMNS = (
    "id, calendar_id, room_id, start_us, end_us, type_id, status, client_id, comment, "
    "is_group, sequence, double_booked, created_us, external_id, import_id, series_id"
)


def appointment_row(a: Appointment) -> tuple[Any, ...]:
    return (
        a.id,
        a.calendar_id,
        a.room_id,
        to_us(a.start),
        to_us(a.end),
        a.type_id,
        a.status.value,
        a.client_id,
        a.comment,
        int(a.is_group),
        a.sequence,
        int(a.double_booked),
        opt_to_us(a.created_at),
        a.external_id,
        a.import_id,
        a.series_id,
    )


def appointment_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Appointment:
    return Appointment(
        id=row[0],
        calendar_id=row[1],
        room_id=row[2],
        start=from_us(row[3]),
        end=from_us(row[4]),
        type_id=row[5],
        status=AppointmentStatus(row[6]),
        client_id=row[7],
        comment=row[8],
        is_group=bool(row[9]),
        sequence=row[10],
        double_booked=bool(row[11]),
        created_at=opt_from_us(row[12]),
        external_id=row[13],
        import_id=row[14],
        series_id=row[15],
    )


CLIENT_COLUMNS = (
    "id, organisation_id, last_name, first_name, salutation, email, mobile, phone, "
    "threema_id, postal_address, birthday, notes, tags, preferred_channel, "
    "notification_consent, consent_changed_us, contact_changed_us, external_id, import_id, "
    "erased"
)


def client_row(c: Client) -> tuple[Any, ...]:
    return (
        c.id,
        c.organisation_id,
        c.last_name,
        c.first_name,
        c.salutation,
        c.email,
        c.mobile,
        c.phone,
        c.threema_id,
        c.postal_address,
        c.birthday.isoformat() if c.birthday else None,
        c.notes,
        json.dumps(sorted(c.tags)),
        c.preferred_channel,
        int(c.notification_consent),
        opt_to_us(c.consent_changed_at),
        opt_to_us(c.contact_changed_at),
        c.external_id,
        c.import_id,
        int(c.erased),
    )


def client_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Client:
    return Client(
        id=row[0],
        organisation_id=row[1],
        last_name=row[2],
        first_name=row[3],
        salutation=row[4],
        email=row[5],
        mobile=row[6],
        phone=row[7],
        threema_id=row[8],
        postal_address=row[9],
        birthday=date.fromisoformat(row[10]) if row[10] else None,
        notes=row[11],
        tags=frozenset(json.loads(row[12])),
        preferred_channel=row[13],
        notification_consent=bool(row[14]),
        consent_changed_at=opt_from_us(row[15]),
        contact_changed_at=opt_from_us(row[16]),
        external_id=row[17],
        import_id=row[18],
        erased=bool(row[19]),
    )
