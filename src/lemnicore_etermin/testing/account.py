"""A fake eTermin account: records exactly as the API sends them (PascalCase JSON), and a
seeded generator of large, realistically messy accounts."""

from __future__ import annotations

import bisect
import random
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from lemnicore.timekeeping import DEFAULT_TIME_ZONE, local_datetime, zone

Record = dict[str, Any]

FIRST_NAMES = (
    "Anna", "Jörg", "Müller", "Lena", "Jürgen", "Sophie", "Björn", "Maria", "Lukas", "Özlem",
    "Hannah", "Felix", "Emma", "Paul", "Mia", "Jonas", "Lea", "Ben", "Clara", "Noah",
    "Zoë", "Erik", "Ida", "René", "Greta", "Timo", "Marie", "Karl", "Ella", "Max",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
    "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange",
    "Schmitt", "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze",
    "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs",
    "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel",
)  # fmt: skip
TOWNS = ("Hamburg", "Berlin", "München", "Köln", "Lübeck", "Kiel", "Bremen", "Hannover")
SERVICES = ("Erstgespräch", "Sitzung 50 min", "Hörtest", "Sehtest", "Kontrolle", "Beratung")


class EterminAccount:
    """An eTermin account in memory: calendars, contacts, appointments, deletions.

    Records are dicts with eTermin's PascalCase field names. The API keys are what the fake
    server checks signatures against.
    """

    def __init__(
        self,
        *,
        public_key: str = "pk-test",
        private_key: str = "sk-test-secret",
        time_zone: str = DEFAULT_TIME_ZONE,
        calendars: Iterable[Record] = (),
        contacts: Iterable[Record] = (),
        appointments: Iterable[Record] = (),
        deleted: Iterable[Record] = (),
    ) -> None:
        self.public_key = public_key
        self.private_key = private_key
        self.time_zone = time_zone
        self.calendars = list(calendars)
        self.contacts = list(contacts)
        self.appointments = list(appointments)
        self.deleted = list(deleted)
        self._index: dict[str, tuple[list[str], list[Record]]] | None = None

    def __repr__(self) -> str:
        return (
            f"EterminAccount({len(self.calendars)} calendars, {len(self.contacts)} contacts,"
            f" {len(self.appointments)} appointments, {len(self.deleted)} deleted)"
        )

    def changed(self) -> None:
        """Call after editing the lists directly, so the server's index is rebuilt."""
        self._index = None

    def delete_appointment(self, external_id: str, *, on: date) -> Record:
        """Delete an appointment in eTermin: it moves to the deleted feed."""
        found = next(a for a in self.appointments if field(a, "ExternalID") == external_id)
        self.appointments.remove(found)
        self.deleted.append(
            {
                "ID": field(found, "ID"),
                "ExternalID": external_id,
                "CalendarID": field(found, "CalendarID"),
                "StartDateTime": field(found, "StartDateTime"),
                "DeletionDate": f"{on.isoformat()}T12:00:00",
                "DeletedBy": "Praxis",
            }
        )
        self.changed()
        return found

    def appointments_between(
        self, start: str, end: str, calendar_ids: set[str] | None
    ) -> list[Record]:
        """Appointments whose local start date is in [start, end), per eTermin's API."""
        if self._index is None:
            index: dict[str, tuple[list[str], list[Record]]] = {}
            for record in sorted(self.appointments, key=lambda r: str(field(r, "StartDateTime"))):
                keys, records = index.setdefault(str(field(record, "CalendarID")), ([], []))
                keys.append(str(field(record, "StartDateTime"))[:10])
                records.append(record)
            self._index = index
        found: list[Record] = []
        for calendar_id, (keys, records) in self._index.items():
            if calendar_ids is not None and calendar_id not in calendar_ids:
                continue
            found.extend(records[bisect.bisect_left(keys, start) : bisect.bisect_left(keys, end)])
        return found


def field(record: Record, name: str) -> Any:
    """A field of a record, whatever the case of its name (as eTermin's own data vary)."""
    if name in record:
        return record[name]
    lower = name.lower()
    return next((v for k, v in record.items() if k.lower() == lower), None)


