"""D1–D4, D10–D12, D16–D18: who gets a confirmation, and who gets nothing and why."""

from __future__ import annotations

from datetime import date, timedelta

import attrs

from lemnicore.importing.runs import ImportedConfirmations, ImportRun
from lemnicore.notifications.planner import SkipReason, confirmation_window
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.scheduling.appointments import AppointmentStatus
from lemnicore.scheduling.clients import NO_MESSAGE, Channel

from .scene import BERLIN, Scene, at, sent_at

CONFIRMATION = MessageKind.CONFIRMATION
REMINDER = MessageKind.REMINDER


def only_confirmations() -> NotificationPolicy:
    return NotificationPolicy(quiet_hours=None).with_changes(reminder__enabled=False)


def test_d10_run_on_31_march_confirms_from_1_april_to_30_june() -> None:
    """D10: "from the next day to the end of the next calendar quarter"."""
    scene = Scene(only_confirmations())
    client = scene.client()
    today = scene.appointment(at(2026, 3, 31, 16), client)
    tomorrow = scene.appointment(at(2026, 4, 1, 0, 0), client)
    last = scene.appointment(at(2026, 6, 30, 23, 30), client)
    beyond = scene.appointment(at(2026, 7, 1, 0, 0), client)

    plan = scene.plan(at(2026, 3, 31, 10))

    assert len(plan.due) == 1, "one message per client (the quarter quantum)"
    assert [a.id for a in plan.due[0].appointments] == [tomorrow.id, last.id]
    assert plan.due[0].channel is Channel.EMAIL
    assert not plan.messages_for(today.id)
    assert not plan.messages_for(beyond.id)


def test_d10_run_on_1_april_confirms_until_30_september() -> None:
    scene = Scene(only_confirmations())
    client = scene.client()
    inside = scene.appointment(at(2026, 9, 30, 18), client)
    beyond = scene.appointment(at(2026, 10, 1, 8), client)
    plan = scene.plan(at(2026, 4, 1, 10))
    assert [a.id for a in plan.due[0].appointments] == [inside.id]
    assert not plan.messages_for(beyond.id)


def test_d10_confirmation_window_in_the_last_quarter_reaches_into_next_year() -> None:
    start, end = confirmation_window(at(2026, 11, 15, 9), BERLIN)
    assert start == at(2026, 11, 16)
    assert end == at(2027, 4, 1)


def test_d10_weekly_client_gets_one_email_per_quarter_not_per_week() -> None:
    """D10: the quarter quantum — daily runs from 15 February to 2 April send two e-mails."""
    scene = Scene(only_confirmations())
    client = scene.client()
    for n in range(30):
        scene.appointment(at(2026, 2, 16, 9) + timedelta(weeks=n), client)
    messages = []
    for day in range(47):
        plan = scene.plan(at(2026, 2, 15, 10) + timedelta(days=day))
        scene.record(plan)
        messages += [(plan.now.astimezone(BERLIN).date(), len(m.appointments)) for m in plan.due]
    # 15 Feb: 16 Feb … 29 June (20 weeks); 1 April: 6 July … 7 September (10 weeks).
    assert messages == [(date(2026, 2, 15), 20), (date(2026, 4, 1), 10)]


def test_d10_an_appointment_already_notified_by_hand_is_not_confirmed() -> None:
    from lemnicore.notifications.sentlog import AppointmentRef, SentRecord

    scene = Scene(only_confirmations())
    a = scene.appointment(at(2026, 5, 20, 9), scene.client())
    scene.records.append(
        SentRecord(
            "m", MessageKind.MANUAL, a.client_id, (AppointmentRef(a.id, 0),), at(2026, 5, 1, 9)
        )
    )
    plan = scene.plan(at(2026, 5, 4, 10), verbose=True)
    assert plan.due == []
    assert plan.skips_for(a.id)[0].reason is SkipReason.ALREADY_NOTIFIED


def test_d9_a_moved_confirmed_appointment_is_confirmed_again() -> None:
    scene = Scene(only_confirmations())
    a = scene.appointment(at(2026, 5, 20, 9), scene.client())
    scene.record(scene.plan(at(2026, 5, 4, 10)))
    assert scene.plan(at(2026, 5, 4, 11)).due == []
    scene.replace(a, start=at(2026, 5, 21, 9), end=at(2026, 5, 21, 10), sequence=1)
    again = scene.plan(at(2026, 5, 4, 12))
    assert [m.kind for m in again.due] == [CONFIRMATION]


def test_d11_a_confirmed_appointment_that_is_cancelled_gets_a_cancellation() -> None:
    scene = Scene(only_confirmations())
    a = scene.appointment(at(2026, 5, 20, 9), scene.client())
    scene.record(scene.plan(at(2026, 5, 4, 10)))
    scene.replace(a, status=AppointmentStatus.CANCELLED)
    plan = scene.plan(at(2026, 5, 4, 11))
    assert [m.kind for m in plan.due] == [MessageKind.CANCELLATION]
    scene.record(plan)
    assert scene.plan(at(2026, 5, 4, 12)).due == []


