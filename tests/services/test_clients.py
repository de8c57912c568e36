"""Client records (services/clients.py) on every store: B3 audit of consent and contact
changes, D4 time stamps, validation naming the field."""

from __future__ import annotations

from datetime import datetime

import pytest

from lemnicore.access.actors import SYSTEM_ACTOR
from lemnicore.errors import NotFoundError, ValidationError
from lemnicore.scheduling.clients import NO_MESSAGE, Channel
from lemnicore.storage.ports import Store
from lemnicore.testing import Practice


@pytest.fixture
def practice(store: Store, lemnicore_now: datetime) -> Practice:
    return Practice(store, now=lemnicore_now, default_consent=False)


def test_d4_a_new_client_takes_the_organisations_default_consent(practice: Practice) -> None:
    client_id = practice.add_client("Berg", email="jana@example.org")
    client = practice.client(client_id)
    assert client.notification_consent is False
    assert client.consent_changed_at == practice.clock.now()
    assert practice.client(practice.add_client("Kahl", consent=True)).notification_consent


def test_b3_switching_consent_in_bulk_is_audited_per_client(practice: Practice) -> None:
    berg = practice.add_client("Berg")
    kahl = practice.add_client("Kahl")
    already = practice.add_client("Ohm", consent=True)
    practice.clock.advance(hours=2)
    desk = practice.front_desk()
    changed = practice.clients.set_consent(desk, [berg, kahl, already], True)
    assert [c.id for c in changed] == [berg, kahl]
    assert all(c.consent_changed_at == practice.clock.now() for c in changed)
    with practice.store.unit_of_work(write=False) as uow:
        entries = uow.audit.query(actor_id=desk.id)
    assert [(e.client_id, e.action, e.before, e.after) for e in entries] == [
        (berg, "client.consent_changed", {"consent": False}, {"consent": True}),
        (kahl, "client.consent_changed", {"consent": False}, {"consent": True}),
    ]
    assert practice.client(already).consent_changed_at != practice.clock.now()


def test_b3_a_bulk_consent_change_with_an_unknown_client_changes_nobody(
    practice: Practice,
) -> None:
    berg = practice.add_client("Berg")
    with pytest.raises(NotFoundError, match="unknown client 'client-99'"):
        practice.clients.set_consent(practice.front_desk(), [berg, "client-99"], True)
    assert practice.client(berg).notification_consent is False


def test_b3_a_contact_change_is_audited_with_before_and_after(practice: Practice) -> None:
    berg = practice.add_client("Berg", email="old@example.org")
    practice.clock.advance(minutes=10)
    after = practice.clients.change_contact(
        practice.front_desk(), berg, email="new@example.org", mobile="+49 170 1234567"
    )
    assert after.contact_changed_at == practice.clock.now()
    assert practice.client(berg) == after
    with practice.store.unit_of_work(write=False) as uow:
        last = uow.audit.query(client_id=berg)[-1]
    assert last.action == "client.contact_changed"
    assert last.before == {"email": "old@example.org", "mobile": None}
    assert last.after == {"email": "new@example.org", "mobile": "+49 170 1234567"}


def test_b3_a_bad_email_in_a_contact_change_is_refused_and_nothing_changes(
    practice: Practice,
) -> None:
    berg = practice.add_client("Berg", email="old@example.org")
    with pytest.raises(ValidationError) as caught:
        practice.clients.change_contact(practice.front_desk(), berg, email="not-an-address")
    assert caught.value.field == "email"
    assert practice.client(berg).email == "old@example.org"
    with practice.store.unit_of_work(write=False) as uow:
        actions = [e.action for e in uow.audit.query(client_id=berg)]
    assert "client.contact_changed" not in actions


def test_b3_only_contact_fields_can_be_changed_as_contact_data(practice: Practice) -> None:
    berg = practice.add_client("Berg")
    with pytest.raises(ValidationError) as caught:
        practice.clients.change_contact(practice.front_desk(), berg, notes="diagnosis")
    assert caught.value.field == "notes"
    assert practice.client(berg).notes == ""


def test_d12_a_preferred_channel_and_no_message_are_contact_settings(practice: Practice) -> None:
    berg = practice.add_client("Berg", email="jana@example.org")
    desk = practice.front_desk()
    assert practice.clients.change_contact(
        desk, berg, preferred_channel="sms"
    ).preferred_channel == (Channel.SMS)
    assert practice.clients.change_contact(
        desk, berg, preferred_channel=NO_MESSAGE
    ).preferred_channel == (NO_MESSAGE)


def test_a1_registering_for_an_unknown_organisation_names_it(practice: Practice) -> None:
    with pytest.raises(NotFoundError, match="unknown organisation 'org-x'"):
        practice.clients.register(SYSTEM_ACTOR, organisation_id="org-x", last_name="Berg")


def test_a1_registering_with_a_bad_email_stores_nothing(practice: Practice) -> None:
    with pytest.raises(ValidationError) as caught:
        practice.clients.register(
            SYSTEM_ACTOR, organisation_id="org-1", last_name="Berg", email="berg@"
        )
    assert caught.value.field == "email"
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.clients.count() == 0
        assert uow.audit.query() == []
