"""C1–C5: releasing a room, the public week view, holds, requests, and staff confirmation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import attrs
import pytest

from lemnicore import (
    BOOKING_REQUEST_TYPE_ID,
    AccessDeniedError,
    Appointment,
    AppointmentStatus,
    AuditAction,
    Channel,
    Delivery,
    Entitlements,
    NotFoundError,
    OnlineBooking,
    OutgoingMessage,
    PermanentTransportError,
    PlanLimitError,
    SlotTakenError,
    ValidationError,
)
from lemnicore.online.requests import BookingRequestForm, NewClient
from lemnicore.testing import MON_FRI, Practice
from lemnicore.timekeeping import zone


class Outbox:
    """A tiny capturing transport (the notifications area ships the full one)."""

    channels = frozenset({Channel.EMAIL})

    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[OutgoingMessage] = []
        self.fail = fail

    def send(self, message: OutgoingMessage) -> Delivery:
        if self.fail:
            raise PermanentTransportError("mailbox unavailable", provider="test")
        self.sent.append(message)
        return Delivery("outbox", str(len(self.sent)))

    def close(self) -> None:
        pass


@attrs.define
class Setting:
    practice: Practice
    online: OnlineBooking
    outbox: Outbox
    room: str
    anna: str
    token: str


@pytest.fixture
def setting(practice: Practice) -> Setting:
    """Room 1, Mon–Fri 08:00–12:00 in 30-minute slots, released for Anna's calendar."""
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    outbox = Outbox()
    online = OnlineBooking(
        practice.store, practice.clock, transport=outbox, link_base="https://praxis.example/book/"
    )
    release = online.release(practice.owner(anna), room, practice.calendars[anna])
    return Setting(practice, online, outbox, room, anna, release.token)


def _ask(s: Setting, when: tuple[int, ...], **extra: str):  # type: ignore[no-untyped-def]
    fields = {"last_name": "Meier", "email": "petra@example.org"} | extra
    return s.online.request(s.token, s.practice.at(*when), **fields)  # type: ignore[arg-type]


def test_c1_a_room_is_offered_only_once_released(practice: Practice) -> None:
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    online = OnlineBooking(practice.store, practice.clock, link_base="https://p.example/book")
    with pytest.raises(NotFoundError, match="booking link"):
        online.week("no-such-token")
    release = online.release(practice.owner(anna), room, practice.calendars[anna])
    assert len(release.token) >= 32
    assert online.link(release) == f"https://p.example/book/{release.token}"
    with practice.store.unit_of_work(write=False) as uow:
        stored = uow.rooms.get(room)
    assert stored.online_booking
    assert stored.booking_token == release.token
    assert online.week(release.token).room_name == "Kabine 1"
    online.withdraw(practice.owner(anna), room)
    with pytest.raises(NotFoundError, match="booking link"):
        online.week(release.token)
    # Withdrawn, the room is no longer released and keeps no link, and no release is left.
    with practice.store.unit_of_work(write=False) as uow:
        withdrawn = uow.rooms.get(room)
        assert uow.online_releases.all() == []
    assert (withdrawn.online_booking, withdrawn.booking_token) == (False, None)


def test_c1_releasing_needs_booking_rights_in_the_receiving_calendar(practice: Practice) -> None:
    room = practice.add_room("Kabine 1")
    anna, ben = practice.add_practitioner("Anna"), practice.add_practitioner("Ben")
    online = OnlineBooking(practice.store, practice.clock)
    with pytest.raises(AccessDeniedError):
        online.release(practice.owner(ben), room, practice.calendars[anna])


def test_c1_a_new_release_replaces_the_old_link(setting: Setting) -> None:
    s = setting
    again = s.online.release(s.practice.owner(s.anna), s.room, s.practice.calendars[s.anna])
    assert again.token != s.token
    with pytest.raises(NotFoundError):
        s.online.week(s.token)


