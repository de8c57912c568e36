"""E7: the CSV contact import and export in eTermin's format."""

from __future__ import annotations

from datetime import date

import pytest

from lemnicore import SqliteStore, ValidationError
from lemnicore.access.logins import verify_password
from lemnicore.testing import Practice
from lemnicore_etermin.csv_contacts import (
    CsvOptions,
    export_contacts_csv,
    import_contacts_csv,
    parse_columns,
)
from lemnicore_etermin.errors import CsvImportError

COLUMNS = "salutation,last_name,first_name,postcode,email"


def fast_hash(password: str) -> str:
    """scrypt with small parameters: the format is the same, the test stays quick."""
    from lemnicore.access.logins import hash_password

    return hash_password(password, n=2**4)


def run(practice: Practice, data: bytes, **kw: object):  # type: ignore[no-untyped-def]
    return import_contacts_csv(
        practice.store,
        data,
        CsvOptions(**kw),  # type: ignore[arg-type]
        organisation_id="org-1",
        clock=practice.clock,
        hasher=fast_hash,
    )


def clients(practice: Practice) -> list[tuple[str, str]]:
    with practice.store.unit_of_work(write=False) as uow:
        return sorted((c.last_name, c.first_name) for c in uow.clients.all())


def test_e7_columns_in_the_users_order_with_excel_semicolons(practice: Practice) -> None:
    data = "Frau;Weber;Anna;20095;anna@example.org\r\nHerr;Müller;Jörg;23552;\r\n".encode()
    report = run(practice, data, columns=COLUMNS)
    assert report.lines_imported == 2
    with practice.store.unit_of_work(write=False) as uow:
        anna = uow.clients.by_email("anna@example.org")[0]
    assert (anna.salutation, anna.first_name, anna.postal_address) == ("Frau", "Anna", "20095")


def test_e7_german_field_names_work_too() -> None:
    assert parse_columns(["Anrede", "Nachname", "Vorname", "Postleitzahl", "E-Mail"]) == (
        "salutation",
        "last_name",
        "first_name",
        "postcode",
        "email",
    )
    with pytest.raises(ValidationError, match="column 2: unknown field 'Lieblingsfarbe'"):
        parse_columns("last_name,Lieblingsfarbe")


def test_e7_header_skip_comma_and_tab_and_excel_quoting(practice: Practice) -> None:
    comma = (
        'Nachname,Vorname,Notizen\r\n"Weber, geb. Schulz",Anna,"sagt ""Hallo""\r\nzweite Zeile"\r\n'
    )
    run(
        practice,
        comma.encode(),
        columns="last_name,first_name,notes",
        delimiter=",",
        skip_header=True,
    )
    run(practice, b"Koch\tEva\t\r\n", columns="last_name,first_name,notes", delimiter="tab")
    with practice.store.unit_of_work(write=False) as uow:
        weber = next(c for c in uow.clients.all() if c.first_name == "Anna")
    assert weber.last_name == "Weber, geb. Schulz"
    assert weber.notes == 'sagt "Hallo"\r\nzweite Zeile'
    assert clients(practice) == [("Koch", "Eva"), ("Weber, geb. Schulz", "Anna")]


@pytest.mark.parametrize(
    "data",
    [
        "Müller;Jörg\r\n".encode(),
        "\ufeffMüller;Jörg\r\n".encode(),
        "Müller;Jörg\r\n".encode("cp1252"),
    ],
    ids=["utf-8", "utf-8 with BOM", "windows-1252"],
)
def test_e7_encodings(practice: Practice, data: bytes) -> None:
    encoding = "windows-1252" if not data.startswith(b"\xef") and b"\xc3" not in data else "utf-8"
    run(practice, data, columns="last_name,first_name", encoding=encoding)
    assert clients(practice) == [("Müller", "Jörg")]


def test_e7_wrong_encoding_names_the_line(practice: Practice) -> None:
    data = "Weber;Anna\r\nMüller;Jörg\r\n".encode("cp1252")
    with pytest.raises(ValidationError, match="line 2"):
        run(practice, data, columns="last_name,first_name", encoding="utf-8")


def test_e7_faulty_lines_mean_no_import_at_all(practice: Practice) -> None:
    data = b"Weber;Anna;anna@example.org\r\n;Ohne;\r\nKoch;Eva;kein-mail\r\n"
    with pytest.raises(CsvImportError) as caught:
        run(practice, data, columns="last_name,first_name,email")
    assert [(line, field) for line, field, _ in caught.value.problems] == [
        (2, "last_name"),
        (3, "email"),
    ]
    assert clients(practice) == []


def test_e7_skip_bad_lines_imports_the_rest_and_reports_them(practice: Practice) -> None:
    data = b"Weber;Anna;anna@example.org\r\n;Ohne;\r\n"
    report = run(practice, data, columns="last_name,first_name,email", skip_bad_lines=True)
    assert report.lines_imported == 1
    assert [(p.line, p.field) for p in report.problems] == [(2, "last_name")]
    assert "line 2: last_name: missing" in report.to_text()


def test_e7_a_login_id_used_twice_names_every_line(practice: Practice) -> None:
    data = (
        b"Weber;a@example.org;passwort1\r\nKoch;b@example.org;passwort2\r\n"
        b"Fischer;A@example.org;passwort3\r\nLang;a@example.org;passwort4\r\n"
    )
    with pytest.raises(CsvImportError) as caught:
        run(practice, data, columns="last_name,login_id,password")
    lines = [(line, reason) for line, field, reason in caught.value.problems if field == "login_id"]
    assert [line for line, _ in lines] == [1, 3, 4]
    assert all("lines 1, 3, 4" in reason for _, reason in lines)


