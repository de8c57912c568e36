"""Issue 9: the privacy walls that leaked, each stated as the attack that worked (B1, A7, B5).

Every test here failed on the code before the access gateway.
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from lemnicore import (
    SYSTEM_ACTOR,
    AccessDeniedError,
    Actor,
    AuditTrail,
    ClientDirectory,
    ClientErasure,
    ConflictError,
    NotificationService,
    Role,
)
from lemnicore.scheduling.practice import Calendar, Organisation, Practitioner
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)
COMMENT = "Knie, Diagnose M17"


@attrs.frozen
class Scene:
    practice: Practice
    room: str
    anna: str
    ben: str
    annas_client: str
    annas_appointment: str


@pytest.fixture
def scene(store: Store) -> Scene:
    """Anna and Ben: two owners in one organisation record, linked in a calendar community
    (A7) — each is their own data controller (B1)."""
    from datetime import time

    practice = Practice(store, now=NOW, plan="XL")
    room = practice.add_room("Room 1")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    anna = practice.add_practitioner("Anna")
    ben = practice.add_practitioner("Ben")
    practice.add_community("Praxisgemeinschaft", [anna, ben], [room])
    client = practice.clients.register(
        practice.owner(anna),
        organisation_id=practice.organisation.id,
        last_name="Meier",
        first_name="Petra",
        email="petra@example.org",
    ).id
    with store.unit_of_work() as uow:
        uow.clients.update(attrs.evolve(uow.clients.get(client), notes="vertraulich"))
        uow.commit()
    booked = practice.appointment(
        anna, room, practice.at(2026, 5, 5, 9), client_id=client, comment=COMMENT
    )
    return Scene(practice, room, anna, ben, client, booked.id)


# -- A7/B1: a community member gets busy/free only ---------------------------------------


def test_a7_b1_a_community_member_cannot_read_the_other_members_client_record(
    scene: Scene,
) -> None:
    ben = scene.practice.owner(scene.ben)
    directory = ClientDirectory(scene.practice.store)
    with pytest.raises(AccessDeniedError, match="community") as refused:
        directory.record(ben, scene.annas_client)
    assert refused.value.actor_id == ben.id
    assert "ClientDirectory.record" in refused.value.action
    with pytest.raises(AccessDeniedError):
        directory.for_booking(ben, scene.annas_client)
    # Anna reads her own client's record.
    anna = scene.practice.owner(scene.anna)
    assert directory.record(anna, scene.annas_client).notes == "vertraulich"


def test_a7_b1_a_community_member_finds_only_their_own_clients(scene: Scene) -> None:
    practice = scene.practice
    ben = practice.owner(scene.ben)
    bens_client = practice.clients.register(
        ben, organisation_id=practice.organisation.id, last_name="Meister"
    ).id
    directory = ClientDirectory(practice.store)
    found = directory.find_for_booking(ben, practice.organisation.id, "")
    assert [c.id for c in found] == [bens_client]
    found = directory.find_for_booking(practice.owner(scene.anna), practice.organisation.id, "")
    assert [c.id for c in found] == [scene.annas_client]


def test_a7_b1_a_community_member_reads_only_audit_entries_about_their_own_data(
    scene: Scene,
) -> None:
    practice = scene.practice
    ben = practice.owner(scene.ben)
    practice.appointment(scene.ben, scene.room, practice.at(2026, 5, 5, 10))
    entries = AuditTrail(practice.store).entries(ben, practice.organisation.id)
    assert entries, "Ben sees the entries about his own appointment"
    assert all(e.appointment_id != scene.annas_appointment for e in entries)
    assert all(e.client_id != scene.annas_client for e in entries)
    assert COMMENT not in repr(entries)
    everything = AuditTrail(practice.store).entries(
        practice.owner(scene.anna), practice.organisation.id
    )
    assert any(e.appointment_id == scene.annas_appointment for e in everything)


def test_a7_b5_a_community_member_cannot_erase_the_other_members_client(scene: Scene) -> None:
    practice = scene.practice
    with pytest.raises(AccessDeniedError, match=r"ClientErasure\.erase"):
        ClientErasure(practice.store, practice.clock).erase(
            practice.owner(scene.ben), scene.annas_client
        )
    assert practice.client(scene.annas_client).last_name == "Meier"


# -- B1: the audit log shows an organisation's entries only -------------------------------


def test_b1_b3_an_owner_of_another_organisation_reads_none_of_our_audit_entries(
    scene: Scene,
) -> None:
    practice = scene.practice
    with practice.store.unit_of_work() as uow:
        uow.organisations.put(Organisation("org-2", "Praxis Elsewhere"))
        uow.practitioners.put(Practitioner("eve", "org-2", "Eve"))
        uow.calendars.put(Calendar("calendar-eve", "eve", "Eve"))
        uow.commit()
    eve = Actor("user-eve", Role.OWNER, practitioner_id="eve", organisation_id="org-2")
    assert AuditTrail(practice.store).entries(eve, "org-2") == []
    with pytest.raises(AccessDeniedError):
        AuditTrail(practice.store).entries(eve, practice.organisation.id)


# -- B1: deny by default: no organisation, no access --------------------------------------


def test_b1_an_actor_without_an_organisation_may_do_nothing(scene: Scene) -> None:
    practice = scene.practice
    desk = Actor("user-desk", Role.FRONT_DESK)
    with pytest.raises(AccessDeniedError, match="without an organisation"):
        practice.book.book(
            desk,
            calendar_id=practice.calendars[scene.anna],
            room_id=scene.room,
            start=practice.at(2026, 5, 6, 9),
            type_id="treatment",
        )
    owner = Actor("user-x", Role.OWNER, practitioner_id="someone")
    with pytest.raises(AccessDeniedError, match="without an organisation"):
        ClientErasure(practice.store, practice.clock).erase(owner, scene.annas_client)
    delegate = Actor("user-dora", Role.DELEGATE)
    directory = ClientDirectory(practice.store)
    with pytest.raises(AccessDeniedError, match="without an organisation"):
        directory.for_booking(delegate, scene.annas_client)
    with pytest.raises(AccessDeniedError, match="without an organisation"):
        directory.find_for_booking(delegate, practice.organisation.id, "")
    # Even a grant to that id does not help an actor without an organisation.
    practice.grant(scene.anna, delegate)
    with pytest.raises(AccessDeniedError, match="without an organisation"):
        directory.for_booking(delegate, scene.annas_client)


# -- B1: a delegate sees what booking needs, never comments -------------------------------


def test_b1_a_delegate_sees_no_comment_in_the_calendar(scene: Scene) -> None:
    practice = scene.practice
    dora = Actor("user-dora", Role.DELEGATE, organisation_id="org-dora")
    practice.grant(scene.anna, dora)
    calendar_id = practice.calendars[scene.anna]
    week = (practice.at(2026, 5, 4), practice.at(2026, 5, 9))
    with pytest.raises(AccessDeniedError, match=r"AppointmentBook\.calendar"):
        practice.book.calendar(dora, calendar_id, *week)
    [seen] = practice.book.calendar_for_booking(dora, calendar_id, *week)
    assert seen.client is not None
    assert seen.client.last_name == "Meier"
    assert COMMENT not in repr(seen)
    assert not hasattr(seen, "comment")
    moved = practice.book.move(dora, scene.annas_appointment, start=practice.at(2026, 5, 5, 10))
    assert moved.comment == ""
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(scene.annas_appointment).comment == COMMENT


# -- D14/B1: why and the message history need an actor ------------------------------------


def test_b1_d14_why_shows_addresses_only_to_the_practice(scene: Scene) -> None:
    practice = scene.practice
    service = NotificationService(practice.store, practice.clock)
    outsider = Actor("user-x", Role.FRONT_DESK, organisation_id="org-2")
    with pytest.raises(AccessDeniedError, match=r"NotificationService\.why"):
        service.why(outsider, scene.annas_appointment)
    with pytest.raises(AccessDeniedError):
        service.why(practice.owner(scene.ben), scene.annas_appointment)
    with pytest.raises(AccessDeniedError):
        service.client_history(practice.owner(scene.ben), scene.annas_client)
    assert service.why(practice.front_desk(), scene.annas_appointment).appointment.id == (
        scene.annas_appointment
    )


# -- B5: erased stays erased; only an erasure blanks audit values -------------------------


def test_b5_an_erased_record_refuses_new_contact_data(scene: Scene) -> None:
    practice = scene.practice
    anna = practice.owner(scene.anna)
    ClientErasure(practice.store, practice.clock).erase(anna, scene.annas_client)
    with pytest.raises(ConflictError, match="erased"):
        practice.clients.change_contact(anna, scene.annas_client, email="new@example.org")
    with pytest.raises(ConflictError, match="erased"):
        practice.clients.set_consent(anna, [scene.annas_client], True)
    assert practice.client(scene.annas_client).email is None


def test_b3_b5_audit_values_of_a_live_client_cannot_be_blanked(scene: Scene) -> None:
    store = scene.practice.store
    with store.unit_of_work() as uow, pytest.raises(ConflictError, match="not erased"):
        uow.audit.redact_for_client(scene.annas_client, [scene.annas_appointment])
    entries = AuditTrail(store).entries(SYSTEM_ACTOR, scene.practice.organisation.id)
    assert any(e.after and e.after.get("comment") == COMMENT for e in entries)


def test_b3_audit_rows_handed_out_cannot_change_the_log(scene: Scene) -> None:
    store = scene.practice.store
    trail = AuditTrail(store)
    org = scene.practice.organisation.id
    [created] = trail.entries(SYSTEM_ACTOR, org, appointment_id=scene.annas_appointment)
    assert isinstance(created.after, dict)
    created.after["comment"] = "forged"  # a caller scribbling on what it was given
    [again] = trail.entries(SYSTEM_ACTOR, org, appointment_id=scene.annas_appointment)
    assert again.after is not None
    assert again.after["comment"] == COMMENT


def test_a7_b2_a_member_granted_the_others_calendar_books_for_their_clients(
    scene: Scene,
) -> None:
    """A7/B2: the grant, not the community, opens another member's calendar and clients —
    as far as booking needs (name and contact), never the record."""
    practice = scene.practice
    ben = practice.owner(scene.ben)
    directory = ClientDirectory(practice.store)
    practice.grant(scene.anna, ben)
    booked = practice.book.book(
        ben,
        calendar_id=practice.calendars[scene.anna],
        room_id=scene.room,
        start=practice.at(2026, 5, 6, 9),
        type_id="treatment",
        client_id=scene.annas_client,
    )
    assert booked.client_id == scene.annas_client
    assert directory.for_booking(ben, scene.annas_client).last_name == "Meier"
    found = directory.find_for_booking(ben, practice.organisation.id, "mei")
    assert [c.id for c in found] == [scene.annas_client]
    with pytest.raises(AccessDeniedError):
        directory.record(ben, scene.annas_client)


def test_b1_a_practice_without_a_community_shares_its_clients_but_not_its_calendars(
    store: Store,
) -> None:
    """B1: one controller (no community) shares clients across its calendars on purpose;
    another owner's calendar still needs a grant (B2)."""
    practice = Practice(store, now=NOW)
    room = practice.add_room("Room 1")
    anna = practice.add_practitioner("Anna")
    carl = practice.add_practitioner("Carl")
    client = practice.add_client("Meier", "Petra")
    practice.appointment(anna, room, practice.at(2026, 5, 5, 9), client_id=client, comment=COMMENT)
    directory = ClientDirectory(store)
    assert directory.record(practice.owner(carl), client).last_name == "Meier"
    with pytest.raises(AccessDeniedError, match="B2"):
        practice.book.calendar(
            practice.owner(carl),
            practice.calendars[anna],
            practice.at(2026, 5, 4),
            practice.at(2026, 5, 9),
        )


def test_b1_the_plain_policy_rule_refuses_actors_without_an_organisation() -> None:
    from lemnicore import Calendar, Permission, authorize

    calendar = Calendar("cal-anna", "anna", "Anna")
    loose_owner = Actor("user-anna", Role.OWNER, practitioner_id="anna")
    loose_desk = Actor("user-desk", Role.FRONT_DESK)
    for actor in (loose_owner, loose_desk):
        with pytest.raises(AccessDeniedError, match="without an organisation"):
            authorize(actor, Permission.VIEW, calendar, calendar_organisation_id="org-1")
    desk = Actor("user-desk", Role.FRONT_DESK, organisation_id="org-1")
    with pytest.raises(AccessDeniedError):
        authorize(desk, Permission.VIEW, calendar)  # organisation unknown: matches nobody
    authorize(desk, Permission.VIEW, calendar, calendar_organisation_id="org-1")