def test_c2_week_view_shows_free_and_taken_slots_without_detail(setting: Setting) -> None:
    s = setting
    s.practice.appointment(s.anna, s.room, s.practice.at(2026, 5, 5, 9), comment="vertraulich")
    week = s.online.week(s.token, date(2026, 5, 6))
    assert week.week_start == date(2026, 5, 4)
    assert (week.previous_week, week.next_week) == (date(2026, 4, 27), date(2026, 5, 11))
    assert [d.day.weekday() for d in week.days] == list(range(7))
    tuesday = week.days[1]
    assert len(tuesday.slots) == 8
    assert [s_.start.strftime("%H:%M") for s_ in tuesday.slots if not s_.free] == ["09:00"]
    # Monday before "now" (09:00) counts as taken: it is gone.
    assert next(x.start.strftime("%H:%M") for x in week.days[0].slots if x.free) == "09:00"
    assert week.days[5].slots == ()
    for slot in week.slots:
        assert set(attrs.fields_dict(type(slot))) == {"start", "end", "free"}
    assert "vertraulich" not in repr(week)


def test_c2_week_view_across_the_autumn_dst_change(setting: Setting) -> None:
    s = setting
    s.practice.add_working_time(s.room, {6}, time(1), time(4), slot_minutes=60)
    # Sunday 25 October 2026: 03:00 becomes 02:00 again; 01:00–04:00 local lasts 4 hours.
    week = s.online.week(s.token, date(2026, 10, 25))
    sunday = week.days[6]
    assert sunday.day == date(2026, 10, 25)
    assert len(sunday.slots) == 4
    # Compare in UTC: Python subtracts two datetimes of the same zone in wall-clock time.
    assert all(
        x.end.astimezone(UTC) - x.start.astimezone(UTC) == timedelta(hours=1) for x in sunday.slots
    )
    assert [x.start.strftime("%H:%M") for x in sunday.slots] == ["01:00", "02:00", "02:00", "03:00"]


def test_c2_dst_the_repeated_half_hours_of_25_october_are_shown_in_real_time_order(
    setting: Setting,
) -> None:
    """C2/A5: with half-hour slots the night of 25 October reads 02:00, 02:30 (summer
    time), then 02:00, 02:30 again (winter time). (Found in review: the week view sorted
    by wall clock and interleaved them as 02:00, 02:00, 02:30, 02:30.)"""
    s = setting
    s.practice.add_working_time(s.room, {6}, time(1), time(4))
    sunday = s.online.week(s.token, date(2026, 10, 25)).days[6]
    assert [(f"{x.start:%H:%M}", x.start.utcoffset()) for x in sunday.slots] == [
        ("01:00", timedelta(hours=2)),
        ("01:30", timedelta(hours=2)),
        ("02:00", timedelta(hours=2)),
        ("02:30", timedelta(hours=2)),
        ("02:00", timedelta(hours=1)),
        ("02:30", timedelta(hours=1)),
        ("03:00", timedelta(hours=1)),
        ("03:30", timedelta(hours=1)),
    ]
    starts = [x.start.astimezone(UTC) for x in sunday.slots]
    assert starts == sorted(starts)


def test_c4_dst_each_of_the_two_0200_slots_of_25_october_is_its_own_request(
    setting: Setting,
) -> None:
    """C4/A5: on 25 October 2026 02:00 happens twice (CEST, then CET). Asking for the
    second one books the second one — not the first, and not "taken" because the first is.
    (Found in review: the slot was looked up by wall clock, which ignores the fold.)"""
    s = setting
    s.practice.add_working_time(s.room, {6}, time(1), time(4), slot_minutes=60)
    sunday = s.online.week(s.token, date(2026, 10, 25)).days[6]
    summer_two, winter_two = sunday.slots[1], sunday.slots[2]
    assert summer_two.start.astimezone(UTC) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert winter_two.start.astimezone(UTC) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    # The later one first: it must not land on (or be refused for) the earlier one.
    held = s.online.hold(s.token, winter_two.start)
    assert held.start.astimezone(UTC) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    later = s.online.request(
        s.token, winter_two.start, last_name="Winter", email="w@example.org", hold_id=held.id
    )
    assert later.start.astimezone(UTC) == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    earlier = _ask(s, (2026, 10, 25, 2), last_name="Sommer", email="s@example.org")
    assert earlier.start.astimezone(UTC) == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    with pytest.raises(SlotTakenError):
        s.online.request(s.token, winter_two.start, last_name="Dritte", email="d@example.org")
    taken = [x.free for x in s.online.week(s.token, date(2026, 10, 25)).days[6].slots]
    assert taken == [True, False, False, True]


