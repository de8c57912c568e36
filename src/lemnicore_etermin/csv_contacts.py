"""E7: the CSV contact import and export, in eTermin's format.

The user gives the column order as a list of field names (``salutation, last_name,
first_name, postcode, email`` — German names such as ``Anrede, Nachname`` work too),
whether to skip a header line, the delimiter (Excel's ``;``, ``,`` or tab, quoted fields
with embedded delimiters, quotes and line breaks as Excel writes them) and the encoding
(UTF-8 with or without BOM, Windows-1252).

Reading (:func:`read_contacts_csv`) is pure and finds every problem, each naming its line.
Importing runs on the shared import pipeline (E1–E6): :class:`CsvContactsImporter` reads
the file and maps it to an :class:`~lemnicore.importing.plan.ImportPlan` of clients and
their logins, and the pipeline gives it the dry run, the report, the batched and resumable
commit under one import id, reset (E5) and progress — ``lemnicore import csv-contacts``
(:class:`CsvContactsPlugin`). Nothing is written if any line is faulty, unless the user
asked to skip bad lines. :func:`import_contacts_csv` is the same in one call, ending with a
:class:`CsvImportReport`.

Deleting existing contacts first keeps their appointments: each appointment loses its
client link (``client_id`` becomes ``None``) and its comment notes the former client's
name, so the calendar still shows who came — as in eTermin, whose appointments carry the
person's name themselves — and no appointment points at a deleted record.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.access.logins import (
    MIN_PASSWORD_LENGTH,
    ClientLogin,
    hash_password,
    normalise_login_id,
)
from lemnicore.clock import Clock
from lemnicore.errors import ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.importing.commit import IN_STORE_BY_EMAIL, LOGIN_NOT_CREATED
from lemnicore.importing.issues import MERGED, SKIPPED, WARNING, FaultyRecordsError, Issue, Merge
from lemnicore.importing.pipeline import ImportTarget
from lemnicore.importing.plan import ImportPlan
from lemnicore.importing.ports import Progress
from lemnicore.scheduling.clients import Client, is_valid_email
from lemnicore.storage.ports import Store
from lemnicore.timekeeping import zone
from lemnicore_etermin.dedup import (
    POSSIBLE_DUPLICATE,
    SAME_EMAIL,
    SAME_NAME_AND_BIRTHDAY,
    SAME_NAME_AND_PHONE,
    email_key,
)
from lemnicore_etermin.erasures import ERASED_REASON
from lemnicore_etermin.errors import CsvImportError
from lemnicore_etermin.records import (
    contact_key,
    parse_birthday,
    parse_phone,
    phone_key,
    unescape_notes,
)

if TYPE_CHECKING:
    from lemnicore.importing.pipeline import ImportOutcome, PhaseProgress

CSV_SOURCE = "csv-contacts"

FIELDS = (
    "external_id",
    "salutation",
    "title",
    "first_name",
    "last_name",
    "street",
    "postcode",
    "city",
    "email",
    "phone",
    "mobile",
    "birthday",
    "notes",
    "tags",
    "login_id",
    "password",
    "skip",
)
"""The contact fields a column can hold; ``skip`` ignores a column. ``external_id`` is the
eTermin contact's ``ExternalID`` (or ``CID``), stored as ``etermin:contact:<id>`` like the
takeover does, so the same person is recognised across imports (E4, B5). A line without
one gets :func:`contact_content_key` instead."""

DUPLICATE_LINE = "duplicate line"
"""E4: the rule that takes a line with the same contact data as an earlier line as that
line's contact."""


def _name(client: Client) -> str:
    """A name for comparing lines: case and blanks ignored (cheap: no cache, E6)."""
    return " ".join(f"{client.first_name} {client.last_name}".casefold().split())


