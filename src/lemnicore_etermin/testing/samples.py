"""Small hand-made eTermin records with one of each known data-quality problem, for
tests and docs (see ``research/etermin-api.md``)."""

from __future__ import annotations

from typing import Any

from lemnicore_etermin.testing.account import EterminAccount


def appointment(
    ident: int, start: str, end: str, *, calendar: str = "1001", **fields: Any
) -> dict[str, Any]:
    """An eTermin appointment as the API sends it (PascalCase, local times)."""
    record: dict[str, Any] = {
        "ID": ident,
        "ExternalID": f"ext-{ident}",
        "CalendarID": calendar,
        "StartDateTime": start,
        "EndDateTime": end,
        "BlockedApp": False,
        "FirstName": "Anna",
        "LastName": "Weber",
        "Email": "anna.weber@example.org",
    }
    record.update(fields)
    return record


CALENDARS = [
    {"CalendarID": "1001", "CalendarName": "Raum 1", "Enabled": True},
    {"CalendarID": "1002", "CalendarName": "Frau Koch", "Enabled": True},
]


def small_account() -> EterminAccount:
    """A hand-made account with one of each data-quality problem (research notes)."""
    return EterminAccount(
        calendars=CALENDARS,
        contacts=[
            {
                "CID": 1,
                "ExternalID": "c-1",
                "FirstName": "Anna",
                "LastName": "Weber",
                "Email": "Anna.Weber@Example.org",
                "Phone": "+49 170 1234567",
                "City": "Hamburg",
                "ZIP": "20095",
                "Street": "Hauptstraße 1",
                "Birthday": "07.03.1980",
                "Notes": "Allergie\\nLatex",
            },
            {
                "cid": 2,
                "externalid": "c-2",
                "firstname": "Jörg",
                "lastname": "Müller",
                "email": None,
                "phone": "040 555 1234",
                "birthday": "1975-11-30",
            },
            {"CID": 3, "ExternalID": "c-3", "FirstName": None, "LastName": None},
        ],
        appointments=[
            appointment(11, "2026-05-05T09:00:00", "2026-05-05T09:30:00"),
            appointment(
                12,
                "2026-05-06T10:00:00",
                "2026-05-06T10:50:00",
                FirstName="Joerg",
                LastName="MUELLER",
                Email="",
                Phone="0040",
                Birthday="30.11.1975",
                Town="Lübeck",
                Notes="Erstgespräch\\nÜberweisung dabei",
            ),
            appointment(
                13,
                "2026-05-06T12:00:00",
                "2026-05-06T13:00:00",
                BlockedApp=True,
                FirstName=None,
                LastName=None,
                Email=None,
                Notes="Mittagspause",
            ),
            appointment(
                14,
                "2026-05-07T09:00:00",
                "2026-05-07T09:30:00",
                calendar="1002",
                FirstName="Lena",
                LastName="Fischer",
                Email="lena(at)example.org",
                Birthday="31.02.1990",
            ),
        ],
    )
