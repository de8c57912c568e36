"""attrs validators that raise lemnicore's own :class:`ValidationError` naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from lemnicore.errors import ValidationError
from lemnicore.timekeeping import require_aware, zone


def _record(instance: object) -> str:
    ident = getattr(instance, "id", None)
    name = type(instance).__name__
    return f"{name} {ident!r}" if isinstance(ident, str) and ident else name


def non_empty(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """The string must contain something besides white space."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, "must not be empty", record=_record(instance))


def aware(instance: object, attribute: attrs.Attribute[Any], value: datetime) -> None:
    """The datetime must be timezone-aware."""
    require_aware(value, attribute.name, record=_record(instance))


def optional_aware(
    instance: object, attribute: attrs.Attribute[Any], value: datetime | None
) -> None:
    if value is not None:
        require_aware(value, attribute.name, record=_record(instance))


def positive_duration(instance: object, attribute: attrs.Attribute[Any], value: timedelta) -> None:
    """A duration strictly greater than zero."""
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(
            attribute.name, f"must be a positive duration, got {value!r}", record=_record(instance)
        )


def iana_zone(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """An IANA time zone name that exists in tzdata."""
    try:
        zone(value)
    except ValidationError as exc:
        raise ValidationError(attribute.name, exc.reason, record=_record(instance)) from None


def instant(value: Any) -> Any:
    """attrs converter: an aware datetime becomes the same instant in UTC.

    Python compares and subtracts two datetimes that share a ``tzinfo`` by wall clock,
    ignoring the offset: in Europe/Berlin 02:30 summer time and 02:30 winter time on the
    last Sunday of October count as equal, and 01:30 CET → 03:00 CEST as 90 minutes.
    Instants kept in UTC compare, hash and subtract as real time, and every store returns
    the same value it was given (F1). Anything else passes through to the validator, which
    then names the field (a naive datetime must not be read as the machine's local time).
    """
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 1 or 9999: the validator names the field (G7)
            return value
    return value


def optional_instant(value: Any) -> Any:
    return None if value is None else instant(value)


def to_frozenset(values: Iterable[Any]) -> frozenset[Any]:
    """attrs converter: any iterable becomes a frozenset (values stay hashable and equal)."""
    return frozenset(values)


def to_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """attrs converter: any iterable becomes a tuple."""
    return tuple(values)