def test_c4_dst_a_hold_lasts_ten_real_minutes_on_a_clock_showing_berlin_time(
    practice: Practice,
) -> None:
    """C4: a hold taken at 02:55 summer time on 25 October expires ten real minutes later
    (02:05 winter time), also when the clock hands out Berlin wall-clock datetimes. (Found
    in review: the expiry was added on the wall clock, which gave 70 minutes.)"""
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, range(7), time(1), time(5))
    berlin = zone("Europe/Berlin")
    practice.clock.set(datetime(2026, 10, 25, 0, 55, tzinfo=UTC).astimezone(berlin))
    online = OnlineBooking(practice.store, practice.clock)
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    winter_three = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)  # 03:00 CET
    hold = online.hold(token, winter_three)
    assert hold.expires_at == datetime(2026, 10, 25, 1, 5, tzinfo=UTC)  # 02:05 CET
    practice.clock.set(datetime(2026, 10, 25, 1, 4, 59, tzinfo=UTC).astimezone(berlin))
    with pytest.raises(SlotTakenError):
        online.hold(token, winter_three)
    practice.clock.set(datetime(2026, 10, 25, 1, 5, tzinfo=UTC).astimezone(berlin))
    assert online.hold(token, winter_three).start == winter_three


def test_c2_c4_dst_the_summer_half_hour_is_past_in_the_repeated_winter_hour(
    practice: Practice,
) -> None:
    """C2/C4: at 02:10 winter time on 25 October (clock in Berlin time) the slot at 02:30
    summer time began 40 minutes ago: shown as taken, and a request for it is refused —
    while 02:30 winter time is still ahead and free."""
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, range(7), time(1), time(5))
    berlin = zone("Europe/Berlin")
    practice.clock.set(datetime(2026, 10, 25, 1, 10, tzinfo=UTC).astimezone(berlin))
    online = OnlineBooking(practice.store, practice.clock)
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    sunday = online.week(token).days[6]
    free = [x.start.astimezone(UTC) for x in sunday.slots if x.free]
    assert free[0] == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    summer_half_past_two = datetime(2026, 10, 25, 0, 30, tzinfo=UTC).astimezone(berlin)
    with pytest.raises(ValidationError, match="past"):
        online.request(token, summer_half_past_two, last_name="Spät", email="s@example.org")


def test_c3_a_request_needs_last_name_and_a_valid_email(setting: Setting) -> None:
    s = setting
    for fields, field in (
        ({"last_name": "  "}, "last_name"),
        ({"email": "petra(at)example.org"}, "email"),
        ({"email": ""}, "email"),
        ({"phone": "call me"}, "phone"),
    ):
        with pytest.raises(ValidationError) as refused:
            _ask(s, (2026, 5, 5, 10), **fields)
        assert refused.value.field == field
    receipt = _ask(s, (2026, 5, 5, 10), first_name="", phone="")
    assert receipt.start == s.practice.at(2026, 5, 5, 10)