def contact_content_key(
    *,
    organisation_id: str,
    last_name: str,
    first_name: str,
    email: str | None,
    birthday: date | None,
    phones: Iterable[str],
    postcode: str,
) -> str:
    """E4/E7: the key of a CSV line without an external id — ``csv-contacts:`` and the first
    16 hex digits of a SHA-256 over the person's normalised contact data.

    Kept as the client's external id, it recognises the contact when the same file (or a
    re-ordered, re-encoded, differently delimited copy) is imported again or an interrupted
    run is resumed (E4), and keeps an erased person erased (B5).

    Which fields, and why: the last and first name, the e-mail address, the birth date,
    the phone numbers (in national form, as a set: which column a number stood in does not
    matter) and the postcode — case, blanks around and within values and the Unicode
    composition of letters (``ü`` as one character or two) ignored. Together they
    say *who* the contact is; any difference in contact data makes another contact, so two
    lines are never merged on conflicting data (E4). The postcode tells two people of the
    same name apart in a file that has nothing else. Left out: the salutation, title,
    street and city (written many ways: "Str."/"Straße"; the postcode carries the place),
    the notes (free text that changes), the tag and the tags (what the import adds, not
    who the person is), login id and password (credentials: a password never goes into a
    key, and a new password must not make a new person), and the line number (a re-ordered
    file is the same file). The organisation is part of the key, so a store holding
    several practices does not take one practice's contact for another's.

    A digest, not the data: the key shows no name or address. It is derived from personal
    data all the same — whoever knows a person's data can recompute it — so it is kept
    (also in an erased record, B5) only to recognise the same contact again.
    """
    numbers = ",".join(sorted({phone_key(p) for p in phones if p}))
    return _content_key(organisation_id, last_name, first_name, email, birthday, numbers, postcode)


def _content_key(
    organisation_id: str,
    last_name: str,
    first_name: str,
    email: str | None,
    birthday: date | None,
    numbers: str,
    postcode: str,
) -> str:
    """:func:`contact_content_key` with the phone numbers already joined (E6: once a line)."""
    text = "\0".join(
        (
            last_name.strip(),
            first_name.strip(),
            email.strip() if email else "",
            birthday.isoformat() if birthday else "",
            numbers,
            postcode.strip(),
        )
    )
    # One pass over the whole line: NUL separates the fields and is no blank, so
    # collapsing blanks never joins two fields.
    folded = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    digest = hashlib.sha256(f"{organisation_id}\0{folded}".encode()).hexdigest()[:16]
    return f"{CSV_SOURCE}:{digest}"


ALIASES = {
    "externalid": "external_id",
    "external-id": "external_id",
    "cid": "external_id",
    "kontakt-id": "external_id",
    "kontaktid": "external_id",
    "anrede": "salutation",
    "titel": "title",
    "vorname": "first_name",
    "firstname": "first_name",
    "nachname": "last_name",
    "lastname": "last_name",
    "name": "last_name",
    "strasse": "street",
    "straße": "street",
    "postleitzahl": "postcode",
    "plz": "postcode",
    "zip": "postcode",
    "ort": "city",
    "stadt": "city",
    "town": "city",
    "e-mail": "email",
    "e_mail": "email",
    "mail": "email",
    "telefon": "phone",
    "mobil": "mobile",
    "handy": "mobile",
    "geburtstag": "birthday",
    "geburtsdatum": "birthday",
    "notizen": "notes",
    "bemerkung": "notes",
    "login": "login_id",
    "loginid": "login_id",
    "login-id": "login_id",
    "passwort": "password",
    "kennwort": "password",
    "ignore": "skip",
    "-": "skip",
    "": "skip",
}

DELIMITERS = {";": ";", ",": ",", "tab": "\t", "\\t": "\t", "\t": "\t"}
ENCODINGS = {
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "utf-8-sig": "utf-8-sig",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "win1252": "cp1252",
}


def parse_columns(columns: str | Sequence[str]) -> tuple[str, ...]:
    """E7: the column order as field names; a clear error for unknown or repeated ones."""
    names = columns.split(",") if isinstance(columns, str) else list(columns)
    result: list[str] = []
    for position, name in enumerate(names, start=1):
        key = name.strip().lower().replace(" ", "_")
        key = ALIASES.get(key, key)
        if key not in FIELDS:
            raise ValidationError(
                "columns", f"column {position}: unknown field {name!r} (use {', '.join(FIELDS)})"
            )
        if key != "skip" and key in result:
            raise ValidationError("columns", f"column {position}: {key!r} is given twice")
        result.append(key)
    if "last_name" not in result:
        raise ValidationError("columns", "a last_name column is needed")
    if ("login_id" in result) != ("password" in result):
        raise ValidationError("columns", "login_id and password columns go together")
    return tuple(result)


def _delimiter(value: str) -> str:
    if value not in DELIMITERS:
        raise ValidationError("delimiter", f"use ';', ',' or tab, got {value!r}")
    return DELIMITERS[value]


