"""B1/B2/B3: roles and scopes, delegated booking by grant, client views, the audit log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from lemnicore import (
    SYSTEM_ACTOR,
    AccessDeniedError,
    Actor,
    AuditAction,
    AuditTrail,
    CalendarAccess,
    ClientDirectory,
    ClientForBooking,
    Permission,
    PlanLimitError,
    PracticeSetup,
    Role,
    Scope,
    SqliteStore,
    StaffAccount,
    ValidationError,
)
from lemnicore.scheduling.practice import Calendar, Practitioner
from lemnicore.storage.memory import MemoryStore
from lemnicore.testing import Practice


def _plan(practice: Practice, plan: str) -> None:
    with practice.store.unit_of_work() as uow:
        org = uow.organisations.get(practice.organisation.id)
        uow.organisations.put(attrs.evolve(org, plan=plan))
        uow.commit()


@pytest.fixture
def two_accounts(practice: Practice) -> tuple[Practice, str, str, str]:
    _plan(practice, "L")
    room = practice.add_room("Room 1")
    return practice, room, practice.add_practitioner("Anna"), practice.add_practitioner("Ben")


def test_b2_delegate_books_in_another_calendar_only_with_a_grant(
    two_accounts: tuple[Practice, str, str, str],
) -> None:
    practice, room, anna, ben = two_accounts
    delegate = Actor("user-dora", Role.DELEGATE, name="Dora", organisation_id="org-2")
    booking = {
        "calendar_id": practice.calendars[anna],
        "room_id": room,
        "start": practice.at(2026, 5, 5, 9),
        "type_id": "treatment",
    }
    with pytest.raises(AccessDeniedError, match="B2") as refused:
        practice.book.book(delegate, **booking)  # type: ignore[arg-type]
    assert refused.value.actor_id == "user-dora"
    access = CalendarAccess(practice.store, practice.clock)
    access.grant(practice.owner(anna), practice.calendars[anna], "user-dora")
    booked = practice.book.book(delegate, **booking)  # type: ignore[arg-type]
    moved = practice.book.move(delegate, booked.id, start=practice.at(2026, 5, 5, 10))
    assert moved.start == practice.at(2026, 5, 5, 10)
    assert practice.book.cancel(delegate, moved.id).status.value == "cancelled"
    # Revoked, the grant is gone for good: Dora is refused again.
    access.revoke(practice.owner(anna), practice.calendars[anna], "user-dora")
    with pytest.raises(AccessDeniedError, match="B2"):
        practice.book.book(delegate, **booking)  # type: ignore[arg-type]
    # Ben's calendar stays closed to Dora, and to Anna.
    with pytest.raises(AccessDeniedError):
        practice.book.book(delegate, **(booking | {"calendar_id": practice.calendars[ben]}))  # type: ignore[arg-type]
    with pytest.raises(AccessDeniedError):
        practice.book.book(
            practice.owner(anna),
            **(booking | {"calendar_id": practice.calendars[ben]}),  # type: ignore[arg-type]
        )


def test_b2_only_the_calendar_owner_grants_and_revokes_and_both_are_audited(
    two_accounts: tuple[Practice, str, str, str],
) -> None:
    practice, _room, anna, ben = two_accounts
    access = CalendarAccess(practice.store, practice.clock)
    with pytest.raises(AccessDeniedError, match="only the owner"):
        access.grant(practice.owner(ben), practice.calendars[anna], "user-dora")
    grant = access.grant(
        practice.owner(anna), practice.calendars[anna], "user-dora", [Permission.VIEW]
    )
    assert grant.permissions == {Permission.VIEW}
    practice.clock.advance(hours=1)
    access.revoke(practice.owner(anna), practice.calendars[anna], "user-dora")
    with practice.store.unit_of_work(write=False) as uow:
        entries = uow.audit.query(actor_id=practice.owner(anna).id)
        assert uow.grants.all() == []
    assert [e.action for e in entries] == [AuditAction.GRANT_GIVEN, AuditAction.GRANT_REVOKED]
    given, revoked = entries
    assert given.after == {
        "calendar_id": practice.calendars[anna],
        "grantee_id": "user-dora",
        "permissions": ["view appointments"],
    }
    assert revoked.before == given.after
    assert revoked.at - given.at == timedelta(hours=1)


def test_b2_a_view_only_grant_does_not_allow_booking(
    two_accounts: tuple[Practice, str, str, str],
) -> None:
    practice, room, anna, _ = two_accounts
    CalendarAccess(practice.store, practice.clock).grant(
        practice.owner(anna), practice.calendars[anna], "user-dora", [Permission.VIEW]
    )
    delegate = Actor("user-dora", Role.DELEGATE, organisation_id="org-2")
    assert (
        practice.book.calendar_for_booking(
            delegate, practice.calendars[anna], practice.at(2026, 5, 4), practice.at(2026, 5, 9)
        )
        == []
    )
    with pytest.raises(AccessDeniedError, match="book appointments"):
        practice.book.book(
            delegate,
            calendar_id=practice.calendars[anna],
            room_id=room,
            start=practice.at(2026, 5, 5, 9),
            type_id="treatment",
        )


def test_b1_delegate_sees_only_the_client_fields_booking_needs(practice: Practice) -> None:
    client_id = practice.add_client(
        "Meier",
        "Petra",
        email="petra@example.org",
        mobile="+491701234567",
        birthday=date(1970, 1, 2),
    )
    with practice.store.unit_of_work() as uow:
        client = uow.clients.get(client_id)
        uow.clients.update(attrs.evolve(client, notes="Diagnose: vertraulich", tags={"vip"}))
        uow.commit()
    directory = ClientDirectory(practice.store)
    delegate = Actor("user-dora", Role.DELEGATE, organisation_id=practice.organisation.id)
    # B2: a delegate reaches clients only through a grant (deny by default).
    practice.calendars.setdefault("practitioner-x", "calendar-x")
    with practice.store.unit_of_work() as uow:
        uow.practitioners.put(Practitioner("practitioner-x", practice.organisation.id, "X"))
        uow.calendars.put(Calendar("calendar-x", "practitioner-x", "X"))
        uow.commit()
    practice.grant("practitioner-x", delegate)
    seen = directory.for_booking(delegate, client_id)
    assert seen == ClientForBooking(
        client_id, "Meier", "Petra", "", "petra@example.org", "+491701234567", None
    )
    for hidden in ("notes", "birthday", "tags", "postal_address", "notification_consent"):
        assert not hasattr(seen, hidden)
    assert "vertraulich" not in repr(seen)
    with pytest.raises(AccessDeniedError, match="client_records"):
        directory.record(delegate, client_id)
    assert directory.record(practice.owner("practitioner-x"), client_id).notes.startswith("Diag")
    found = directory.find_for_booking(delegate, practice.organisation.id, "pet")
    assert [c.id for c in found] == [client_id]


def test_b1_staff_of_another_organisation_is_refused(practice: Practice) -> None:
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    client_id = practice.add_client("Meier")
    outsider = Actor("user-x", Role.FRONT_DESK, organisation_id="org-elsewhere")
    with pytest.raises(AccessDeniedError):
        practice.book.book(
            outsider,
            calendar_id=practice.calendars[anna],
            room_id=room,
            start=practice.at(2026, 5, 5, 9),
            type_id="treatment",
        )
    with pytest.raises(AccessDeniedError, match="does not work for"):
        ClientDirectory(practice.store).for_booking(outsider, client_id)
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.count() == 0
    # The practice's own front desk books the very same appointment.
    own_desk = practice.front_desk()
    booked = practice.book.book(
        own_desk,
        calendar_id=practice.calendars[anna],
        room_id=room,
        start=practice.at(2026, 5, 5, 9),
        type_id="treatment",
    )
    assert booked.calendar_id == practice.calendars[anna]
    assert ClientDirectory(practice.store).for_booking(own_desk, client_id).last_name == "Meier"


def test_b1_accounting_reads_what_invoicing_needs_but_not_comments_and_does_not_book(
    practice: Practice,
) -> None:
    """B1: accounting invoices — time, room, type, client name and contact — and is
    "limited to what it needs": the therapist's comment on the appointment (a diagnosis,
    a remark) is not for the invoice, so accounting reads the booking view, not the full
    calendar, and books nothing."""
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    client = practice.add_client("Meier")
    accounting = Actor("user-acc", Role.ACCOUNTING, organisation_id=practice.organisation.id)
    booked = practice.appointment(
        anna, room, practice.at(2026, 5, 5, 9), client_id=client, comment="Verdacht auf Tinnitus"
    )
    week = (practice.at(2026, 5, 4), practice.at(2026, 5, 9))
    with pytest.raises(AccessDeniedError, match=r"AppointmentBook\.calendar"):
        practice.book.calendar(accounting, practice.calendars[anna], *week)
    (seen,) = practice.book.calendar_for_booking(accounting, practice.calendars[anna], *week)
    assert seen.client is not None
    assert (seen.id, seen.start, seen.room_id, seen.client.last_name) == (
        booked.id, booked.start, booked.room_id, "Meier",
    )  # fmt: skip
    assert "Tinnitus" not in repr(seen)
    with pytest.raises(AccessDeniedError, match="scope 'appointments'"):
        practice.book.cancel(accounting, booked.id)


def test_b1_b4_staff_accounts_need_xl_and_can_be_narrowed(practice: Practice) -> None:
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    setup = PracticeSetup(practice.store, practice.clock)
    boss = practice.owner(anna)
    with pytest.raises(PlanLimitError, match="staff_accounts") as refused:
        setup.add_staff_account(boss, practice.organisation.id, "Sekretariat", Role.FRONT_DESK)
    assert refused.value.limit == "staff_accounts"
    setup.set_plan(boss, practice.organisation.id, "XL")
    # A front-desk account that may only look at appointments, not change them.
    readonly = setup.add_staff_account(
        boss,
        practice.organisation.id,
        "Praktikant",
        Role.FRONT_DESK,
        scopes={Scope.APPOINTMENTS_READ},
    )
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.staff_accounts.get(readonly.id) == readonly
    with pytest.raises(AccessDeniedError, match="scope 'appointments'"):
        practice.book.book(
            readonly.actor(),
            calendar_id=practice.calendars[anna],
            room_id=room,
            start=practice.at(2026, 5, 5, 9),
            type_id="treatment",
        )
    with pytest.raises(ValidationError, match="scopes"):
        StaffAccount("s", "org-1", "Buchhaltung", Role.ACCOUNTING, {Scope.CLIENT_RECORDS})
    with pytest.raises(AccessDeniedError, match="administration"):
        setup.add_room(readonly.actor(), practice.branch.id, "Room 2")


def test_b3_every_change_is_audited_and_queryable(practice: Practice) -> None:
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    client = practice.add_client("Meier", email="m@example.org")
    appointment = practice.appointment(anna, room, practice.at(2026, 5, 5, 9), client_id=client)
    desk = practice.front_desk()
    practice.book.move(desk, appointment.id, start=practice.at(2026, 5, 5, 11))
    practice.book.cancel(desk, appointment.id, reason="krank")
    practice.clients.change_contact(desk, client, email="neu@example.org")
    practice.clients.set_consent(desk, [client], False)
    trail = AuditTrail(practice.store)
    by_appointment = trail.entries(
        practice.owner(anna), practice.organisation.id, appointment_id=appointment.id
    )
    assert [e.action for e in by_appointment] == [
        AuditAction.APPOINTMENT_CREATED,
        AuditAction.APPOINTMENT_MOVED,
        AuditAction.APPOINTMENT_STATUS,
    ]
    moved = by_appointment[1]
    assert moved.actor_id == desk.id
    assert moved.before is not None
    assert moved.after is not None
    assert datetime.fromisoformat(moved.before["start"]) == practice.at(2026, 5, 5, 9)
    by_client = trail.entries(SYSTEM_ACTOR, practice.organisation.id, client_id=client)
    assert AuditAction.CLIENT_CONTACT_CHANGED in [e.action for e in by_client]
    assert AuditAction.CLIENT_CONSENT_CHANGED in [e.action for e in by_client]
    by_desk = trail.entries(SYSTEM_ACTOR, practice.organisation.id, actor_id=desk.id)
    assert [e.action for e in by_desk] == [
        AuditAction.APPOINTMENT_MOVED,
        AuditAction.APPOINTMENT_STATUS,
        AuditAction.CLIENT_CONTACT_CHANGED,
        AuditAction.CLIENT_CONSENT_CHANGED,
    ]
    with pytest.raises(AccessDeniedError, match="administration"):
        trail.entries(desk, practice.organisation.id)


def test_b3_the_audit_log_offers_no_way_to_change_or_delete() -> None:
    store = MemoryStore()
    with store.unit_of_work(write=False) as uow:
        public = {n for n in dir(uow.audit) if not n.startswith("_")}
    assert public == {"append", "query", "redact_for_client"}


def test_b3_sqlite_refuses_update_and_delete_of_audit_entries(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.db")
    practice = Practice(store, now=datetime(2026, 5, 4, 7, tzinfo=UTC))
    practice.add_client("Meier", email="m@example.org")
    conn = sqlite3.connect(tmp_path / "p.db")
    try:
        for sql in (
            "UPDATE audit_log SET actor_id = 'someone-else'",
            "UPDATE audit_log SET after = '{\"consent\": false}'",
            "UPDATE audit_log SET note = 'changed'",
            "DELETE FROM audit_log",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
        # Redaction (B5) is the one update allowed: same keys, every value '[erased]'.
        conn.execute('UPDATE audit_log SET after = \'{"consent": "[erased]"}\'')
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute('UPDATE audit_log SET after = \'{"other": "[erased]"}\'')
    finally:
        conn.close()
        store.close()