def test_c4_a_request_becomes_a_proposed_appointment_without_client(setting: Setting) -> None:
    s = setting
    clients_before = s.practice.store.unit_of_work(write=False)
    with clients_before as uow:
        count = uow.clients.count()
    receipt = _ask(
        s, (2026, 5, 5, 10), first_name="Petra", phone="+49 40 123456", message="Knie\nlinks"
    )
    with s.practice.store.unit_of_work(write=False) as uow:
        appointment = uow.appointments.get(receipt.appointment_id)
        assert uow.clients.count() == count
        audit = uow.audit.query(appointment_id=appointment.id)
    assert appointment.status is AppointmentStatus.PROPOSED
    assert appointment.type_id == BOOKING_REQUEST_TYPE_ID
    assert appointment.client_id is None
    assert appointment.calendar_id == s.practice.calendars[s.anna]
    assert appointment.comment.splitlines() == [
        "Online booking request",
        "Last name: Meier",
        "First name: Petra",
        "E-mail: petra@example.org",
        "Phone: +49 40 123456",
        "Message: Knie links",
    ]
    assert [e.action for e in audit] == [AuditAction.BOOKING_REQUESTED]
    assert "Meier" not in repr(audit)
    # Blocked at once for everyone else.
    with pytest.raises(SlotTakenError, match="has just been taken"):
        _ask(s, (2026, 5, 5, 10), last_name="Schulz", email="s@example.org")
    assert not next(x for x in s.online.week(s.token).slots if x.start == receipt.start).free


def test_c4_requests_only_for_offered_future_slots(setting: Setting) -> None:
    s = setting
    with pytest.raises(ValidationError, match="not a slot") as refused:
        _ask(s, (2026, 5, 5, 10, 15))
    assert refused.value.field == "start"
    with pytest.raises(ValidationError, match="past"):
        _ask(s, (2026, 5, 4, 8))
    with pytest.raises(ValidationError, match="not a slot"):
        _ask(s, (2026, 5, 9, 10))  # Saturday: no working time


def test_c4_holds_block_others_until_they_expire(setting: Setting) -> None:
    s = setting
    start = s.practice.at(2026, 5, 5, 10)
    hold = s.online.hold(s.token, start)
    assert hold.expires_at == s.practice.clock.now() + timedelta(minutes=10)
    assert not next(x for x in s.online.week(s.token).slots if x.start == start).free
    with pytest.raises(SlotTakenError):
        s.online.hold(s.token, start)
    with pytest.raises(SlotTakenError):
        _ask(s, (2026, 5, 5, 10), last_name="Schulz", email="s@example.org")
    # The holder gets it.
    receipt = s.online.request(
        s.token, start, last_name="Meier", email="petra@example.org", hold_id=hold.id
    )
    with s.practice.store.unit_of_work(write=False) as uow:
        assert uow.slot_holds.find(hold.id) is None
        (proposed,) = uow.appointments.in_room(s.room, start, start + timedelta(minutes=30))
    assert proposed.id == receipt.appointment_id
    assert proposed.status is AppointmentStatus.PROPOSED
    assert "Last name: Meier" in proposed.comment.splitlines()


def test_c4_an_expired_hold_frees_the_slot_by_the_clock(setting: Setting) -> None:
    s = setting
    start = s.practice.at(2026, 5, 5, 11)
    s.online.hold(s.token, start)
    s.practice.clock.advance(minutes=9, seconds=59)
    assert not next(x for x in s.online.week(s.token).slots if x.start == start).free
    s.practice.clock.advance(seconds=1)
    assert next(x for x in s.online.week(s.token).slots if x.start == start).free
    receipt = _ask(s, (2026, 5, 5, 11), last_name="Schulz", email="s@example.org")
    assert receipt.start == start


def test_c4_requests_count_against_the_plan(practice: Practice) -> None:
    with practice.store.unit_of_work() as uow:
        uow.organisations.put(attrs.evolve(practice.organisation, plan="S"))
        uow.commit()
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, range(7), time(0), time(23))
    online = OnlineBooking(practice.store, practice.clock, entitlements=Entitlements())
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    for n in range(30):
        online.request(
            token,
            practice.at(2026, 5, 10, 8) + timedelta(minutes=30 * n),
            last_name="M",
            email="m@example.org",
        )
    with pytest.raises(PlanLimitError, match="appointments_per_month"):
        online.request(token, practice.at(2026, 5, 12, 10), last_name="M", email="m@example.org")


