"""G2: the ``lemnicore.testing.Practice`` builder takes every contact field a client has."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lemnicore import NO_MESSAGE, AuditAction, Channel, ValidationError
from lemnicore.testing import Practice

NOW = datetime(2026, 5, 4, 7, tzinfo=UTC)


def test_g2_add_client_takes_every_contact_field_and_is_audited() -> None:
    practice = Practice(now=NOW, default_consent=False)
    client_id = practice.add_client(
        "Becker",
        "Lena",
        email="lena@example.org",
        mobile="+49 170 1111111",
        phone="040 555 1234",
        threema_id="ABCD1234",
        postal_address="Hauptstraße 1, 20095 Hamburg",
        preferred_channel=Channel.THREEMA,
        birthday=date(1990, 2, 28),
    )
    lena = practice.client(client_id)
    assert lena.address_for(Channel.THREEMA) == "ABCD1234"
    assert lena.address_for(Channel.LETTER) == "Hauptstraße 1, 20095 Hamburg"
    assert lena.address_for(Channel.PHONE) == "+49405551234"  # E.164 from registration on
    assert lena.preferred_channel == Channel.THREEMA
    assert lena.birthday == date(1990, 2, 28)
    # D4: consent follows the organisation's default; the change times are "now".
    assert lena.notification_consent is False
    assert lena.contact_changed_at == lena.consent_changed_at == NOW
    with practice.store.unit_of_work(write=False) as uow:
        entries = uow.audit.query(client_id=client_id)
    assert [e.action for e in entries] == [AuditAction.CLIENT_CREATED.value]


def test_g2_add_client_checks_the_fields_like_the_service() -> None:
    practice = Practice(now=NOW)
    assert practice.client(practice.add_client("Stumm", preferred_channel=NO_MESSAGE))
    with pytest.raises(ValidationError, match="threema_id"):
        practice.add_client("Becker", threema_id="nope")
    with pytest.raises(ValidationError, match="preferred_channel"):
        practice.add_client("Becker", preferred_channel="pigeon")
