"""Edges of the planner's rules (D4, D8, D10, D15), each stated as a practice situation."""

from __future__ import annotations

import re

import attrs
import pytest

from lemnicore.errors import ValidationError
from lemnicore.importing.runs import ImportedConfirmations, ImportRun
from lemnicore.notifications.planner import (
    SkipReason,
    change_settled_at,
    check_branch_codes,
    choose_channel,
    confirmation_window,
    notification_key,
    plan_run,
    reading_window,
)
from lemnicore.notifications.policy import MessageKind, NotificationPolicy, ReminderSettings
from lemnicore.notifications.sentlog import AppointmentRef, DeliveryState, SentLog, SentRecord
from lemnicore.scheduling.appointments import AppointmentStatus
from lemnicore.scheduling.clients import NO_MESSAGE, Channel, Client
from lemnicore.timekeeping import to_utc

from .scene import BERLIN, Scene, at

REMINDER = MessageKind.REMINDER
CONFIRMATION = MessageKind.CONFIRMATION


def guarded_scene() -> tuple[Scene, str]:
    """Guard 6 h, H = 24; the client got a manual message at 12:00 (guard ends 18:00)."""
    scene = Scene(
        NotificationPolicy(
            quiet_hours=None, reminder=ReminderSettings(hours_before=24, min_hours_between=6)
        ).with_changes(confirmation__enabled=False)
    )
    client = scene.client()
    scene.records.append(SentRecord("manual-1", MessageKind.MANUAL, client, (), at(2026, 5, 4, 12)))
    return scene, client


def test_d8_an_appointment_starting_exactly_when_the_guard_ends_waits_for_it() -> None:
    """D8: "begins before the guard expires" — 18:00 is not before 18:00."""
    scene, client = guarded_scene()
    a = scene.appointment(at(2026, 5, 4, 18), client)
    [skip] = scene.plan(at(2026, 5, 4, 13)).skips_for(a.id)
    assert skip.reason is SkipReason.DOUBLE_MESSAGE_GUARD
    assert "waits until 04.05. 18:00" in skip.detail


def test_d8_an_appointment_starting_a_minute_before_the_guard_ends_gets_no_reminder() -> None:
    scene, client = guarded_scene()
    a = scene.appointment(at(2026, 5, 4, 17, 59), client)
    [skip] = scene.plan(at(2026, 5, 4, 13)).skips_for(a.id)
    assert skip.reason is SkipReason.DOUBLE_MESSAGE_GUARD
    assert "begins before the 6 h guard ends" in skip.detail


def test_d8_the_guard_ends_exactly_six_hours_after_the_message() -> None:
    scene, client = guarded_scene()
    a = scene.appointment(at(2026, 5, 5, 17), client)  # reminder due 17:00 today
    assert scene.plan(at(2026, 5, 4, 17, 59)).due == []
    assert scene.plan(at(2026, 5, 4, 18)).messages_for(a.id)


def test_d15_a_confirmation_that_failed_is_not_planned_again() -> None:
    """A permanently failed confirmation (e.g. invalid address) is reported, not resent."""
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 20, 10), client)
    scene.records.append(
        SentRecord(
            "c-1",
            CONFIRMATION,
            client,
            (AppointmentRef(a.id, a.sequence),),
            at(2026, 5, 4, 9),
            state=DeliveryState.FAILED,
            failure="550 mailbox unavailable",
        )
    )
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    [skip] = plan.skips_for(a.id)
    assert (skip.reason, skip.detail) == (
        SkipReason.PREVIOUS_ATTEMPT_FAILED,
        "550 mailbox unavailable",
    )


def test_d15_a_reminder_that_failed_is_not_planned_again() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 5, 10), client)
    scene.records.append(
        SentRecord(
            "r-1",
            REMINDER,
            client,
            (AppointmentRef(a.id, a.sequence),),
            at(2026, 5, 4, 9),
            state=DeliveryState.FAILED,
            failure="invalid number",
        )
    )
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    assert [s.reason for s in plan.skips_for(a.id)] == [SkipReason.PREVIOUS_ATTEMPT_FAILED]


def test_service_switched_off_sends_nothing_and_says_why() -> None:
    scene = Scene(NotificationPolicy(enabled=False, quiet_hours=None))
    a = scene.appointment(at(2026, 5, 5, 9), scene.client())
    assert scene.plan(at(2026, 5, 4, 10)).due == []
    verbose = scene.plan(at(2026, 5, 4, 10), verbose=True)
    assert verbose.due == []
    assert [s.reason for s in verbose.skips_for(a.id)] == [SkipReason.SERVICE_OFF]


