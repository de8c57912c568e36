"""attrs validators that raise lemnicore's own :class:`ValidationError` naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
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


def to_frozenset(values: Iterable[Any]) -> frozenset[Any]:
    """attrs converter: any iterable becomes a frozenset (values stay hashable and equal)."""
    return frozenset(values)


def to_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """attrs converter: any iterable becomes a tuple."""
    return tuple(values)
