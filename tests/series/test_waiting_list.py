"""A11: the waiting list — order, hold, expiry, decline, quiet hours, consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from lemnicore.access.audit import AuditAction
from lemnicore.errors import AccessDeniedError, ConflictError, ValidationError
from lemnicore.notifications.policy import MessageKind
from lemnicore.notifications.ports import OutboxMessage
from lemnicore.notifications.sentlog import DeliveryState
from lemnicore.online.service import OnlineBooking
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Channel
from lemnicore.scheduling.waiting_list import FreedSlot, OfferState, WaitingEntry, first_waiting_for
from lemnicore.storage.ports import Store
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import zone

NOW = datetime(2026, 5, 4, 8, tzinfo=UTC)  # Monday 10:00 in Hamburg
BERLIN = zone("Europe/Berlin")


class Praxis:
    def __init__(self, store: Store) -> None:
        self.p = Practice(store, now=NOW)
        self.anna = self.p.add_practitioner("Anna")
        self.room = self.p.add_room("Room 1", online_booking=True)
        self.p.add_working_time(self.room, MON_FRI, time(8), time(18))
        self.owner = self.p.owner(self.anna)

    def client(self, name: str, **kw: object) -> str:
        return self.p.add_client(name, email=f"{name.lower()}@example.org", consent=True, **kw)  # type: ignore[arg-type]

    def wait(self, client: str, **kw: object) -> WaitingEntry:
        self.p.clock.advance(timedelta(minutes=1))  # entries in a clear order
        return self.p.waiting_list.add(
            self.owner,
            client_id=client,
            type_id="treatment",
            earliest=date(2026, 5, 4),
            latest=date(2026, 5, 29),
            **kw,  # type: ignore[arg-type]
        )

    def booked(self, day: int, hour: int, client: str | None = None) -> Appointment:
        return self.p.appointment(
            self.anna, self.room, self.p.at(2026, 5, day, hour), client_id=client
        )


@pytest.fixture
def praxis(store: Store) -> Praxis:
    return Praxis(store)


def outbox(praxis: Praxis) -> list[OutboxMessage]:
    with praxis.p.store.unit_of_work(write=False) as uow:
        return [
            m
            for m in uow.notification_log.in_state(DeliveryState.PENDING)
            if m.kind is MessageKind.WAITING_LIST_OFFER
        ]


def test_a11_a_cancelled_slot_is_offered_to_the_first_waiting_client_by_their_channel(
    praxis: Praxis,
) -> None:
    meyer, schulz = praxis.client("Meyer"), praxis.client("Schulz")
    first = praxis.wait(meyer)
    praxis.wait(schulz)
    freed = praxis.booked(6, 9)
    praxis.p.book.cancel(praxis.owner, freed.id)
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    assert offer.entry_id == first.id
    assert offer.client_id == meyer
    assert offer.slot.start == freed.start
    assert offer.expires_at == NOW + timedelta(minutes=2) + timedelta(hours=2)
    [message] = outbox(praxis)
    assert message.channel is Channel.EMAIL
    assert message.address == "meyer@example.org"
    assert "Wed 06.05.2026 09:00" in message.text
    # Held for Meyer: the booking page shows it taken (C2).
    online = OnlineBooking(praxis.p.store, praxis.p.clock)
    token = online.release(praxis.owner, praxis.room, praxis.p.calendars[praxis.anna]).token
    week = online.week(token, date(2026, 5, 4))
    assert freed.start not in {s.start for s in week.free_slots}


def test_a11_accept_books_the_slot_for_the_offered_client(praxis: Praxis) -> None:
    meyer = praxis.client("Meyer")
    entry = praxis.wait(meyer)
    freed = praxis.booked(6, 9)
    praxis.p.book.cancel(praxis.owner, freed.id)
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    appointment = praxis.p.waiting_list.accept(praxis.owner, offer.id)
    assert (appointment.client_id, appointment.start, appointment.room_id) == (
        meyer,
        freed.start,
        praxis.room,
    )
    assert praxis.p.waiting_list.entries(praxis.owner, "org-1") == []  # Meyer waits no more
    with pytest.raises(ConflictError, match="accepted"):
        praxis.p.waiting_list.accept(praxis.owner, offer.id)
    with praxis.p.store.unit_of_work(write=False) as uow:
        notes = [
            e.note
            for e in uow.audit.query(client_id=meyer)
            if e.action == AuditAction.WAITING_LIST.value
        ]
        assert notes == ["entered", "offered"]
        assert uow.waiting_list.get(entry.id).state.value == "booked"


def test_a11_a_decline_passes_the_slot_to_the_next_in_order(praxis: Praxis) -> None:
    meyer, schulz, weber = praxis.client("Meyer"), praxis.client("Schulz"), praxis.client("Weber")
    for c in (meyer, schulz, weber):
        praxis.wait(c)
    praxis.p.book.cancel(praxis.owner, praxis.booked(6, 9).id)
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    following = praxis.p.waiting_list.decline(praxis.owner, offer.id)
    assert following is not None
    assert following.client_id == schulz
    # Meyer still waits for another slot.
    assert meyer in {e.client_id for e in praxis.p.waiting_list.entries(praxis.owner, "org-1")}


def test_a11_an_expired_offer_goes_to_the_next_and_cannot_be_accepted(praxis: Praxis) -> None:
    meyer, schulz = praxis.client("Meyer"), praxis.client("Schulz")
    praxis.wait(meyer)
    praxis.wait(schulz)
    praxis.p.book.cancel(praxis.owner, praxis.booked(6, 9).id)
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    praxis.p.clock.advance(timedelta(hours=1, minutes=59))
    assert praxis.p.waiting_list.expire() == []  # still held for Meyer
    praxis.p.clock.advance(timedelta(minutes=1))
    [following] = praxis.p.waiting_list.expire()
    assert following.client_id == schulz
    assert following.asked == (meyer,)
    with pytest.raises(ConflictError, match="expired"):
        praxis.p.waiting_list.accept(praxis.owner, offer.id)


def test_a11_nobody_matching_means_nobody_is_bothered(praxis: Praxis) -> None:
    meyer = praxis.client("Meyer")
    praxis.wait(meyer, weekdays={4}, from_time=time(14))  # Fridays after 14:00 only
    praxis.p.book.cancel(praxis.owner, praxis.booked(6, 9).id)
    assert praxis.p.waiting_list.offers(praxis.owner, "org-1") == []
    praxis.p.book.cancel(praxis.owner, praxis.booked(8, 15).id)
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    assert offer.client_id == meyer


def test_a11_a_move_frees_the_old_slot(praxis: Praxis) -> None:
    meyer = praxis.client("Meyer")
    praxis.wait(meyer)
    moved = praxis.booked(6, 9)
    praxis.p.book.move(praxis.owner, moved.id, start=praxis.p.at(2026, 5, 7, 9))
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    assert offer.slot.start == moved.start


def test_a11_in_the_quiet_hours_the_offer_goes_out_when_they_end_and_the_hold_counts_from_then(
    praxis: Praxis,
) -> None:
    meyer = praxis.client("Meyer")
    praxis.wait(meyer)
    freed = praxis.booked(6, 9)
    praxis.p.clock.set(datetime(2026, 5, 4, 21, 30, tzinfo=UTC))  # 23:30 in Hamburg
    praxis.p.book.cancel(praxis.owner, freed.id)
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    six = datetime(2026, 5, 5, 4, tzinfo=UTC)  # 06:00 in Hamburg, end of the default 20–06
    assert offer.offered_at == six
    assert offer.expires_at == six + timedelta(hours=2)
    [message] = outbox(praxis)
    assert message.due_at == six


def test_a11_a_client_without_consent_is_passed_over_not_asked(praxis: Praxis) -> None:
    silent = praxis.p.add_client("Stumm", email="stumm@example.org", consent=False)
    schulz = praxis.client("Schulz")
    praxis.wait(silent)
    praxis.wait(schulz)
    praxis.p.book.cancel(praxis.owner, praxis.booked(6, 9).id)
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    assert offer.client_id == schulz
    assert offer.asked == (silent,)


def test_a11_an_entry_needs_a_sensible_range_and_an_organisation(praxis: Praxis) -> None:
    meyer = praxis.client("Meyer")
    with pytest.raises(ValidationError, match="latest"):
        praxis.p.waiting_list.add(
            praxis.owner,
            client_id=meyer,
            type_id="treatment",
            earliest=date(2026, 5, 9),
            latest=date(2026, 5, 1),
        )
    from lemnicore.access.actors import Actor, Role

    stranger = Actor(id="x", role=Role.FRONT_DESK, name="X", organisation_id="other-org")
    with pytest.raises(AccessDeniedError):
        praxis.p.waiting_list.add(
            stranger,
            client_id=meyer,
            type_id="treatment",
            earliest=date(2026, 5, 1),
            latest=date(2026, 5, 9),
        )


def test_a11_withdrawn_entries_are_not_offered(praxis: Praxis) -> None:
    meyer = praxis.client("Meyer")
    entry = praxis.wait(meyer)
    praxis.p.waiting_list.withdraw(praxis.owner, entry.id)
    praxis.p.book.cancel(praxis.owner, praxis.booked(6, 9).id)
    assert praxis.p.waiting_list.offers(praxis.owner, "org-1") == []


def test_a11_the_matcher_keeps_the_order_of_entry_and_skips_those_asked() -> None:
    slot = FreedSlot(
        "room-1",
        datetime(2026, 5, 6, 7, tzinfo=UTC),
        datetime(2026, 5, 6, 7, 30, tzinfo=UTC),
        "treatment",
        "cal",
    )
    entries = [
        WaitingEntry(
            f"e{n}",
            f"c{n}",
            "treatment",
            date(2026, 5, 1),
            date(2026, 5, 31),
            datetime(2026, 4, 1, n, tzinfo=UTC),
        )
        for n in (3, 1, 2)
    ]
    assert first_waiting_for(slot, entries).id == "e1"  # type: ignore[union-attr]
    assert first_waiting_for(slot, entries, asked={"c1"}).id == "e2"  # type: ignore[union-attr]
    assert first_waiting_for(slot, entries, asked={"c1", "c2", "c3"}) is None
    # Preferences are local wall-clock time: 09:00 Berlin = 07:00 UTC.
    morning = WaitingEntry(
        "m",
        "cm",
        "treatment",
        date(2026, 5, 1),
        date(2026, 5, 31),
        datetime(2026, 3, 1, tzinfo=UTC),
        until_time=time(9, 30),
    )
    late = WaitingEntry(
        "l",
        "cl",
        "treatment",
        date(2026, 5, 1),
        date(2026, 5, 31),
        datetime(2026, 2, 1, tzinfo=UTC),
        from_time=time(10),
    )
    assert first_waiting_for(slot, [late, morning]).id == "m"  # type: ignore[union-attr]
    assert OfferState.OPEN.value == "open"


def test_a11_h5_a_clients_own_cancellation_through_their_link_frees_the_slot(
    praxis: Praxis,
) -> None:
    from lemnicore.online.cancellation import SELF_CANCEL_ACTOR, CancelLinks, SelfCancellation

    meyer, schulz = praxis.client("Meyer"), praxis.client("Schulz")
    praxis.wait(schulz)
    theirs = praxis.booked(6, 9, client=meyer)
    links = CancelLinks(b"sixteen+ bytes of practice secret")
    service = SelfCancellation(
        praxis.p.store, praxis.p.clock, links, waiting_list=praxis.p.waiting_list
    )
    service.cancel(SELF_CANCEL_ACTOR, links.token(theirs.id))
    [offer] = praxis.p.waiting_list.offers(praxis.owner, "org-1")
    assert (offer.client_id, offer.slot.start) == (schulz, theirs.start)


def test_a11_b5_b6_the_waiting_list_is_in_the_access_request_and_gone_after_erasure(
    praxis: Praxis,
) -> None:
    from lemnicore.services.erasure import ClientErasure
    from lemnicore.services.export import ClientExport

    meyer = praxis.client("Meyer")
    praxis.wait(meyer, from_time=time(8))
    praxis.p.book.cancel(praxis.owner, praxis.booked(6, 9).id)
    report = ClientExport(praxis.p.store, praxis.p.clock).export(praxis.owner, meyer)
    assert [e["from_time"] for e in report.document["waiting_list"]] == ["08:00:00"]
    assert len(report.document["waiting_list_offers"]) == 1
    assert "08:00:00" in report.as_json()
    ClientErasure(praxis.p.store, praxis.p.clock).erase(praxis.owner, meyer)
    with praxis.p.store.unit_of_work(write=False) as uow:
        assert uow.waiting_list.all() == []
        assert uow.waiting_list_offers.all() == []
        assert uow.slot_holds.all() == []
