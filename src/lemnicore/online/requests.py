"""C3/C4: what a requester types in, checked, and how it travels in the appointment comment.

No client record is created for a request (protection against spam clients, C4): the
requester's data live in the proposed appointment's comment until staff attach a client.
"""

from __future__ import annotations

import re
from datetime import datetime

import attrs

from lemnicore._validators import text_problem
from lemnicore.errors import ValidationError
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import is_valid_email

_PHONE = re.compile(r"^\+?[0-9][0-9 ()/.\-]{3,28}[0-9]$")
_MAX_NAME = 100
_MAX_MESSAGE = 1000
_HEADER = "Online booking request"
_LABELS = {
    "last_name": "Last name",
    "first_name": "First name",
    "email": "E-mail",
    "phone": "Phone",
    "message": "Message",
}


_MAX_FIELD = 1000  # before tidying; the tidied rules below are stricter


def _form_text(field: str, value: object, max_length: int) -> str:
    """The raw input of one form field as text, or a :class:`ValidationError` naming it."""
    if value is None:
        return ""
    problem = text_problem(value, max_length=max_length)
    if problem is not None:
        raise ValidationError(field, problem)
    assert isinstance(value, str)
    return value


def _one_line(value: str) -> str:
    # The comment is line-based; a line break in input must not forge another field.
    return " ".join(value.split())


@attrs.frozen
class BookingRequestForm:
    """C3: a requester's details, checked: last name and a valid e-mail are required."""

    last_name: str
    email: str
    first_name: str = ""
    phone: str = ""
    message: str = ""

    @classmethod
    def checked(
        cls,
        *,
        last_name: str,
        email: str,
        first_name: str = "",
        phone: str = "",
        message: str = "",
    ) -> BookingRequestForm:
        """C3: the form with white space tidied, or a :class:`ValidationError` naming the
        first field that is wrong — also for input no form can hold (G7): something that
        is not text, a NUL character, a lone surrogate, a huge string."""
        last_name, email, first_name, phone, message = (
            _form_text(name, value, limit)
            for name, value, limit in (
                ("last_name", last_name, _MAX_FIELD),
                ("email", email, _MAX_FIELD),
                ("first_name", first_name, _MAX_FIELD),
                ("phone", phone, _MAX_FIELD),
                ("message", message, 4 * _MAX_MESSAGE),
            )
        )
        last = _one_line(last_name or "")
        if not last:
            raise ValidationError("last_name", "please give your last name")
        if len(last) > _MAX_NAME:
            raise ValidationError("last_name", f"at most {_MAX_NAME} characters")
        first = _one_line(first_name or "")
        if len(first) > _MAX_NAME:
            raise ValidationError("first_name", f"at most {_MAX_NAME} characters")
        mail = (email or "").strip()
        if not mail:
            raise ValidationError("email", "please give your e-mail address")
        if not is_valid_email(mail):
            raise ValidationError("email", f"not a valid e-mail address: {mail!r}")
        tel = _one_line(phone or "")
        if tel and not _PHONE.match(tel):
            raise ValidationError("phone", f"not a phone number: {tel!r}")
        text = _one_line(message or "")
        if len(text) > _MAX_MESSAGE:
            raise ValidationError("message", f"at most {_MAX_MESSAGE} characters")
        return cls(last, mail, first, tel, text)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def as_comment(self) -> str:
        """C4: the requester's data as the appointment comment staff read."""
        lines = [_HEADER]
        for name, label in _LABELS.items():
            value = getattr(self, name)
            if value:
                lines.append(f"{label}: {value}")
        return "\n".join(lines)

    @classmethod
    def from_comment(cls, comment: str) -> BookingRequestForm | None:
        """Read a form back from a comment written by :meth:`as_comment` (else ``None``)."""
        lines = comment.splitlines()
        if not lines or lines[0] != _HEADER:
            return None
        by_label = {label: name for name, label in _LABELS.items()}
        values: dict[str, str] = {}
        for line in lines[1:]:
            label, sep, value = line.partition(": ")
            if sep and label in by_label:
                values[by_label[label]] = value
        if "last_name" not in values or "email" not in values:
            return None
        return cls(**values)


@attrs.frozen
class BookingRequest:
    """C4/C5: a proposed appointment from the booking page, as staff see it."""

    appointment_id: str
    calendar_id: str
    room_id: str
    start: datetime
    end: datetime
    requested_at: datetime | None
    requester: BookingRequestForm | None
    """``None`` when the comment was edited so that it no longer reads as a request."""

    @classmethod
    def from_appointment(cls, appointment: Appointment) -> BookingRequest:
        return cls(
            appointment.id,
            appointment.calendar_id,
            appointment.room_id,
            appointment.start,
            appointment.end,
            appointment.created_at,
            BookingRequestForm.from_comment(appointment.comment),
        )


@attrs.frozen
class NewClient:
    """C5: a client record to create while confirming a request."""

    last_name: str
    first_name: str = ""
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None

    @classmethod
    def from_request(cls, form: BookingRequestForm) -> NewClient:
        """The requester's own details as a new record (staff may correct them first)."""
        return cls(form.last_name, form.first_name, form.email, form.phone or None)