def _local(dt: datetime) -> str:
    return dt.replace(tzinfo=None).isoformat(timespec="seconds")


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def generate_account(
    *,
    seed: int = 1,
    today: date,
    appointments: int = 1000,
    contacts: int = 200,
    calendars: int = 3,
    days_before: int = 500,
    days_after: int = 200,
    time_zone: str = DEFAULT_TIME_ZONE,
    public_key: str = "pk-test",
    private_key: str = "sk-test-secret",
) -> EterminAccount:
    """A large, realistically messy account, the same for the same arguments.

    Messiness, roughly as seen in real accounts: contacts duplicated with spelling, case and
    phone-format variants; appointments naming people slightly differently (umlaut spelling,
    e-mail case, phone format), unlinked to contacts; nulls; invalid e-mails; birthdays as
    ``dd.mm.yyyy``, ISO, empty or impossible; literal ``\\n`` in notes; field names in
    odd case; blocked slots; overlapping appointments; deleted appointments; appointments
    around the DST changes.
    """
    rng = random.Random(seed)
    tz = zone(time_zone)

    def uid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    calendar_records = [
        {
            "CalendarID": str(1001 + n),
            "CalendarName": f"Raum {n + 1}" if n % 2 == 0 else f"Therapeut·in {n + 1}",
            "TimeSlotMinutes": 15,
            "Enabled": True,
            "CalendarGroup": "Praxis",
        }
        for n in range(calendars)
    ]

    people: list[dict[str, Any]] = []
    for n in range(max(1, contacts)):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
        mobile = rng.random() < 0.7
        number = f"01{rng.choice('567')}{rng.randrange(10)}{rng.randrange(10**7):07d}"
        if not mobile:
            number = f"040{rng.randrange(10**7):07d}"
        people.append(
            {
                "n": n,
                "first": first,
                "last": last,
                "email": f"{first}.{last}.{n}@example.org".lower()
                .replace("ü", "ue")
                .replace("ö", "oe")
                .replace("ä", "ae")
                .replace("ß", "ss")
                .replace("ë", "e")
                .replace("é", "e"),
                "phone": number,
                "born": born,
                "town": rng.choice(TOWNS),
                "zip": f"{rng.randrange(10000, 99999)}",
                "street": f"{rng.choice(LAST_NAMES)}straße {rng.randrange(1, 120)}",
                "salutation": rng.choice(("Frau", "Herr", "", None)),
            }
        )

    def spelled(name: str) -> str:
        r = rng.random()
        if r < 0.05:
            return name.upper()
        if r < 0.10:
            return name.lower()
        if r < 0.15:
            return name.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
        if r < 0.18:
            return f" {name}  "
        return name

    def phone_variant(number: str) -> str:
        r = rng.random()
        if r < 0.25:
            return "+49 " + number[1:4] + " " + number[4:]
        if r < 0.4:
            return number[:4] + "/" + number[4:]
        if r < 0.5:
            return "0049-" + number[1:4] + "-" + number[4:]
        return number

    def email_variant(email: str) -> str | None:
        r = rng.random()
        if r < 0.08:
            return None
        if r < 0.10:
            return email.replace("@", "(at)")  # invalid
        if r < 0.2:
            return email.upper() if r < 0.15 else email.capitalize()
        return email

    def birthday_variant(born: date) -> str | None:
        r = rng.random()
        if r < 0.55:
            return born.strftime("%d.%m.%Y")
        if r < 0.7:
            return born.isoformat()
        if r < 0.8:
            return ""
        if r < 0.98:
            return None
        return "31.02." + str(born.year)  # impossible date

    def notes_variant() -> str | None:
        r = rng.random()
        if r < 0.6:
            return None
        if r < 0.8:
            return "Bitte Befund mitbringen.\\nParkplatz im Hof."
        return rng.choice(("", "Kommt mit Begleitung", "Rückruf erbeten"))

    contact_records: list[Record] = []
    cid = 5000
    for person in people:
        if rng.random() < 0.15:
            continue  # only known from appointments
        copies = 2 if rng.random() < 0.05 else 1  # duplicated contacts
        for copy in range(copies):
            cid += 1
            record: Record = {
                "CID": cid,
                "ExternalID": uid(),
                "CustomerNumber": f"K{person['n']:06d}",
                "Salutation": person["salutation"],
                "Title": None,
                "FirstName": spelled(person["first"]) if copy else person["first"],
                "LastName": spelled(person["last"]) if copy else person["last"],
                "Email": email_variant(person["email"]),
                "Phone": phone_variant(person["phone"]),
                "Street": person["street"] if rng.random() < 0.8 else None,
                "ZIP": person["zip"] if rng.random() < 0.85 else "",
                "City": person["town"],
                "Country": "DE",
                "Birthday": birthday_variant(person["born"]),
                "Company": None,
                "Newsletter": rng.random() < 0.3,
                "Tags": rng.choice(("", "Kasse", "Privat", None)),
                "Notes": notes_variant(),
                "CreationDate": "2024-01-15T10:00:00",
            }
            if rng.random() < 0.02:
                record = {k.lower(): v for k, v in record.items()}  # odd casing
            contact_records.append(record)

    appointment_records: list[Record] = []
    first_day = today - timedelta(days=days_before)
    span = days_before + days_after + 1
    durations = (30, 45, 50, 60)
    ids = 700000
    previous: list[Record] = []
    next_free: dict[tuple[object, date], int] = {}
    # The DST days get a few appointments on purpose.
    dst_days = [
        d
        for d in (date(today.year, 3, 29), date(today.year, 10, 25))
        if 0 <= (d - first_day).days < span
    ]
    for n in range(appointments):
        ids += 1
        calendar = rng.choice(calendar_records)
        if dst_days and n % 997 == 0:
            day = rng.choice(dst_days)
            start_time = time(2, 30) if n % 2 else time(9, 0)
        else:
            # Appointments of a calendar follow each other through the day, as in a real
            # diary; a full day sends the next one elsewhere (or, if all are full, overlaps).
            for _ in range(20):
                day = first_day + timedelta(days=rng.randrange(span))
                minute = next_free.get((calendar["CalendarID"], day), 7 * 60)
                minute += rng.choice((0, 0, 15, 30))
                if minute < 19 * 60:
                    break
                calendar = rng.choice(calendar_records)
            else:
                minute = rng.randrange(7, 19) * 60
            start_time = time(minute // 60, minute % 60)
        start = local_datetime(day, start_time, tz)
        if previous and rng.random() < 0.01:
            # An overlap: same calendar, same time as an earlier appointment.
            twin = rng.choice(previous[-50:])
            twin_calendar = field(twin, "CalendarID")
            calendar = next(c for c in calendar_records if c["CalendarID"] == twin_calendar)
            start = datetime.fromisoformat(field(twin, "StartDateTimeUtc")).replace(tzinfo=UTC)
            start = start.astimezone(tz)
        # Elapsed minutes (via UTC): wall-clock arithmetic would be wrong across DST.
        end = (start.astimezone(UTC) + timedelta(minutes=rng.choice(durations))).astimezone(tz)
        key = (calendar["CalendarID"], start.date())
        next_free[key] = max(next_free.get(key, 0), end.hour * 60 + end.minute)
        record = {
            "ID": ids,
            "IID": ids,
            "ExternalID": uid(),
            "CalendarID": calendar["CalendarID"],
            "CalendarName": calendar["CalendarName"],
            "StartDateTime": _local(start),
            "EndDateTime": _local(end.astimezone(tz)),
            "StartDateTimeUtc": _utc(start),
            "EndDateTimeUtc": _utc(end),
            "CreationDate": _local((start - timedelta(days=rng.randrange(1, 60))).astimezone(tz)),
            "Status": 1,
            "ManualConfirmed": rng.random() < 0.5,
            "BookingType": rng.choice(("Online", "Manuell")),
            "RecurrenceRule": None,
        }
        if rng.random() < 0.02:
            record |= {
                "BlockedApp": True,
                "Notes": rng.choice(("Mittagspause", "Fortbildung", None)),
                "FirstName": None,
                "LastName": None,
                "Email": None,
            }
        else:
            person = rng.choice(people)
            record |= {
                "BlockedApp": False,
                "Salutation": person["salutation"],
                "FirstName": spelled(person["first"]),
                "LastName": spelled(person["last"]) if rng.random() > 0.003 else None,
                "Email": email_variant(person["email"]),
                "Phone": phone_variant(person["phone"]) if rng.random() < 0.8 else None,
                "Street": person["street"] if rng.random() < 0.5 else None,
                "ZIP": person["zip"] if rng.random() < 0.5 else None,
                "Town": person["town"],
                "Birthday": birthday_variant(person["born"]),
                "Notes": notes_variant(),
                "ServicesText": rng.choice(SERVICES),
                "CustomerNumber": None,
            }
            if rng.random() < 0.01:
                record = {k.lower(): v for k, v in record.items()}
        appointment_records.append(record)
        previous.append(record)
        if len(previous) > 200:
            del previous[:100]

    deleted_records: list[Record] = []
    for n in range(max(1, appointments // 200)):
        when = today - timedelta(days=rng.randrange(1, days_before))
        deleted_records.append(
            {
                "ID": 900000 + n,
                "ExternalID": uid(),
                "CalendarID": rng.choice(calendar_records)["CalendarID"],
                "DeletionDate": f"{when.isoformat()}T08:00:00",
                "DeletedBy": "Online",
            }
        )
    return EterminAccount(
        public_key=public_key,
        private_key=private_key,
        time_zone=time_zone,
        calendars=calendar_records,
        contacts=contact_records,
        appointments=appointment_records,
        deleted=deleted_records,
    )