def test_c5_requester_gets_a_request_received_email(setting: Setting) -> None:
    s = setting
    receipt = _ask(s, (2026, 5, 5, 10), first_name="Petra")
    assert receipt.receipt_sent
    (message,) = s.outbox.sent
    assert message.channel is Channel.EMAIL
    assert message.address == "petra@example.org"
    assert message.kind == "request_received"
    assert message.appointment_ids == (receipt.appointment_id,)
    assert "05.05.2026 um 10:00 Uhr" in message.text
    assert "Kabine 1" in message.text


def test_c5_a_failing_mail_transport_does_not_lose_the_request(practice: Practice) -> None:
    room = practice.add_room("Kabine 1")
    anna = practice.add_practitioner("Anna")
    practice.add_working_time(room, MON_FRI, time(8), time(12))
    online = OnlineBooking(practice.store, practice.clock, transport=Outbox(fail=True))
    token = online.release(practice.owner(anna), room, practice.calendars[anna]).token
    receipt = online.request(
        token, practice.at(2026, 5, 5, 10), last_name="M", email="m@example.org"
    )
    assert not receipt.receipt_sent
    assert [r.appointment_id for r in online.requests(practice.owner(anna))] == [
        receipt.appointment_id
    ]


def test_c5_staff_confirm_with_a_new_client_and_the_hook_fires(setting: Setting) -> None:
    s = setting
    confirmed: list[Appointment] = []
    s.online.on_confirmed = confirmed.append
    receipt = _ask(s, (2026, 5, 5, 10), first_name="Petra", phone="040 123456")
    (request,) = s.online.requests(s.practice.front_desk())
    assert request.requester == BookingRequestForm(
        "Meier", "petra@example.org", "Petra", "040 123456"
    )
    booked = s.online.confirm(
        s.practice.front_desk(),
        receipt.appointment_id,
        new_client=NewClient.from_request(request.requester),
        type_id="treatment",
    )
    assert booked.status is AppointmentStatus.BOOKED
    assert booked.type_id == "treatment"
    assert booked.sequence == 0
    client = s.practice.client(booked.client_id or "")
    assert (client.last_name, client.first_name, client.email) == (
        "Meier",
        "Petra",
        "petra@example.org",
    )
    assert client.notification_consent  # the organisation's default (D4)
    assert confirmed == [booked]
    assert s.online.requests(s.practice.front_desk()) == []
    with s.practice.store.unit_of_work(write=False) as uow:
        actions = [e.action for e in uow.audit.query(appointment_id=booked.id)]
    assert actions == [AuditAction.BOOKING_REQUESTED, AuditAction.BOOKING_CONFIRMED]


def test_c5_confirm_with_an_existing_client_and_refusals(setting: Setting) -> None:
    s = setting
    client = s.practice.add_client("Meier", "Petra", email="petra@example.org")
    receipt = _ask(s, (2026, 5, 5, 10))
    desk = s.practice.front_desk()
    with pytest.raises(ValidationError, match="either"):
        s.online.confirm(desk, receipt.appointment_id)
    outsider = s.practice.owner(s.practice.add_practitioner("Ben"))
    with pytest.raises(AccessDeniedError):
        s.online.confirm(outsider, receipt.appointment_id, client_id=client)
    booked = s.online.confirm(desk, receipt.appointment_id, client_id=client)
    assert booked.client_id == client
    with pytest.raises(ValidationError, match="only a proposed request"):
        s.online.confirm(desk, receipt.appointment_id, client_id=client)


def test_c5_declining_frees_the_slot(setting: Setting) -> None:
    s = setting
    receipt = _ask(s, (2026, 5, 5, 10))
    s.online.decline(s.practice.owner(s.anna), receipt.appointment_id)
    with s.practice.store.unit_of_work(write=False) as uow:
        declined = uow.appointments.get(receipt.appointment_id)
    assert declined.status is AppointmentStatus.CANCELLED
    assert s.online.requests(s.practice.front_desk()) == []
    again = _ask(s, (2026, 5, 5, 10), last_name="Schulz", email="s@example.org")
    assert again.appointment_id != receipt.appointment_id
    assert [r.appointment_id for r in s.online.requests(s.practice.front_desk())] == [
        again.appointment_id
    ]
