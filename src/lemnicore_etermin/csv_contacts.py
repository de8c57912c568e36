"""E7: the CSV contact import and export, in eTermin's format.

The user gives the column order as a list of field names (``salutation, last_name,
first_name, postcode, email`` — German names such as ``Anrede, Nachname`` work too),
whether to skip a header line, the delimiter (Excel's ``;``, ``,`` or tab, quoted fields
with embedded delimiters, quotes and line breaks as Excel writes them) and the encoding
(UTF-8 with or without BOM, Windows-1252).

Reading (:func:`read_contacts_csv`) is pure and finds every problem, each naming its line.
Importing (:func:`import_contacts_csv`) writes nothing if any line is faulty, unless the
user asked to skip bad lines; it runs in one transaction, under one import id (so it can be
reset, E5), and ends with a :class:`CsvImportReport`.

Deleting existing contacts first keeps their appointments: each appointment loses its
client link (``client_id`` becomes ``None``) and its comment notes the former client's
name, so the calendar still shows who came — as in eTermin, whose appointments carry the
person's name themselves — and no appointment points at a deleted record.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import attrs

from lemnicore.access.actors import SYSTEM_ACTOR, Actor
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.access.logins import (
    MIN_PASSWORD_LENGTH,
    ClientLogin,
    hash_password,
    normalise_login_id,
)
from lemnicore.clock import Clock
from lemnicore.errors import ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.importing.runs import ImportRun
from lemnicore.scheduling.clients import Client, is_valid_email
from lemnicore.storage.ports import Store, UnitOfWork
from lemnicore_etermin.erasures import ERASED_REASON
from lemnicore_etermin.errors import CsvImportError
from lemnicore_etermin.records import contact_key, parse_birthday, parse_phone, unescape_notes

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
takeover does, so the same person is recognised across imports (E4, B5)."""

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
    text = decode(data, options.encoding)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=options.delimiter, quotechar='"', strict=True
    )
    lines: list[ContactLine] = []
    problems: list[LineProblem] = []
    logins: dict[str, list[int]] = {}
    external_ids: dict[str, list[int]] = {}
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
                external_id=contact_key(external_id) if external_id else None,
                import_id=import_id,
            )
        except ValidationError as exc:
            problems.append(LineProblem(line, exc.field, exc.reason))
            continue
        lines.append(ContactLine(line, client, login_id, password))
    for name, used in (("login_id", logins), ("external_id", external_ids)):
        for value, used_on in used.items():
            if len(used_on) > 1:
                where = ", ".join(map(str, used_on))
                for line in used_on:
                    problems.append(LineProblem(line, name, f"{value!r} is used on lines {where}"))
    bad = {p.line for p in problems}
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
) -> CsvImportReport:
    """E7: import contacts from ``data``; all-or-nothing unless ``skip_bad_lines``.

    Raises :class:`~lemnicore_etermin.errors.CsvImportError` (listing every problem) and
    writes nothing when a line is faulty and bad lines are not to be skipped.
    """
    now = clock.now()
    with store.unit_of_work(write=False) as uow:
        organisation = uow.organisations.get(organisation_id)
        taken = {login.id: login.client_id for login in uow.client_logins.all()}
    run = ImportRun(id=new_id(), source=CSV_SOURCE, started_at=now, status="running")
    lines, problems = read_contacts_csv(
        data,
        options,
        organisation_id=organisation_id,
        consent=organisation.default_notification_consent,
        now=now,
        new_id=new_id,
        import_id=run.id,
    )
    if not options.delete_existing:
        for contact in lines:
            if contact.login_id in taken:
                problems.append(
                    LineProblem(contact.line, "login_id", f"{contact.login_id!r} exists already")
                )
        bad = {p.line for p in problems}
        lines = [c for c in lines if c.line not in bad]
    if problems and not options.skip_bad_lines:
        raise CsvImportError([(p.line, p.field, p.reason) for p in problems])
    # Slow hashing (scrypt) before the write transaction, several at once: hashlib
    # releases the GIL while it works.
    with_password = [c for c in lines if c.password]
    with ThreadPoolExecutor(4) as pool:
        hashed = list(pool.map(lambda c: hasher(c.password or ""), with_password))
    hashes = {c.line: h for c, h in zip(with_password, hashed, strict=True)}
    deleted = kept = 0
    with store.unit_of_work() as uow:
        if options.delete_existing:
            deleted, kept = _delete_contacts(uow, now=now, actor=actor, new_id=new_id)
        left_out = _already_known(uow, lines)
        lines = [c for c in lines if c.line not in {p.line for p in left_out}]
        clients = [c.client for c in lines]
        uow.clients.add_many(clients)
        logins = 0
        for contact in lines:
            password_hash = hashes.get(contact.line)
            if contact.login_id and password_hash:
                uow.client_logins.put(
                    ClientLogin(
                        login_id=contact.login_id,
                        client_id=contact.client.id,
                        password_hash=password_hash,
                        must_change_password=options.must_change_password,
                    )
                )
                logins += 1
        counts = {
            "clients_created": len(clients),
            "lines_skipped": len({p.line for p in problems}),
            "clients_deleted": deleted,
            "appointments_kept": kept,
            "logins_created": logins,
            "lines_left_out": len(left_out),
        }
        finished = attrs.evolve(run, status="committed", finished_at=now, counts=counts)
        uow.import_runs.put(finished)
        uow.audit.append(
            AuditEntry(
                id=new_id(),
                at=now,
                actor_id=actor.id,
                action=AuditAction.IMPORT_COMMITTED.value,
                subject_id=run.id,
                after=counts,
                note=f"CSV contact import {run.id}",
            )
        )
        uow.commit()
    return CsvImportReport(
        import_id=run.id,
        lines_imported=len(clients),
        lines_skipped=counts["lines_skipped"],
        problems=tuple(problems),
        clients_deleted=deleted,
        appointments_kept=kept,
        logins_created=logins,
        tag=options.tag,
        left_out=tuple(left_out),
    )


