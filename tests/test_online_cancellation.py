"""H5: a client cancels their own request or appointment through a signed link."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from lemnicore import AccessDeniedError, AppointmentStatus, OnlineBooking, ValidationError
from lemnicore.access.audit import AuditAction
from lemnicore.online.cancellation import (
    SELF_CANCEL_ACTOR,
    CancelDeadline,
    CancelLinks,
    SelfCancellation,
)
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import local_datetime, zone

SECRET = b"sixteen+ bytes of practice secret"


def test_h5_a_link_names_its_appointment_and_a_changed_link_is_refused() -> None:
    links = CancelLinks(SECRET)
    token = links.token("appointment-7")
    assert links.appointment_id(token) == "appointment-7"
    assert "appointment-7" in token  # an id, no personal data
    for forged in (token.replace("appointment-7", "appointment-8"), token[:-1], "x", ""):
        with pytest.raises(AccessDeniedError):
            links.appointment_id(forged)
    with pytest.raises(AccessDeniedError):
        CancelLinks(b"another practice's secret!").appointment_id(token)


def test_h5_a_link_with_characters_no_signature_has_is_refused_not_a_crash() -> None:
    """H4/H5: whatever a visitor types into the link (umlauts, emoji, a lone surrogate
    from a broken URL decoder) is an invalid link, never a server error (the API's fuzz
    test found a 500 here)."""
    links = CancelLinks(SECRET)
    token = links.token("appointment-7")
    for forged in (
        token[:-1] + "ä",
        "appointment-7.\u00e9\u00e9",
        "tür.🙂",
        "a.\ud800",
        "\ud800.x",
    ):
        with pytest.raises(AccessDeniedError):
            links.appointment_id(forged)


def test_h5_a_secret_too_short_to_sign_is_refused() -> None:
    with pytest.raises(ValidationError):
        CancelLinks(b"short")


def test_h5_the_deadline_counts_elapsed_hours_across_the_march_night() -> None:
    berlin = zone("Europe/Berlin")
    # Monday 30 March 2026 10:00 CEST; 24 elapsed hours before is Sunday 10:00 CEST,
    # and 48 elapsed hours before is Saturday 28 March 09:00 CET (the clock jumped).
    start = local_datetime(date(2026, 3, 30), time(10), berlin)
    deadline = CancelDeadline(timedelta(hours=48))
    assert deadline.last_moment(start) == local_datetime(date(2026, 3, 28), time(9), berlin)
    assert deadline.allows(start, local_datetime(date(2026, 3, 28), time(9), berlin))
    assert not deadline.allows(start, local_datetime(date(2026, 3, 28), time(9, 1), berlin))


@pytest.fixture
def requested(practice: Practice) -> tuple[Practice, OnlineBooking, str]:
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    online = OnlineBooking(practice.store, practice.clock)
    release = online.release(practice.owner(anna), room, practice.calendars[anna])
    receipt = online.request(
        release.token, practice.at(2026, 5, 11, 9), last_name="Meier", email="p@example.org"
    )
    return practice, online, receipt.appointment_id


def test_h5_cancelling_through_the_link_frees_the_slot_and_is_audited(
    requested: tuple[Practice, OnlineBooking, str],
) -> None:
    practice, online, appointment_id = requested
    links = CancelLinks(SECRET)
    service = SelfCancellation(practice.store, practice.clock, links)
    outlook = service.outlook(SELF_CANCEL_ACTOR, links.token(appointment_id))
    assert outlook.cancellable
    after = service.cancel(SELF_CANCEL_ACTOR, links.token(appointment_id))
    assert after.status is AppointmentStatus.CANCELLED
    assert online.requests(SELF_CANCEL_ACTOR) == []
    with practice.store.unit_of_work(write=False) as uow:
        entries = uow.audit.query(appointment_id=appointment_id)
    assert entries[-1].action == AuditAction.APPOINTMENT_STATUS
    assert entries[-1].actor_id == SELF_CANCEL_ACTOR.id
    with pytest.raises(ValidationError, match="cancelled already"):
        service.cancel(SELF_CANCEL_ACTOR, links.token(appointment_id))


def test_h5_after_the_practices_deadline_the_link_no_longer_cancels(
    requested: tuple[Practice, OnlineBooking, str],
) -> None:
    practice, _, appointment_id = requested
    links = CancelLinks(SECRET)
    service = SelfCancellation(practice.store, practice.clock, links, CancelDeadline())
    practice.clock.set(practice.at(2026, 5, 10, 9, 1))  # 23:59 h before the start
    assert not service.outlook(SELF_CANCEL_ACTOR, links.token(appointment_id)).cancellable
    with pytest.raises(ValidationError, match="deadline") as late:
        service.cancel(SELF_CANCEL_ACTOR, links.token(appointment_id))
    assert late.value.field == "token"
    with practice.store.unit_of_work(write=False) as uow:
        assert uow.appointments.get(appointment_id).status is AppointmentStatus.PROPOSED