def _encoding(value: str) -> str:
    key = value.strip().lower()
    if key not in ENCODINGS:
        raise ValidationError("encoding", f"use utf-8 or windows-1252, got {value!r}")
    return ENCODINGS[key]


@attrs.frozen
class CsvOptions:
    """E7: what the user chose for one CSV contact import."""

    columns: tuple[str, ...] = attrs.field(converter=parse_columns)
    delimiter: str = attrs.field(default=";", converter=_delimiter)
    encoding: str = attrs.field(default="utf-8", converter=_encoding)
    skip_header: bool = False
    tag: str | None = None
    delete_existing: bool = False
    must_change_password: bool = False
    skip_bad_lines: bool = False


@attrs.frozen
class LineProblem:
    """E7: one problem, naming the line of the file (1-based, as an editor shows it)."""

    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.reason}"


@attrs.frozen
class ContactLine:
    """One good line: the client it makes, and its login (if the file has logins)."""

    line: int
    client: Client
    login_id: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    duplicates: tuple[int, ...] = ()
    """E4: later lines with the same contact data (and the same login), merged into this one."""


def decode(data: bytes, encoding: str) -> str:
    """The file's text; a decoding error names the line it is on."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValidationError(
            "encoding", f"not {encoding} (byte {data[exc.start]:#04x})", record=f"line {line}"
        ) from None


def _split_address(address: str | None) -> tuple[str, str, str]:
    if not address:
        return "", "", ""
    match = re.match(r"^(?:(?P<street>.*?), )?(?P<postcode>\d{4,5})? ?(?P<city>.*)$", address)
    if match is None:  # pragma: no cover - the pattern matches any text
        return address, "", ""
    return match["street"] or "", match["postcode"] or "", match["city"] or ""


def read_contacts_csv(
    data: bytes,
    options: CsvOptions,
    *,
    organisation_id: str,
    consent: bool,
    now: datetime,
    new_id: IdFactory = new_id,
    import_id: str | None = None,
) -> tuple[list[ContactLine], list[LineProblem]]:
    """E7: every good line as a client, and every problem with its line number. Pure."""
    return read_contacts_text(
        decode(data, options.encoding),
        options,
        organisation_id=organisation_id,
        consent=consent,
        now=now,
        new_id=new_id,
        import_id=import_id,
    )


def _count_records(text: str, options: CsvOptions) -> int:
    """How many records (lines, or quoted multi-line records) the text holds, blank lines
    and a skipped header not counted — the total for progress (E6). Splits, checks nothing."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=options.delimiter, quotechar='"')
    count = sum(1 for row in reader if row)
    return max(count - 1, 0) if options.skip_header else count