def test_d12_choose_channel_preference_template_transports_and_addresses() -> None:
    policy = NotificationPolicy()
    both = Client(
        id="c-1",
        organisation_id="org-1",
        last_name="Meier",
        email="eva@example.org",
        mobile="+491701234567",
        preferred_channel="sms",
    )
    # The client's preference beats the template's order (e-mail first) ...
    assert choose_channel(both, REMINDER, policy, None) == (Channel.SMS, "+491701234567")
    # ... but only where the template has a text: confirmations go by e-mail only.
    assert choose_channel(both, CONFIRMATION, policy, None) == (Channel.EMAIL, "eva@example.org")
    # "No message" is no channel to prefer: the order applies.
    plain = attrs.evolve(both, preferred_channel=NO_MESSAGE)
    assert choose_channel(plain, REMINDER, policy, None) == (Channel.EMAIL, "eva@example.org")
    # Without an e-mail transport the next channel with a transport and an address.
    sms_only = frozenset({Channel.SMS})
    assert choose_channel(plain, REMINDER, policy, sms_only) == (Channel.SMS, "+491701234567")
    assert choose_channel(plain, REMINDER, policy, frozenset()) is None
    # Letters (on request) are not sent by a transport: they need none.
    letter = attrs.evolve(
        plain, email=None, mobile=None, postal_address="Hauptstr. 1", preferred_channel="letter"
    )
    assert choose_channel(letter, REMINDER, policy, frozenset()) == (Channel.LETTER, "Hauptstr. 1")
    nothing = attrs.evolve(plain, email=None, mobile=None)
    assert choose_channel(nothing, REMINDER, policy, None) is None


def test_d5_d9_a_run_reads_appointments_up_to_the_end_of_the_last_reachable_day() -> None:
    """H = 24, a run at Monday 10:00 reaches reminders due before 11:00, i.e. appointments
    until Tuesday 11:00; combining per date (D9) needs the rest of Tuesday."""
    policy = NotificationPolicy(quiet_hours=None)
    assert reading_window(policy, at(2026, 5, 4, 10), BERLIN) == (
        to_utc(at(2026, 5, 4, 10)),
        to_utc(at(2026, 5, 6, 0)),
    )
    night = NotificationPolicy()  # quiet 20:00–06:00: the 19:00 run reaches 06:00 + 24 h
    assert reading_window(night, at(2026, 5, 4, 19), BERLIN)[1] == to_utc(at(2026, 5, 7, 0))


def test_d15_an_idempotency_key_is_the_kind_and_32_hex_digits() -> None:
    key = notification_key(REMINDER, "c-1", [AppointmentRef("a-1", 0)], Channel.SMS, None)
    assert re.fullmatch(r"reminder-[0-9a-f]{32}", key)
    later = notification_key(
        REMINDER, "c-1", [AppointmentRef("a-1", 0)], Channel.SMS, at(2026, 5, 4, 10)
    )
    assert later != key


def test_d4_the_latest_of_consent_and_contact_change_counts() -> None:
    client = Client(
        id="c-1",
        organisation_id="org-1",
        last_name="Meier",
        consent_changed_at=at(2026, 5, 4, 9),
        contact_changed_at=at(2026, 5, 4, 10),
    )
    assert change_settled_at(client) == to_utc(at(2026, 5, 4, 11))
    assert change_settled_at(attrs.evolve(client, contact_changed_at=None)) == to_utc(
        at(2026, 5, 4, 10)
    )
    assert (
        change_settled_at(attrs.evolve(client, consent_changed_at=None, contact_changed_at=None))
        is None
    )


def test_d2_d11_a_cancelled_appointment_outside_the_branch_filter_gets_no_cancellation() -> None:
    """Confirmed earlier, cancelled now, but the service now serves only branch B1."""
    scene = Scene(NotificationPolicy(quiet_hours=None, branch_codes="B1"))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 20, 10), client, room_id="room-1")  # HH1
    scene.records.append(
        SentRecord(
            "c-1", CONFIRMATION, client, (AppointmentRef(a.id, a.sequence),), at(2026, 5, 1, 9)
        )
    )
    scene.replace(a, status=AppointmentStatus.CANCELLED)
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    assert [s.reason for s in plan.skips_for(a.id)] == [SkipReason.OUTSIDE_BRANCH_FILTER]


def test_d1_an_appointment_without_client_says_so() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None))
    a = scene.appointment(at(2026, 5, 20, 10), None)
    [skip] = scene.plan(at(2026, 5, 4, 10)).skips_for(a.id)
    assert (skip.reason, skip.detail) == (SkipReason.NO_CLIENT, "no client attached")


def test_d1_an_appointment_whose_client_record_is_gone_says_so() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None))
    a = scene.appointment(at(2026, 5, 20, 10), "client-gone")
    [skip] = scene.plan(at(2026, 5, 4, 10)).skips_for(a.id)
    assert (skip.reason, skip.detail) == (SkipReason.NO_CLIENT, "client 'client-gone' not found")