def _already_known(work: UnitOfWork, lines: Sequence[ContactLine]) -> list[LineProblem]:
    """E4/B5: lines whose external id is stored: left as they are, or erased on request."""
    keys = [c.client.external_id for c in lines if c.client.external_id]
    present = work.clients.existing_external_ids(keys) if keys else set[str]()
    if not present:
        return []
    # One read, not a look-up per line: a re-imported file may match every line.
    erased = {c.external_id for c in work.clients.all() if c.erased and c.external_id in present}
    left_out: list[LineProblem] = []
    for contact in lines:
        if contact.client.external_id not in present:
            continue
        reason = (
            f"{ERASED_REASON} (B5)"
            if contact.client.external_id in erased
            else "already in the store (same external id), left as it is"
        )
        left_out.append(LineProblem(contact.line, "external_id", reason))
    return left_out


def _delete_contacts(
    work: UnitOfWork, *, now: datetime, actor: Actor, new_id: IdFactory
) -> tuple[int, int]:
    """Delete every (not erased) client; keep their appointments, unlinked (see module)."""
    deleted = kept = 0
    for client in work.clients.all():
        if client.erased:
            continue
        for appointment in work.appointments.of_client(client.id):
            note = f"Former client: {client.display_name} (contact deleted {now.date()})"
            comment = "\n".join(p for p in (appointment.comment, note) if p)
            work.appointments.update(attrs.evolve(appointment, client_id=None, comment=comment))
            kept += 1
        for login in work.client_logins.all():
            if login.client_id == client.id:
                work.client_logins.remove(login.id)
        work.clients.delete(client.id)
        work.audit.append(
            AuditEntry(
                id=new_id(),
                at=now,
                actor_id=actor.id,
                action=AuditAction.CLIENT_DELETED.value,
                client_id=client.id,
                note="deleted before a CSV contact import (E7); appointments kept",
            )
        )
        deleted += 1
    return deleted, kept


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