def test_d11_an_unconfirmed_cancelled_appointment_gets_no_cancellation() -> None:
    scene = Scene(only_confirmations())
    scene.appointment(at(2026, 5, 20, 9), scene.client(), status=AppointmentStatus.CANCELLED)
    assert scene.plan(at(2026, 5, 4, 11)).due == []


def test_d1_ineligible_appointments_get_nothing_and_say_why() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None))
    c = scene.client()
    soon = at(2026, 5, 5, 9)
    cases = {
        SkipReason.TYPE_NOT_ALLOWED: scene.appointment(soon, c, type_id="silent"),
        SkipReason.GROUP_APPOINTMENT: scene.appointment(soon, c, type_id="group"),
        SkipReason.CANCELLED: scene.appointment(soon, c, status=AppointmentStatus.CANCELLED),
        SkipReason.NO_SHOW: scene.appointment(soon, c, status=AppointmentStatus.NO_SHOW),
        SkipReason.PROPOSED: scene.appointment(soon, c, status=AppointmentStatus.PROPOSED),
        SkipReason.NO_CLIENT: scene.appointment(soon, None),
    }
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    for reason, appointment in cases.items():
        assert reason in {s.reason for s in plan.skips_for(appointment.id)}, reason


def test_d1_a_group_flag_on_the_appointment_itself_is_enough() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None))
    a = scene.appointment(at(2026, 5, 5, 9), scene.client(), is_group=True)
    assert scene.plan(at(2026, 5, 4, 10)).skips_for(a.id)[0].reason is SkipReason.GROUP_APPOINTMENT


def test_d2_branch_code_filter_keeps_only_listed_branches() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None, branch_codes="HH1, HH2"))
    hamburg = scene.appointment(at(2026, 5, 5, 9), scene.client("A"), room_id="room-1")
    berlin = scene.appointment(at(2026, 5, 5, 9), scene.client("B"), room_id="room-2")
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.messages_for(hamburg.id)
    assert plan.skips_for(berlin.id)[0].reason is SkipReason.OUTSIDE_BRANCH_FILTER


def test_d3_nothing_is_sent_before_the_start_date() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None, start_date=date(2026, 5, 5)))
    a = scene.appointment(at(2026, 5, 5, 9), scene.client())
    before = scene.plan(at(2026, 5, 4, 23))
    assert before.due == []
    assert {s.reason for s in before.skips_for(a.id)} == {SkipReason.BEFORE_START_DATE}
    assert scene.plan(at(2026, 5, 5, 0)).messages_for(a.id)


def test_d4_no_consent_no_channel_and_no_message_preference() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None))
    soon = at(2026, 5, 5, 9)
    no_consent = scene.appointment(soon, scene.client("A", notification_consent=False))
    no_channel = scene.appointment(soon, scene.client("B", email=None))
    no_message = scene.appointment(soon, scene.client("C", preferred_channel=NO_MESSAGE))
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    assert plan.skips_for(no_consent.id)[0].reason is SkipReason.NO_CONSENT
    assert plan.skips_for(no_channel.id)[0].reason is SkipReason.NO_CHANNEL
    assert plan.skips_for(no_message.id)[0].reason is SkipReason.NO_MESSAGE_PREFERENCE


def test_d4_consent_switched_on_reminder_due_within_the_hour_is_skipped_not_sent_late() -> None:
    """D4: consent on at 09:30; a reminder due at 10:00 (< 10:30) is never sent."""
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    client = scene.client(consent_changed_at=at(2026, 5, 4, 9, 30))
    a = scene.appointment(at(2026, 5, 5, 10), client)
    runs = scene.run_hourly(at(2026, 5, 4, 9), at(2026, 5, 5, 10))
    assert sent_at(runs, a.id, REMINDER) == []
    skip = runs[1][1].skips_for(a.id)[0]
    assert skip.reason is SkipReason.CHANGED_TOO_RECENTLY


def test_d4_pending_confirmation_goes_out_in_the_first_run_an_hour_after_switching_on() -> None:
    scene = Scene(only_confirmations())
    client = scene.client(consent_changed_at=at(2026, 5, 4, 9, 30))
    a = scene.appointment(at(2026, 5, 20, 10), client)
    runs = scene.run_hourly(at(2026, 5, 4, 9), at(2026, 5, 4, 13))
    assert sent_at(runs, a.id, CONFIRMATION) == [at(2026, 5, 4, 11)]


def test_d4_contact_data_added_counts_like_consent() -> None:
    scene = Scene(only_confirmations())
    client = scene.client(contact_changed_at=at(2026, 5, 4, 10, 0))
    a = scene.appointment(at(2026, 5, 20, 10), client)
    runs = scene.run_hourly(at(2026, 5, 4, 10), at(2026, 5, 4, 13))
    assert sent_at(runs, a.id, CONFIRMATION) == [at(2026, 5, 4, 11)]