def test_b5_d4_an_erased_client_gets_nothing_even_with_address_and_consent_left() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None))
    a = scene.appointment(at(2026, 5, 20, 10), scene.client(erased=True))
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    assert [s.reason for s in plan.skips_for(a.id)] == [SkipReason.CLIENT_ERASED]


def test_d4_consent_switched_off_is_obeyed_at_once() -> None:
    """D4: the hour after a change is for switching *on*; "off" stops messages now, also
    inside quiet hours (the reason is the missing consent, not the night)."""
    scene = Scene(NotificationPolicy().with_changes(reminder__enabled=False))
    client = scene.client(notification_consent=False, consent_changed_at=at(2026, 5, 4, 9, 30))
    a = scene.appointment(at(2026, 5, 20, 10), client)
    for now in (at(2026, 5, 4, 10), at(2026, 5, 4, 23)):
        plan = scene.plan(now)
        assert plan.due == []
        assert [s.reason for s in plan.skips_for(a.id)] == [SkipReason.NO_CONSENT]


def test_a_run_reports_what_matters_now_and_why_reports_everything() -> None:
    """plan_run's default is the run's report: "not yet due" is left out unless verbose."""
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    a = scene.appointment(at(2026, 5, 20, 10), scene.client())
    quiet = plan_run(
        scene.policy, at(2026, 5, 4, 10), scene.appointments, scene.clients, SentLog(), scene.facts
    )
    assert quiet.skips_for(a.id) == []
    verbose = plan_run(
        scene.policy,
        at(2026, 5, 4, 10),
        scene.appointments,
        scene.clients,
        SentLog(),
        scene.facts,
        verbose=True,
    )
    reminder_skips = [s.reason for s in verbose.skips_for(a.id) if s.kind is REMINDER]
    assert reminder_skips == [SkipReason.NOT_YET_DUE]


def test_d6_d11_a_cancellation_in_quiet_hours_waits_for_the_morning() -> None:
    scene = Scene(NotificationPolicy().with_changes(reminder__enabled=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 20, 10), client)
    scene.records.append(
        SentRecord(
            "c-1", CONFIRMATION, client, (AppointmentRef(a.id, a.sequence),), at(2026, 5, 1, 9)
        )
    )
    scene.replace(a, status=AppointmentStatus.CANCELLED)
    night = scene.plan(at(2026, 5, 4, 23))
    assert night.due == []
    assert [s.reason for s in night.skips_for(a.id)] == [SkipReason.QUIET_HOURS]
    morning = scene.plan(at(2026, 5, 5, 6))
    assert [m.kind for m in morning.due] == [MessageKind.CANCELLATION]


def test_skip_reasons_say_whether_a_later_run_may_still_send() -> None:
    assert SkipReason.QUIET_HOURS.waits
    assert SkipReason.NOT_YET_DUE.waits
    assert not SkipReason.GROUP_APPOINTMENT.waits
    assert not SkipReason.ALREADY_NOTIFIED.waits


def test_d2_a_practice_without_branches_refuses_every_code() -> None:
    with pytest.raises(ValidationError, match=r"no branch has the code HH1 \(known: none\)"):
        check_branch_codes({"HH1"}, [])


def test_d17_an_import_without_reminders_or_an_unknown_import_run_reminds_nothing() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    scene.import_runs["imp-1"] = ImportRun(
        "imp-1", "etermin", at(2026, 4, 1, 9), reminders_from=None, status="committed"
    )
    silent = scene.appointment(at(2026, 5, 5, 9), scene.client("A"), import_id="imp-1")
    unknown = scene.appointment(at(2026, 5, 5, 9), scene.client("B"), import_id="imp-9")
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    assert [(s.reason, s.detail) for s in plan.skips_for(silent.id)] == [
        (SkipReason.IMPORTED_NOT_REMINDED, "import imp-1 sends no reminders")
    ]
    assert [s.reason for s in plan.skips_for(unknown.id)] == [SkipReason.IMPORTED_NOT_REMINDED]


def test_d10_a_run_in_august_confirms_until_the_end_of_the_year() -> None:
    start, end = confirmation_window(at(2026, 8, 14, 10), BERLIN)
    assert (start, end) == (at(2026, 8, 15), at(2027, 1, 1))


def test_d11_an_appointment_cancelled_as_it_begins_gets_no_cancellation() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 20, 10), client)
    scene.records.append(
        SentRecord(
            "c-1", CONFIRMATION, client, (AppointmentRef(a.id, a.sequence),), at(2026, 5, 1, 9)
        )
    )
    scene.replace(a, status=AppointmentStatus.CANCELLED)
    assert scene.plan(at(2026, 5, 20, 10)).due == []
    assert scene.plan(at(2026, 5, 20, 9, 59)).due != []