def test_c6_e7_logins_are_stored_as_salted_scrypt_hashes(practice: Practice) -> None:
    data = b"Weber;anna@example.org;geheim-123\r\nKoch;eva@example.org;geheim-123\r\n"
    report = run(practice, data, columns="last_name,login_id,password", must_change_password=True)
    assert report.logins_created == 2
    with practice.store.unit_of_work(write=False) as uow:
        logins = uow.client_logins.all()
    assert [login.id for login in logins] == ["anna@example.org", "eva@example.org"]
    assert all(login.must_change_password for login in logins)
    assert logins[0].password_hash.startswith("scrypt$16$8$1$")
    assert logins[0].password_hash != logins[1].password_hash  # salted
    assert verify_password("geheim-123", logins[0].password_hash)
    assert not verify_password("falsch", logins[0].password_hash)
    assert "geheim-123" not in repr(logins[0])


def test_c6_e7_a_password_too_short_for_c6_is_an_error_naming_its_line(practice: Practice) -> None:
    data = b"Weber;anna@example.org;geheim-123\r\nKoch;eva@example.org;kurz\r\n"
    with pytest.raises(CsvImportError) as caught:
        run(practice, data, columns="last_name,login_id,password")
    assert [(line, field) for line, field, _ in caught.value.problems] == [(2, "password")]


def test_e7_tag_for_every_imported_contact(practice: Practice) -> None:
    run(practice, b"Weber\r\nKoch\r\n", columns="last_name", tag="Import 2026")
    with practice.store.unit_of_work(write=False) as uow:
        assert {frozenset(c.tags) for c in uow.clients.all()} == {frozenset({"Import 2026"})}


def test_e7_delete_existing_contacts_keeps_their_appointments(practice: Practice) -> None:
    room = practice.add_room("Raum 1")
    pid = practice.add_practitioner("Frau Koch")
    old = practice.add_client("Altkunde", "Otto")
    booked = practice.appointment(pid, room, practice.at(2026, 5, 5, 9), client_id=old)
    report = run(practice, b"Neu;Nina\r\n", columns="last_name,first_name", delete_existing=True)
    assert (report.clients_deleted, report.appointments_kept) == (1, 1)
    assert clients(practice) == [("Neu", "Nina")]
    with practice.store.unit_of_work(write=False) as uow:
        kept = uow.appointments.get(booked.id)
        audit = [e.action for e in uow.audit.query(client_id=old)]
    assert kept.client_id is None
    assert "Former client: Otto Altkunde" in kept.comment
    assert "client.deleted" in audit


def test_e7_birthdays_and_phones_are_checked(practice: Practice) -> None:
    data = b"Weber;07.03.1980;0170 1234567\r\nKoch;31.02.1980;abc\r\n"
    report = run(practice, data, columns="last_name,birthday,phone", skip_bad_lines=True)
    assert [(p.line, p.field) for p in report.problems] == [(2, "birthday"), (2, "phone")]
    with practice.store.unit_of_work(write=False) as uow:
        (weber,) = uow.clients.all()
    assert weber.birthday == date(1980, 3, 7)
    assert weber.mobile == "0170 1234567"


def test_e7_export_writes_the_format_the_import_reads(practice: Practice, tmp_path: object) -> None:
    data = (
        'Frau;Weber, geb. Schulz;"Anna; Maria";Hauptstraße 1;20095;Hamburg;anna@example.org;07.03.1980\r\n'
        "Herr;Müller;Jörg;;;;;\r\n"
    ).encode()
    columns = "salutation,last_name,first_name,street,postcode,city,email,birthday"
    run(practice, data, columns=columns)
    with practice.store.unit_of_work(write=False) as uow:
        exported = export_contacts_csv(uow.clients.all(), columns, header=True)
    assert exported.startswith(b"\xef\xbb\xbf")  # Excel recognises UTF-8 by its BOM
    assert b';"Anna; Maria";' in exported  # the embedded delimiter is quoted
    other = Practice(now=practice.clock.now())
    run(other, exported, columns=columns, skip_header=True)
    assert clients(other) == clients(practice)
    with other.store.unit_of_work(write=False) as uow:
        anna = next(c for c in uow.clients.all() if c.first_name == "Anna; Maria")
    assert anna.postal_address == "Hauptstraße 1, 20095 Hamburg"
    assert anna.birthday == date(1980, 3, 7)


def test_e5_a_csv_import_can_be_reset(tmp_path: object) -> None:
    from pathlib import Path

    from lemnicore import SYSTEM_ACTOR
    from lemnicore.importing.reset import reset_import

    store = SqliteStore(Path(str(tmp_path)) / "p.db")
    practice = Practice(
        store, now=__import__("datetime").datetime(2026, 5, 4, tzinfo=__import__("datetime").UTC)
    )
    mine = practice.add_client("Hand")
    report = run(
        practice, b"Weber;a@example.org;passwort1\r\n", columns="last_name,login_id,password"
    )
    result = reset_import(store, report.import_id, actor=SYSTEM_ACTOR, clock=practice.clock)
    assert (result.clients_removed, result.logins_removed) == (1, 1)
    assert clients(practice) == [("Hand", "")]
    assert mine
    store.close()


def test_e7_a_password_keeps_its_surrounding_spaces(practice: Practice) -> None:
    """A password is a secret exactly as written; trimming it would lock the client out."""
    data = b'Weber;anna@example.org;"  geheim 123 "\r\n'
    run(practice, data, columns="last_name,login_id,password")
    with practice.store.unit_of_work(write=False) as uow:
        [login] = uow.client_logins.all()
    assert verify_password("  geheim 123 ", login.password_hash)
    assert not verify_password("geheim 123", login.password_hash)