def read_contacts_text(
    text: str,
    options: CsvOptions,
    *,
    organisation_id: str,
    consent: bool,
    now: datetime,
    new_id: IdFactory = new_id,
    import_id: str | None = None,
) -> tuple[list[ContactLine], list[LineProblem]]:
    """:func:`read_contacts_csv` of text already decoded. Pure."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=options.delimiter, quotechar='"', strict=True
    )
    lines: list[ContactLine] = []
    problems: list[LineProblem] = []
    logins: dict[str, list[int]] = {}
    external_ids: dict[str, list[int]] = {}
    by_key: dict[str, int] = {}  # content key → index of its first line in ``lines``
    merged: set[int] = set()
    width = len(options.columns)
    first = True
    while True:
        line = reader.line_num + 1  # where this record starts, even if it spans lines
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(LineProblem(line, "quoting", str(exc)))
            break  # the rest of the file cannot be split reliably
        if first and options.skip_header:
            first = False
            continue
        first = False
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width and not any(c.strip() for c in row[width:]):
            row = row[:width]
        if len(row) != width:
            problems.append(
                LineProblem(line, "columns", f"expected {width} columns, found {len(row)}")
            )
            continue
        raw = dict(zip(options.columns, row, strict=True))
        values = {name: cell.strip() for name, cell in raw.items()}
        before = len(problems)
        if not values.get("last_name"):
            problems.append(LineProblem(line, "last_name", "missing"))
        email = values.get("email") or None
        if email and not is_valid_email(email):
            problems.append(LineProblem(line, "email", f"not a valid e-mail address: {email!r}"))
        birthday, reason = parse_birthday(values.get("birthday", ""))
        if reason:
            problems.append(LineProblem(line, "birthday", reason))
        phone = mobile = None
        for name in ("phone", "mobile"):
            number, is_mobile, reason = parse_phone(values.get(name, ""))
            if reason:
                problems.append(LineProblem(line, name, reason))
            elif number and (is_mobile or name == "mobile") and mobile is None:
                mobile = number
            elif number:
                phone = number
        login_id = values.get("login_id") or None
        # A password is taken exactly as written: its surrounding spaces are part of it.
        password = raw["password"] if values.get("password") else None
        if login_id:
            login_id = normalise_login_id(login_id)
            if not is_valid_email(login_id):
                problems.append(LineProblem(line, "login_id", f"not an e-mail: {login_id!r}"))
            logins.setdefault(login_id, []).append(line)
            if not password:
                problems.append(LineProblem(line, "password", "missing for the login id"))
            elif len(password) < MIN_PASSWORD_LENGTH:
                problems.append(
                    LineProblem(
                        line,
                        "password",
                        f"must have at least {MIN_PASSWORD_LENGTH} characters (C6)",
                    )
                )
        elif password:
            problems.append(LineProblem(line, "login_id", "missing for the password"))
        external_id = values.get("external_id") or None
        if external_id:
            external_ids.setdefault(external_id, []).append(line)
        if len(problems) > before:
            continue
        street, postcode, city = (values.get(k, "") for k in ("street", "postcode", "city"))
        town = " ".join(p for p in (postcode, city) if p)
        notes, _ = unescape_notes(values.get("notes", ""))
        if values.get("title"):
            notes = "\n".join(p for p in (f"Title: {values['title']}", notes) if p)
        tags = {t.strip() for t in values.get("tags", "").split(",") if t.strip()}
        if options.tag:
            tags.add(options.tag)
        if external_id:
            key = contact_key(external_id)
        else:
            numbers = ""
            if phone or mobile:
                numbers = ",".join(sorted({phone_key(p) for p in (phone, mobile) if p}))
            key = _content_key(
                organisation_id,
                values["last_name"],
                values.get("first_name", ""),
                email,
                birthday,
                numbers,
                postcode,
            )
            if key in by_key:
                first_line = lines[by_key[key]]
                if (first_line.login_id, first_line.password) != (login_id, password):
                    problems.append(
                        LineProblem(
                            line,
                            "login_id",
                            f"same contact as line {first_line.line} with another login",
                        )
                    )
                else:
                    duplicates = (*first_line.duplicates, line)
                    lines[by_key[key]] = attrs.evolve(first_line, duplicates=duplicates)
                    merged.add(line)
                continue
        try:
            client = Client(
                id=new_id(),
                organisation_id=organisation_id,
                last_name=values["last_name"],
                first_name=values.get("first_name", ""),
                salutation=values.get("salutation", ""),
                email=email,
                phone=phone,
                mobile=mobile,
                postal_address=", ".join(p for p in (street, town) if p) or None,
                birthday=birthday,
                notes=notes,
                tags=tags,
                notification_consent=consent,
                consent_changed_at=now,
                contact_changed_at=now,
                external_id=key,
                import_id=import_id,
            )
        except ValidationError as exc:
            problems.append(LineProblem(line, exc.field, exc.reason))
            continue
        if not external_id:
            by_key[key] = len(lines)
        lines.append(ContactLine(line, client, login_id, password))
    for name, used in (("login_id", logins), ("external_id", external_ids)):
        for value, all_lines in used.items():
            used_on = [
                n for n in all_lines if n not in merged
            ]  # a merged line's login is its first's
            if len(used_on) > 1:
                where = ", ".join(map(str, used_on))
                for line in used_on:
                    problems.append(LineProblem(line, name, f"{value!r} is used on lines {where}"))
    bad = {p.line for p in problems}
    for c in lines:
        if c.line in bad:  # the duplicates of a faulty line are not imported either
            problems.extend(
                LineProblem(d, "line", f"same contact as line {c.line}, which is faulty")
                for d in c.duplicates
            )
    return [c for c in lines if c.line not in bad], sorted(problems, key=lambda p: p.line)


@attrs.frozen
class CsvImportReport:
    """E7: the confirmation report that ends an import."""

    import_id: str
    lines_imported: int
    lines_skipped: int
    problems: tuple[LineProblem, ...]
    clients_deleted: int
    appointments_kept: int
    logins_created: int
    tag: str | None
    left_out: tuple[LineProblem, ...] = ()
    """Good lines not imported on purpose: the person is in the store already (same
    external id), or was erased on request (B5). Not errors: they never stop an import."""

    def to_text(self) -> str:
        out = [
            f"CSV contact import {self.import_id}: {self.lines_imported} contacts imported",
        ]
        if self.tag:
            out.append(f"  tagged {self.tag!r}")
        if self.clients_deleted:
            out.append(
                f"  {self.clients_deleted} existing contacts deleted first;"
                f" their {self.appointments_kept} appointments kept"
            )
        if self.logins_created:
            out.append(f"  {self.logins_created} logins created")
        if self.left_out:
            out.append(f"  {len(self.left_out)} lines left out:")
            out.extend(f"    {p}" for p in self.left_out)
        if self.problems:
            out.append(f"  {self.lines_skipped} lines skipped:")
            out.extend(f"    {p}" for p in self.problems)
        return "\n".join(out)


class CsvContactsImporter:
    """E7: one CSV contact file as an importer of the shared pipeline (E1–E6).

    Reading (:meth:`fetch`) decodes the file; mapping (:meth:`plan`) parses it with
    :func:`read_contacts_text` (as :func:`read_contacts_csv` does), hashes the passwords and
    builds an
    :class:`~lemnicore.importing.plan.ImportPlan` of clients and their logins — every
    faulty line a ``skipped`` issue naming its line and field. Unless bad lines are to be
    skipped the plan is all-or-nothing: the commit refuses before writing anything.
    """

    name = CSV_SOURCE

    def __init__(
        self,
        data: bytes,
        options: CsvOptions,
        target: ImportTarget,
        *,
        clock: Clock,
        new_id: IdFactory = new_id,
        hasher: Callable[[str], str] = hash_password,
    ) -> None:
        self.data = data
        self.options = options
        self.target = target
        self.clock = clock
        self.new_id = new_id
        self.hasher = hasher

    def __repr__(self) -> str:
        return f"CsvContactsImporter({len(self.data)} bytes)"

    def list_calendars(self) -> list[Mapping[str, Any]]:
        """A contact file has no calendars."""
        return []

    def fetch(self, progress: Progress, *, today: date) -> str:
        """The file's text, decoded (an encoding error names its line); ``today`` plays no
        part. Progress counts its records.

        The lines become clients in :meth:`plan`, which knows the import id: clients made
        with it are written as they are, not copied once more to stamp it (E6).
        """
        del today
        progress(0, 1)
        text = decode(self.data, self.options.encoding)
        read = _count_records(text, self.options)
        progress(read, read)
        return text

    def plan(
        self,
        fetched: str,
        *,
        import_id: str | None,
        today: date,
        now: datetime,
        progress: Progress,
    ) -> ImportPlan:
        """Every line as a client (or a problem, naming its line) and the plan of them."""
        del today, now
        lines, problems = read_contacts_text(
            fetched,
            self.options,
            organisation_id=self.target.organisation_id,
            consent=bool(self.target.default_consent),
            now=self.clock.now(),
            new_id=self.new_id,
            import_id=import_id,
        )
        return plan_contacts(
            lines,
            problems,
            self.options,
            self.target,
            import_id=import_id,
            hasher=self.hasher,
            progress=progress,
        )

    def close(self) -> None:
        self.data = b""


def line_record(line: int) -> str:
    """How an issue names a line of the file: ``line 3``."""
    return f"line {line}"


def plan_contacts(
    lines: Sequence[ContactLine],
    problems: Sequence[LineProblem],
    options: CsvOptions,
    target: ImportTarget,
    *,
    import_id: str | None,
    hasher: Callable[[str], str] = hash_password,
    progress: Progress | None = None,
) -> ImportPlan:
    """E7: the read lines as an import plan: clients, their logins (hashed), every problem
    a ``skipped`` issue naming its line and field. No I/O."""
    total = len(lines)
    if progress is not None:
        progress(0, total)
    # Slow hashing (scrypt), several at once: hashlib releases the GIL while it works.
    with_password = [c for c in lines if c.login_id and c.password]
    with ThreadPoolExecutor(4) as pool:
        hashed = list(pool.map(lambda c: hasher(c.password or ""), with_password))
    logins = tuple(
        ClientLogin(
            login_id=c.login_id or "",
            client_id=c.client.id,
            password_hash=password_hash,
            must_change_password=options.must_change_password,
        )
        for c, password_hash in zip(with_password, hashed, strict=True)
    )
    issues = [Issue("line", line_record(p.line), p.field, p.reason, SKIPPED) for p in problems]
    merges = [
        Merge(DUPLICATE_LINE, line_record(c.line), line_record(d))
        for c in lines
        for d in c.duplicates
    ]
    issues += [
        Issue("line", m.merged, "line", f"same client as {m.kept} ({DUPLICATE_LINE})", MERGED)
        for m in merges
    ]
    possible = possible_duplicates(lines)
    issues += [
        Issue("line", m.merged, "client", f"{m.rule} (see {m.kept})", WARNING) for m in possible
    ]
    faulty_lines = len({p.line for p in problems})
    summary: list[str] = []
    if options.tag:
        summary.append(f"Tag: {options.tag!r} on every imported contact")
    if logins and options.must_change_password:
        summary.append("Logins must change their password at the first login (C6)")
    plan = ImportPlan(
        source=CSV_SOURCE,
        import_id=import_id,
        options=target,
        window_from=None,
        window_to=None,
        appointment_types=(),
        clients=tuple(c.client for c in lines),
        appointments=(),
        deleted_keys=frozenset(),
        issues=tuple(issues),
        merges=tuple(merges),
        overlaps=(),
        shared_rooms={},
        counts={
            "contacts_read": len(lines) + len(merges) + faulty_lines,
            "clients": len(lines),
            "logins": len(logins),
            "merged": len(merges),
            "possible_duplicates": len(possible),
            "faulty_lines": faulty_lines,
            "faulty_records": len(problems),
            "issues": len(issues),
        },
        # The lines each client comes from, under its key (E4: every line has one), for
        # the report and for recognising the client in the store.
        client_sources={
            c.client.id: tuple(
                (c.client.external_id or "", line_record(n)) for n in (c.line, *c.duplicates)
            )
            for c in lines
        },
        possible_duplicates=tuple(possible),
        logins=logins,
        match_stored_by_email=True,
        delete_existing=options.delete_existing,
        all_or_nothing=not options.skip_bad_lines,
        summary=tuple(summary),
    )
    if progress is not None:
        progress(total, total)
    return plan


def _differences(one: Client, other: Client) -> list[str]:
    """E4: which contact data of two lines contradict each other (blank is no contradiction)."""
    found = []
    if _name(one) != _name(other):
        found.append("different names")
    if one.email and other.email and email_key(one.email) != email_key(other.email):
        found.append("different e-mail addresses")
    if one.birthday and other.birthday and one.birthday != other.birthday:
        found.append("different birth dates")
    phones = [{phone_key(p) for p in (c.phone, c.mobile) if p} for c in (one, other)]
    if all(phones) and phones[0] != phones[1]:
        found.append("different phone numbers")
    return found or ["other contact data differ"]


def possible_duplicates(lines: Sequence[ContactLine]) -> list[Merge]:
    """E4: pairs of lines kept apart as two contacts although they share an e-mail address,
    or a name and birth date, or a name and phone number — for a person to decide. Each
    later line is named once, with the first earlier line it resembles. Pure."""
    by_email: dict[str, ContactLine] = {}
    by_born: dict[tuple[str, date], ContactLine] = {}
    by_phone: dict[tuple[str, str], ContactLine] = {}
    found: list[Merge] = []
    for line in lines:
        client = line.client
        # One dict operation per key (E6: every line of a 100 000-line file passes here).
        earlier: ContactLine | None = None
        rule = ""
        if client.email:
            first = by_email.setdefault(email_key(client.email), line)
            if first is not line:
                earlier, rule = first, SAME_EMAIL
        if client.birthday or client.phone or client.mobile:
            name = _name(client)
            if client.birthday:
                first = by_born.setdefault((name, client.birthday), line)
                if first is not line and earlier is None:
                    earlier, rule = first, SAME_NAME_AND_BIRTHDAY
            for number in (client.phone, client.mobile):
                if number:
                    first = by_phone.setdefault((name, phone_key(number)), line)
                    if first is not line and earlier is None:
                        earlier, rule = first, SAME_NAME_AND_PHONE
        if earlier is not None:
            why = ", ".join(_differences(earlier.client, client))
            found.append(
                Merge(
                    f"{POSSIBLE_DUPLICATE}: {rule}, but {why}",
                    line_record(earlier.line),
                    line_record(line.line),
                )
            )
    return found


def import_contacts_csv(
    store: Store,
    data: bytes,
    options: CsvOptions,
    *,
    organisation_id: str,
    clock: Clock,
    actor: Actor = SYSTEM_ACTOR,
    new_id: IdFactory = new_id,
    hasher: Callable[[str], str] = hash_password,
    dry: bool = False,
    progress: PhaseProgress | None = None,
) -> CsvImportReport:
    """E7: import contacts from ``data`` through the shared pipeline (:func:`~lemnicore.
    importing.pipeline.run_import`); all-or-nothing unless ``skip_bad_lines``.

    Raises :class:`~lemnicore_etermin.errors.CsvImportError` (listing every problem) and
    writes nothing when a line is faulty and bad lines are not to be skipped. ``dry``
    writes nothing and reports what a commit would do (E3), faulty lines included.
    """
    from lemnicore.importing.pipeline import run_import

    target = ImportTarget.of_store(store, organisation_id)
    importer = CsvContactsImporter(data, options, target, clock=clock, new_id=new_id, hasher=hasher)
    today = clock.now().astimezone(zone(target.time_zone)).date()
    try:
        outcome = run_import(
            actor, importer, store, clock=clock, today=today, dry=dry, progress=progress
        )
    except FaultyRecordsError as exc:
        raise CsvImportError(
            [(_line_of(i.record_id) or 0, i.field, i.reason) for i in exc.issues]
        ) from None
    return csv_import_report(outcome, store, options)


def _line_of(record_id: str) -> int | None:
    prefix = line_record(0)[:-1]
    if record_id.startswith(prefix) and record_id[len(prefix) :].isdigit():
        return int(record_id[len(prefix) :])
    return None


def csv_import_report(outcome: ImportOutcome, store: Store, options: CsvOptions) -> CsvImportReport:
    """E7: the pipeline's outcome as a :class:`CsvImportReport`: faulty lines as problems;
    lines of clients erased on request (B5), stored already (same external id or contact
    data, or by e-mail and name) or repeating an earlier line (E4) as left out."""
    plan, run = outcome.plan, outcome.run
    problems: list[LineProblem] = []
    left_out: list[LineProblem] = []
    kept_of = {m.merged: m.kept for m in plan.merges}
    for issue in plan.issues:
        line = _line_of(issue.record_id)
        if line is None or issue.action not in (SKIPPED, MERGED):
            continue
        if issue.action == MERGED:
            if issue.reason.endswith(f"({DUPLICATE_LINE})"):
                reason = f"same contact as {kept_of[issue.record_id]} ({DUPLICATE_LINE}), merged"
                left_out.append(LineProblem(line, "line", reason))
            elif IN_STORE_BY_EMAIL in issue.reason:
                reason = f"{IN_STORE_BY_EMAIL}, left as it is"
                if issue.reason.endswith(LOGIN_NOT_CREATED):
                    reason += f"; {LOGIN_NOT_CREATED}"
                left_out.append(LineProblem(line, "email", reason))
        elif issue.reason.startswith(ERASED_REASON):
            left_out.append(LineProblem(line, "external_id", f"{ERASED_REASON} (B5)"))
        else:
            problems.append(LineProblem(line, issue.field, issue.reason))
    # Only when the commit found clients stored already: a first import reads nothing back.
    existing = run.counts.get("clients_existing", 0) if run.status == "committed" else 0
    keyed = {c.external_id: c.id for c in plan.clients if c.external_id} if existing else {}
    if keyed:
        # One read, not a look-up per line: a re-imported file may match every line.
        with store.unit_of_work(write=False) as uow:
            earlier = [
                keyed[c.external_id]
                for c in uow.clients.all()
                if c.external_id in keyed and c.import_id != run.id and not c.erased
            ]
        for client_id in earlier:
            line = _line_of(plan.client_sources[client_id][0][1])
            if line is not None:
                by_content = plan.client_sources[client_id][0][0].startswith(f"{CSV_SOURCE}:")
                field, rule = (
                    ("line", "same contact data")
                    if by_content
                    else ("external_id", "same external id")
                )
                reason = f"already in the store ({rule}), left as it is"
                left_out.append(LineProblem(line, field, reason))
    counts = run.counts
    return CsvImportReport(
        import_id=run.id,
        lines_imported=counts.get("clients_created", len(plan.clients)),
        lines_skipped=len({p.line for p in problems}),
        problems=tuple(sorted(problems, key=lambda p: p.line)),
        clients_deleted=counts.get("clients_deleted", 0),
        appointments_kept=counts.get("appointments_kept", 0),
        logins_created=counts.get("logins_created", len(plan.logins)),
        tag=options.tag,
        left_out=tuple(sorted(left_out, key=lambda p: p.line)),
    )


class CsvContactsPlugin:
    """``lemnicore import csv-contacts FILE --columns …`` (E7): the CSV options; the
    pipeline adds store, organisation, dry run, reports and progress. No window: contacts
    have none (``uses_window``)."""

    help = "import contacts from a CSV file (E7)"
    uses_window = False

    def configure(self, parser: argparse.ArgumentParser) -> None:
        from lemnicore.cli.arguments import existing_file

        parser.add_argument("file", type=existing_file, help="the CSV file")
        parser.add_argument(
            "--columns",
            required=True,
            help="the file's columns in order, e.g. salutation,last_name,first_name,postcode,email",
        )
        parser.add_argument("--delimiter", default=";", help="';' (Excel, default), ',' or 'tab'")
        parser.add_argument(
            "--encoding", default="utf-8", help="utf-8 (with or without BOM) or windows-1252"
        )
        parser.add_argument("--skip-header", action="store_true", help="the first line is a header")
        parser.add_argument("--tag", help="tag every imported contact")
        parser.add_argument(
            "--delete-existing",
            action="store_true",
            help="delete existing contacts first (their appointments stay)",
        )
        parser.add_argument(
            "--must-change-password",
            action="store_true",
            help="logins must change their password first",
        )
        parser.add_argument(
            "--skip-bad-lines",
            action="store_true",
            help="import the good lines, report the bad ones",
        )

    def open(self, args: argparse.Namespace, target: ImportTarget) -> CsvContactsImporter:
        from lemnicore.clock import SystemClock

        options = CsvOptions(
            columns=args.columns,
            delimiter=args.delimiter,
            encoding=args.encoding,
            skip_header=args.skip_header,
            tag=args.tag,
            delete_existing=args.delete_existing,
            must_change_password=args.must_change_password,
            skip_bad_lines=args.skip_bad_lines,
        )
        # G7: a file that cannot be read (no permission) is an OSError: exit code 3.
        data = args.file.read_bytes()
        return CsvContactsImporter(data, options, target, clock=SystemClock(), hasher=hash_password)


EXPORT_DEFAULT = (
    "salutation",
    "last_name",
    "first_name",
    "street",
    "postcode",
    "city",
    "email",
    "phone",
    "mobile",
    "birthday",
)


def export_contacts_csv(
    clients: Iterable[Client],
    columns: str | Sequence[str] = EXPORT_DEFAULT,
    *,
    delimiter: str = ";",
    encoding: str = "utf-8",
    header: bool = True,
    logins: Mapping[str, str] | None = None,
) -> bytes:
    """E7: clients in the same format the import reads (Excel quoting, ``\\r\\n``).

    ``logins`` maps client id → login id; passwords are never exported (the column stays
    empty). UTF-8 is written with a BOM so Excel detects it.
    """
    fields = parse_columns(columns)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=_delimiter(delimiter), lineterminator="\r\n")
    if header:
        writer.writerow(fields)
    by_client = dict(logins or {})
    for client in clients:
        if client.erased:
            continue
        street, postcode, city = _split_address(client.postal_address)
        values = {
            "external_id": _source_id(client.external_id),
            "salutation": client.salutation,
            "title": "",
            "first_name": client.first_name,
            "last_name": client.last_name,
            "street": street,
            "postcode": postcode,
            "city": city,
            "email": client.email or "",
            "phone": client.phone or "",
            "mobile": client.mobile or "",
            "birthday": client.birthday.strftime("%d.%m.%Y") if client.birthday else "",
            "notes": client.notes,
            "tags": ",".join(sorted(client.tags)),
            "login_id": by_client.get(client.id, ""),
            "password": "",
            "skip": "",
        }
        writer.writerow([values[f] for f in fields])
    return out.getvalue().encode(_encoding(encoding))


def _source_id(external_id: str | None) -> str:
    """The eTermin contact id back from ``etermin:contact:<id>``; other sources' ids stay
    empty (they mean nothing to eTermin)."""
    prefix = contact_key("")
    return external_id[len(prefix) :] if external_id and external_id.startswith(prefix) else ""