def test_d6_confirmations_wait_for_the_end_of_quiet_hours() -> None:
    scene = Scene(NotificationPolicy().with_changes(reminder__enabled=False))
    a = scene.appointment(at(2026, 5, 20, 10), scene.client())
    runs = scene.run_hourly(at(2026, 5, 4, 21), at(2026, 5, 5, 8))
    assert sent_at(runs, a.id, CONFIRMATION) == [at(2026, 5, 5, 6)]


def test_d8_a_confirmation_planned_now_does_not_hold_back_a_reminder_in_the_same_run() -> None:
    """D8: the guard counts messages sent before the run, not the run's own messages."""
    scene = Scene(NotificationPolicy(quiet_hours=None))
    a = scene.appointment(at(2026, 5, 5, 9), scene.client())
    plan = scene.plan(at(2026, 5, 4, 10))
    assert [m.kind for m in plan.due] == [CONFIRMATION, REMINDER]
    assert plan.skips_for(a.id) == []


def test_d12_preferred_channel_overrides_the_order_and_letters_go_to_the_work_list() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    sms = scene.appointment(
        at(2026, 5, 5, 9), scene.client("A", mobile="+4915112345678", preferred_channel="sms")
    )
    letter = scene.appointment(
        at(2026, 5, 5, 9),
        scene.client("B", postal_address="Am Park 1, 20095 Hamburg", preferred_channel="letter"),
    )
    email = scene.appointment(at(2026, 5, 5, 9), scene.client("C", mobile="+4915112345679"))
    plan = scene.plan(at(2026, 5, 4, 10))
    by_id = {m.appointments[0].id: m for m in plan.due}
    assert by_id[sms.id].channel is Channel.SMS
    assert by_id[sms.id].address == "+4915112345678"
    assert by_id[letter.id].on_work_list
    assert by_id[email.id].channel is Channel.EMAIL


def test_d12_falls_back_along_the_order_when_a_transport_is_missing() -> None:
    from lemnicore.notifications.planner import plan_run
    from lemnicore.notifications.sentlog import SentLog

    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    a = scene.appointment(at(2026, 5, 5, 9), scene.client("A", mobile="+4915112345678"))
    plan = plan_run(
        scene.policy,
        at(2026, 5, 4, 10),
        scene.appointments,
        scene.clients,
        SentLog(),
        scene.facts,
        channels=frozenset({Channel.SMS}),
    )
    assert plan.messages_for(a.id)[0].channel is Channel.SMS


def _imported(
    scene: Scene,
    confirmations: ImportedConfirmations = ImportedConfirmations.NONE,
    reminders_from: date | None = None,
) -> str:
    scene.import_runs["imp-1"] = ImportRun(
        "imp-1",
        "etermin",
        at(2026, 4, 1, 9),
        confirmations=confirmations,
        reminders_from=reminders_from,
        status="committed",
    )
    return "imp-1"


def test_d16_imported_appointments_are_never_confirmed_with_option_none() -> None:
    scene = Scene(only_confirmations())
    import_id = _imported(scene)
    a = scene.appointment(at(2026, 5, 20, 9), scene.client(), import_id=import_id, sequence=3)
    plan = scene.plan(at(2026, 5, 4, 10))
    assert plan.due == []
    assert plan.skips_for(a.id)[0].reason is SkipReason.IMPORTED_NOT_CONFIRMED


def test_d16_confirm_imported_future_appointments() -> None:
    scene = Scene(only_confirmations())
    import_id = _imported(scene, ImportedConfirmations.CONFIRM_FUTURE)
    a = scene.appointment(at(2026, 5, 20, 9), scene.client(), import_id=import_id)
    assert scene.plan(at(2026, 5, 4, 10)).messages_for(a.id)


def test_d17_imported_appointments_are_reminded_from_date_x() -> None:
    scene = Scene(NotificationPolicy(quiet_hours=None).with_changes(confirmation__enabled=False))
    import_id = _imported(scene, reminders_from=date(2026, 5, 6))
    before = scene.appointment(at(2026, 5, 5, 12), scene.client("A"), import_id=import_id)
    after = scene.appointment(at(2026, 5, 6, 12), scene.client("B"), import_id=import_id)
    runs = scene.run_hourly(at(2026, 5, 4, 8), at(2026, 5, 5, 14))
    assert sent_at(runs, before.id, REMINDER) == []
    assert sent_at(runs, after.id, REMINDER) == [at(2026, 5, 5, 12)]


def test_d18_import_options_still_need_consent_and_its_hour() -> None:
    scene = Scene(only_confirmations())
    import_id = _imported(scene, ImportedConfirmations.CONFIRM_FUTURE)
    client = scene.client(notification_consent=False)
    a = scene.appointment(at(2026, 5, 20, 9), client, import_id=import_id)
    assert scene.plan(at(2026, 5, 4, 10)).skips_for(a.id)[0].reason is SkipReason.NO_CONSENT
    scene.clients[client] = attrs.evolve(
        scene.clients[client], notification_consent=True, consent_changed_at=at(2026, 5, 4, 13)
    )
    runs = scene.run_hourly(at(2026, 5, 4, 12), at(2026, 5, 4, 15))
    assert sent_at(runs, a.id, CONFIRMATION) == [at(2026, 5, 4, 14)]