def test_d9_d15_a_combined_reminder_is_keyed_by_its_earliest_due_time() -> None:
    """Two appointments of one date, both due in the same (missed-run catch-up) run."""
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    client = scene.client()
    first = scene.appointment(at(2026, 5, 5, 9), client)
    second = scene.appointment(at(2026, 5, 5, 9, 30), client)
    [message] = scene.plan(at(2026, 5, 4, 10)).due
    assert [a.id for a in message.appointments] == [first.id, second.id]
    assert message.due_at == to_utc(at(2026, 5, 4, 9))


def test_d10_a_run_report_leaves_out_appointments_confirmed_before() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    client = scene.client()
    a = scene.appointment(at(2026, 5, 20, 10), client)
    scene.record(scene.plan(at(2026, 5, 4, 10)))
    assert scene.plan(at(2026, 5, 4, 11)).skips_for(a.id) == []
    [skip] = [
        s
        for s in scene.plan(at(2026, 5, 4, 11), verbose=True).skips_for(a.id)
        if s.kind is CONFIRMATION
    ]
    assert skip.reason is SkipReason.ALREADY_NOTIFIED


def test_d10_why_at_the_very_start_of_an_appointment_says_it_has_begun() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    a = scene.appointment(at(2026, 5, 4, 10), scene.client())
    [skip] = [
        s
        for s in scene.plan(at(2026, 5, 4, 10), verbose=True).skips_for(a.id)
        if s.kind is CONFIRMATION
    ]
    assert (skip.reason, skip.detail) == (SkipReason.PAST, "appointment has begun")


def test_d1_d16_a_group_appointment_does_not_rule_out_the_clients_other_appointments() -> None:
    """The client's group course on 10 May gets no confirmation; their imported single
    appointment on 12 May (import option "confirm future") does."""
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False))
    scene.import_runs["imp-1"] = ImportRun(
        "imp-1",
        "etermin",
        at(2026, 4, 1, 9),
        confirmations=ImportedConfirmations.CONFIRM_FUTURE,
        status="committed",
    )
    client = scene.client()
    course = scene.appointment(at(2026, 5, 10, 10), client, is_group=True)
    single = scene.appointment(at(2026, 5, 12, 10), client, import_id="imp-1")
    plan = scene.plan(at(2026, 5, 4, 10))
    assert [[a.id for a in m.appointments] for m in plan.due] == [[single.id]]
    assert [s.reason for s in plan.skips_for(course.id)] == [SkipReason.GROUP_APPOINTMENT]


def test_d9_combining_never_lists_an_appointment_already_reminded_or_begun() -> None:
    """Eva's 08:00 has begun and her 09:00 was reminded yesterday; her 15:00 reminder, due
    now, lists only 15:00."""
    scene = Scene(
        NotificationPolicy(
            quiet_hours=None, reminder=ReminderSettings(hours_before=6, min_hours_between=1)
        ).with_changes(confirmation__enabled=False)
    )
    client = scene.client()
    begun = scene.appointment(at(2026, 5, 5, 8), client)
    reminded = scene.appointment(at(2026, 5, 5, 9), client)
    scene.records.append(
        SentRecord("r-1", REMINDER, client, (AppointmentRef(reminded.id, 0),), at(2026, 5, 4, 18))
    )
    later = scene.appointment(at(2026, 5, 5, 15), client)
    [message] = scene.plan(at(2026, 5, 5, 9)).due
    assert [a.id for a in message.appointments] == [later.id]
    assert begun.id not in {a.id for a in message.appointments}


def test_d9_combining_lists_only_appointments_of_the_same_date() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    client = scene.client()
    tuesday = scene.appointment(at(2026, 5, 5, 9, 30), client)
    scene.appointment(at(2026, 5, 6, 9), client)  # Wednesday: its own reminder later
    [message] = scene.plan(at(2026, 5, 4, 9)).due
    assert [a.id for a in message.appointments] == [tuesday.id]


def test_d9_dst_combining_reaches_the_end_of_the_25_hour_autumn_sunday() -> None:
    """H = 1, a run at 22:30 on Saturday 24 October: the reminder for Sunday 00:00 is due;
    Sunday 23:45 — 24 h 45 min of real time later on that 25-hour day — joins it."""
    scene = Scene(
        NotificationPolicy(
            quiet_hours=None, reminder=ReminderSettings(hours_before=1)
        ).with_changes(confirmation__enabled=False)
    )
    client = scene.client()
    midnight = scene.appointment(at(2026, 10, 25, 0), client)
    late = scene.appointment(at(2026, 10, 25, 23, 45), client)
    [message] = scene.plan(at(2026, 10, 24, 22, 30)).due
    assert [a.id for a in message.appointments] == [midnight.id, late.id]
