"""attrs validators that raise lemnicore's own :class:`ValidationError` naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from lemnicore.errors import ValidationError
from lemnicore.timekeeping import EARLIEST, LATEST, require_aware, require_day, zone


def _record(instance: object) -> str:
    ident = getattr(instance, "id", None)
    name = type(instance).__name__
    return f"{name} {ident!r}" if isinstance(ident, str) and ident else name


MAX_NAME = 1000
"""The longest id or name (characters) lemnicore stores (G7: a huge string is refused)."""
MAX_TEXT = 100_000
"""The longest free text (comment, notes) lemnicore stores."""


def text_problem(value: object, *, max_length: int = MAX_TEXT) -> str | None:
    """Why ``value`` cannot be stored as text, or ``None`` if it can (G7).

    Text must be a ``str`` without NUL characters and without lone surrogates (which no
    store, file or e-mail can encode), and at most ``max_length`` characters long.
    """
    if not isinstance(value, str):
        return f"must be text, got {type(value).__name__}"
    if len(value) > max_length:
        return f"must be at most {max_length} characters, got {len(value)}"
    if "\x00" in value:
        return "must not contain a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must not contain a lone surrogate (not valid Unicode)"
    return None


def require_text(
    value: object, field: str, *, max_length: int = MAX_TEXT, record: str | None = None
) -> str:
    """``value`` if it is storable text (:func:`text_problem`), else a
    :class:`ValidationError` naming ``field``."""
    problem = text_problem(value, max_length=max_length)
    if problem is not None:
        raise ValidationError(field, problem, record=record)
    assert isinstance(value, str)
    return value


def is_record_id(value: object) -> bool:
    """Whether ``value`` can be the id of a stored record at all (G7): stores answer "not
    found" for anything else instead of failing on an unhashable or unencodable key."""
    return isinstance(value, str) and text_problem(value, max_length=MAX_NAME) is None


def non_empty(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """The string must contain something besides white space (and be storable text of at
    most :data:`MAX_NAME` characters)."""
    problem = text_problem(value, max_length=MAX_NAME)
    if problem is not None:
        raise ValidationError(attribute.name, problem, record=_record(instance))
    if not value.strip():
        raise ValidationError(attribute.name, "must not be empty", record=_record(instance))


def text(max_length: int = MAX_TEXT, *, optional: bool = False) -> Any:
    """A validator: storable text (:func:`text_problem`); ``optional`` allows ``None``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        problem = text_problem(value, max_length=max_length)
        if problem is not None:
            raise ValidationError(attribute.name, problem, record=_record(instance))

    return check


def flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A yes/no value: ``True`` or ``False``, nothing that merely looks true."""
    if not isinstance(value, bool):
        raise ValidationError(
            attribute.name,
            f"must be True or False, got {type(value).__name__}",
            record=_record(instance),
        )


def count_from_zero(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A whole number, zero or more."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(
            attribute.name,
            f"must be a whole number from 0, got {value!r}",
            record=_record(instance),
        )


def optional_day(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or a calendar day within lemnicore's dates (e.g. a birthday)."""
    if value is not None:
        require_day(value, attribute.name, record=_record(instance))  # type: ignore[arg-type]


def texts(max_length: int = MAX_NAME) -> Any:
    """A validator for a set of texts (tags, ids)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, frozenset | tuple):
            raise ValidationError(
                attribute.name,
                f"must be a collection of texts, got {type(value).__name__}",
                record=_record(instance),
            )
        for item in value:
            problem = text_problem(item, max_length=max_length)
            if problem is not None:
                raise ValidationError(
                    attribute.name, f"{item!r}: {problem}", record=_record(instance)
                )

    return check


def _fine_instant(value: object) -> bool:
    """What :func:`~lemnicore.timekeeping.require_aware` accepts, asked cheaply: every
    stored or imported time passes here, and naming the record only matters on failure."""
    return (
        type(value) is datetime
        and value.tzinfo is not None
        and value.utcoffset() is not None
        and EARLIEST <= value < LATEST
    )


def aware(instance: object, attribute: attrs.Attribute[Any], value: datetime) -> None:
    """The datetime must be timezone-aware."""
    if not _fine_instant(value):
        require_aware(value, attribute.name, record=_record(instance))


def optional_aware(
    instance: object, attribute: attrs.Attribute[Any], value: datetime | None
) -> None:
    if value is not None and not _fine_instant(value):
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
    """attrs converter: any iterable becomes a frozenset (values stay hashable and equal).

    A single string is not taken apart into its letters, and something that is not a
    collection is passed on unchanged for the validator to name (G7)."""
    if isinstance(values, str | bytes):
        return values  # type: ignore[return-value]
    try:
        return frozenset(values)
    except TypeError:
        return values  # type: ignore[return-value]


def to_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """attrs converter: any iterable becomes a tuple (anything else passes on unchanged)."""
    if isinstance(values, str | bytes):
        return values  # type: ignore[return-value]
    try:
        return tuple(values)
    except TypeError:
        return values  # type: ignore[return-value]
