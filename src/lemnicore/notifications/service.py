"""D1–D18: the notification service — plan, enqueue in the outbox, dispatch, record.

``run()`` is meant to be called once an hour (any interval works). It plans with the pure
planner inside one write transaction and writes every due message to the outbox in that
same transaction (transactional outbox, D15). ``dispatch()`` then sends outbox rows one by
one through the transports: it marks a row SENDING and commits *before* calling the
provider, and records SENT (plus client and appointment history, D14) after. A crash in
between leaves a SENDING row that the next dispatch reconciles by sending again with the
same idempotency key, which providers that honour keys deliver only once.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.policy import Permission
from lemnicore.clock import Clock
from lemnicore.errors import StoreError, ValidationError
from lemnicore.ids import IdFactory, new_id
from lemnicore.notifications.planner import (
    DueMessage,
    PracticeFacts,
    RunPlan,
    Skip,
    check_branch_codes,
    confirmation_window,
    plan_run,
    quiet_reason,
    reading_window,
)
from lemnicore.notifications.policy import MessageKind, NotificationPolicy
from lemnicore.notifications.ports import (
    AppointmentMessageEntry,
    ClientMessageEntry,
    OutboxMessage,
    last_notified_at,
)
from lemnicore.notifications.render import render
from lemnicore.notifications.sentlog import AppointmentRef, DeliveryState, SentLog
from lemnicore.notifications.transport import (
    ChannelPausedError,
    HandOver,
    HandOverCheck,
    PermanentTransportError,
    TransientTransportError,
    Transport,
    TransportError,
)
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import Channel, Client
from lemnicore.services.booking import authorize_in
from lemnicore.storage.ports import Store, UnitOfWork
from lemnicore.timekeeping import require_aware, to_utc, zone

GUARD_LOOKBACK = timedelta(hours=100)
"""D8: the longest guard is 99 hours; older messages cannot block a reminder."""


@attrs.frozen
class RetryPolicy:
    """D15: capped exponential backoff with full jitter, and what to do after a crash.

    Delay before attempt n+1 is ``random(0, min(cap, base · 2^(n-1)))``, at least the
    provider's ``Retry-After``. After ``max_attempts`` a transient failure is final.
    A row SENDING for longer than ``stale_after`` was interrupted by a crash: with
    ``resend_interrupted`` it is sent again under its idempotency key, otherwise it is
    recorded as failed ("delivery unknown") for staff to check — for transports that
    cannot ask their provider. Those that can (``check_handover``) settle the row from
    the provider's record; when the provider cannot tell, the row goes on the staff work
    list as "delivery unknown", or with ``resend_unknown`` is sent again. A provider that
    cannot be reached is asked again at each dispatch for ``keep_asking``.
    """

    base: timedelta = timedelta(minutes=1)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 8
    stale_after: timedelta = timedelta(minutes=10)
    resend_interrupted: bool = True
    pause: timedelta = timedelta(hours=1)
    resend_unknown: bool = False
    keep_asking: timedelta = timedelta(hours=6)

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None) -> timedelta:
        ceiling = min(self.cap, self.base * (2 ** max(attempt - 1, 0)))
        jittered = timedelta(seconds=rng.uniform(0, ceiling.total_seconds()))
        if retry_after is not None:
            jittered = max(jittered, timedelta(seconds=retry_after))
        return jittered


@attrs.frozen
class DispatchOutcome:
    """What happened to one outbox row in a dispatch."""

    message_id: str
    key: str
    kind: MessageKind
    channel: Channel
    address: str
    state: DeliveryState
    detail: str = ""


@attrs.frozen
class RunReport:
    """One run: the plan, the rows written to the outbox, and the dispatch outcomes."""

    plan: RunPlan
    enqueued: list[OutboxMessage]
    dispatched: list[DispatchOutcome]
    dry_run: bool = False
    shortened: tuple[tuple[str, str], ...] = ()
    """D13: (outbox message id, how it was shortened) for each text shortened to fit."""


@attrs.frozen
class Explanation:
    """The answer to "why was this appointment (not) notified?"."""

    appointment: Appointment
    now: datetime
    reminder_due_at: datetime
    due: list[DueMessage]
    skips: list[Skip]
    messages: list[OutboxMessage]
    history: list[AppointmentMessageEntry]

    @property
    def last_notified_at(self) -> datetime | None:
        return last_notified_at(self.history)

    def lines(self, tz_name: str = "Europe/Berlin") -> list[str]:
        tz = zone(tz_name)
        a = self.appointment
        out = [
            f"Appointment {a.id}: {a.start.astimezone(tz):%a %d.%m.%Y %H:%M}, status {a.status.value},"
            f" sequence {a.sequence}",
            f"Reminder due at {self.reminder_due_at.astimezone(tz):%d.%m.%Y %H:%M}",
        ]
        for m in self.messages:
            when = (m.sent_at or m.created_at).astimezone(tz)
            note = f" ({m.failure})" if m.failure else ""
            out.append(
                f"  {m.kind.value} via {m.channel.value} to {m.address}: {m.state.value}"
                f" {when:%d.%m.%Y %H:%M}{note}"
            )
        for d in self.due:
            out.append(f"  due now: {d.kind.value} via {d.channel.value} to {d.address}")
        for s in self.skips:
            out.append(f"  {s.kind.value}: {s.reason.value} — {s.detail}")
        if not self.due and not self.skips and not self.messages:
            out.append("  nothing to say: no message is planned")
        return out


class NotificationService:
    """Confirmations and reminders for one store (SPEC D).

    ``policy=None`` reads the policy document from the store (default policy if none).
    ``transports`` carry the automatic channels; letter and phone go to the work list.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        transports: Iterable[Transport] = (),
        policy: NotificationPolicy | None = None,
        *,
        retry: RetryPolicy = RetryPolicy(),
        rng: random.Random | None = None,
        new_id: IdFactory = new_id,
    ) -> None:
        self.store = store
        self.clock = clock
        self.transports = list(transports)
        self._policy = policy
        self.retry = retry
        self._rng = rng or random.Random()
        self._new_id = new_id

    # -- policy --------------------------------------------------------------------------

    def policy(self, uow: UnitOfWork | None = None) -> NotificationPolicy:
        if self._policy is not None:
            return self._policy
        if uow is None:
            with self.store.unit_of_work(write=False) as own:
                return self.policy(own)
        return uow.notification_policies.find("default") or NotificationPolicy()

    def save_policy(self, policy: NotificationPolicy) -> None:
        """Store ``policy`` as the store's policy document (D2: unknown branch codes are
        refused)."""
        with self.store.unit_of_work() as uow:
            codes = check_branch_codes(policy.branch_codes, uow.branches.all())
            uow.notification_policies.put(attrs.evolve(policy, id="default", branch_codes=codes))
            uow.commit()

    @property
    def channels(self) -> frozenset[Channel]:
        found: set[Channel] = set()
        for transport in self.transports:
            found |= transport.channels
        return frozenset(found)

    # -- planning ------------------------------------------------------------------------

    def _facts(self, uow: UnitOfWork) -> PracticeFacts:
        organisations = uow.organisations.all()
        if not organisations:
            raise StoreError(f"{self.store.url} holds no organisation: nothing to notify")
        branches = {b.id: b for b in uow.branches.all()}
        rooms = {r.id: r for r in uow.rooms.all()}
        practitioners = {p.id: p.name for p in uow.practitioners.all()}
        return PracticeFacts(
            organisation=organisations[0],
            branches_by_room={
                r.id: branches[r.branch_id] for r in rooms.values() if r.branch_id in branches
            },
            types={t.id: t for t in uow.appointment_types.all()},
            import_runs={r.id: r for r in uow.import_runs.all()},
            rooms=rooms,
            practitioner_names={
                c.id: practitioners.get(c.owner_id, "") for c in uow.calendars.all()
            },
        )

    def _plan(
        self,
        uow: UnitOfWork,
        policy: NotificationPolicy,
        now: datetime,
        appointments: list[Appointment] | None = None,
        *,
        verbose: bool = False,
    ) -> tuple[RunPlan, PracticeFacts, Mapping[str, Client]]:
        if policy.branch_codes:
            check_branch_codes(policy.branch_codes, uow.branches.all())  # D2
        facts = self._facts(uow)
        if appointments is None:
            # Only the due window is read, through the start index: the union of the
            # windows of every zone the branches are in.
            zones = {zone(b.time_zone) for b in facts.branches_by_room.values()}
            zones.add(zone(facts.organisation.time_zone))
            reminder = [reading_window(policy, now, tz) for tz in zones]
            confirm = [confirmation_window(now, tz) for tz in zones]
            found = {
                a.id: a
                for a in uow.appointments.starting_between(
                    min(w[0] for w in reminder), max(w[1] for w in reminder)
                )
            }
            for a in uow.notification_log.needing_notice(
                min(w[0] for w in confirm), max(w[1] for w in confirm)
            ):
                found.setdefault(a.id, a)
            appointments = list(found.values())
        clients = _ClientsOnDemand(uow)
        ids = [a.id for a in appointments]
        client_ids = {a.client_id for a in appointments if a.client_id}
        sent = SentLog(
            uow.notification_log.sent_records(ids),
            last_contacts=uow.notification_log.last_contacts(client_ids, now - GUARD_LOOKBACK),
        )
        plan = plan_run(
            policy,
            now,
            appointments,
            clients,
            sent,
            facts,
            channels=self.channels if self.transports else None,
            verbose=verbose,
        )
        return plan, facts, clients

    def plan(self, now: datetime | None = None, *, verbose: bool = False) -> RunPlan:
        """What a run at ``now`` would send and skip; writes nothing (``--dry-run``)."""
        now = require_aware(now or self.clock.now(), "now")
        with self.store.unit_of_work(write=False) as uow:
            return self._plan(uow, self.policy(uow), now, verbose=verbose)[0]

    # -- running -------------------------------------------------------------------------

    def run(self, *, dry_run: bool = False, now: datetime | None = None) -> RunReport:
        """One run of the service: plan, enqueue and dispatch (D5, D15).

        ``now`` (default: the clock) is the run's moment for all three: a run at X also
        sends at X and records X as the sending time (the clock itself is not changed).
        """
        if dry_run:
            return RunReport(self.plan(now), [], [], dry_run=True)
        plan, enqueued, shortened = self._enqueue(now)
        sender = self
        if now is not None:
            sender = copy.copy(self)
            sender.clock = _StoppedClock(to_utc(require_aware(now, "now")))
        return RunReport(plan, enqueued, sender.dispatch(), shortened=shortened)

    def enqueue(self, now: datetime | None = None) -> tuple[RunPlan, list[OutboxMessage]]:
        """Plan and write the due messages to the outbox in one transaction (D15)."""
        plan, enqueued, _ = self._enqueue(now)
        return plan, enqueued

    def _enqueue(
        self, now: datetime | None
    ) -> tuple[RunPlan, list[OutboxMessage], tuple[tuple[str, str], ...]]:
        now = to_utc(require_aware(now or self.clock.now(), "now"))
        enqueued: list[OutboxMessage] = []
        shortened: list[tuple[str, str]] = []
        with self.store.unit_of_work() as uow:
            policy = self.policy(uow)
            plan, facts, clients = self._plan(uow, policy, now)
            for due in plan.due:
                if uow.notification_log.by_key(due.key) is not None:
                    continue  # planned before (a run repeated after a crash)
                rendered = render(due, clients[due.client_id], policy, facts, now=now)
                message = OutboxMessage(
                    id=self._new_id(),
                    key=due.key,
                    kind=due.kind,
                    client_id=due.client_id,
                    appointments=due.refs,
                    channel=due.channel,
                    address=due.address,
                    text=rendered.text,
                    subject=rendered.subject,
                    attachments=rendered.attachments,
                    created_at=now,
                    due_at=due.due_at,
                    state=DeliveryState.WORK_LIST if due.on_work_list else DeliveryState.PENDING,
                    next_attempt_at=now,
                )
                uow.notification_log.add(message)
                enqueued.append(message)
                if rendered.shortened:
                    shortened.append((message.id, rendered.shortened))
            uow.commit()
        return plan, enqueued, tuple(shortened)

    def _transport_for(self, channel: Channel) -> Transport | None:
        return next((t for t in self.transports if channel in t.channels), None)

    def reconcile(self) -> list[DispatchOutcome]:
        """D15: settle rows left SENDING by a crash between hand-over and record.

        A transport that can ask its provider (``check_handover``, see
        :class:`~lemnicore.notifications.transport.ReconcilingTransport`) decides: the
        provider has it → recorded as sent; no record → sent again; cannot tell → the
        row goes on the staff work list as "delivery unknown" (or is sent again with
        ``RetryPolicy.resend_unknown``). Other transports keep ``resend_interrupted``.
        The provider is asked outside any write transaction.
        """
        now = to_utc(self.clock.now())
        with self.store.unit_of_work(write=False) as uow:
            stale = [
                m
                for m in uow.notification_log.in_state(DeliveryState.SENDING)
                # younger rows are probably still in flight in another process
                if now - (m.attempt_started_at or m.created_at) >= self.retry.stale_after
            ]
        outcomes: list[DispatchOutcome] = []
        for interrupted in stale:
            answer = _ask_provider(self._transport_for(interrupted.channel), interrupted)
            outcome = self._settle_interrupted(interrupted, answer, now)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _settle_interrupted(
        self, interrupted: OutboxMessage, answer: HandOverCheck | str | None, now: datetime
    ) -> DispatchOutcome | None:
        """D15: write what ``_ask_provider`` found out about one interrupted row."""
        started = interrupted.attempt_started_at or interrupted.created_at
        changes: dict[str, object]
        if (
            isinstance(answer, str)
            and now - started < self.retry.stale_after + self.retry.keep_asking
        ):
            return _outcome(interrupted, f"waits: {answer}")  # ask again next dispatch
        if answer is None:  # a transport that cannot be asked: the older rule
            if self.retry.resend_interrupted:
                changes = {"state": DeliveryState.PENDING, "next_attempt_at": now}
                detail = "interrupted; sending again under the same key"
            else:
                detail = "interrupted after handing over; delivery unknown"
                changes = {"state": DeliveryState.FAILED, "failure": detail}
        elif isinstance(answer, str) or answer.status is HandOver.UNKNOWN:
            why = answer if isinstance(answer, str) else answer.detail
            if self.retry.resend_unknown:
                changes = {"state": DeliveryState.PENDING, "next_attempt_at": now}
                detail = f"delivery unknown ({why}); sending again as configured"
            else:
                detail = f"delivery unknown: interrupted after handing over; {why}"
                changes = {"state": DeliveryState.WORK_LIST, "failure": detail}
        elif answer.status is HandOver.NOT_DONE:
            changes = {"state": DeliveryState.PENDING, "next_attempt_at": now}
            detail = f"interrupted before the provider had it ({answer.detail}); sending again"
        else:
            delivery = answer.delivery
            changes = {
                "state": DeliveryState.SENT,
                "failure": "",
                "sent_at": started,
                "provider": delivery.provider if delivery else "",
                "provider_message_id": delivery.provider_message_id if delivery else None,
            }
            detail = f"interrupted after handing over; {answer.detail}"
        with self.store.unit_of_work() as uow:
            current = uow.notification_log.get(interrupted.id)
            if (
                current.state is not DeliveryState.SENDING
                or current.attempt_started_at != interrupted.attempt_started_at
            ):
                return None  # another dispatcher settled it meanwhile
            settled = attrs.evolve(current, **changes)  # type: ignore[arg-type]
            uow.notification_log.update(settled)
            if settled.state is DeliveryState.SENT:
                self._record_history(uow, settled, started)
            uow.commit()
        return _outcome(settled, detail)

    def dispatch(self) -> list[DispatchOutcome]:
        """Send every ready outbox row; retry transient failures later (D15)."""
        outcomes = self.reconcile()
        now = to_utc(self.clock.now())
        with self.store.unit_of_work(write=False) as uow:
            ready = uow.notification_log.ready(now)
            if not ready:
                return outcomes
            policy = self.policy(uow)
            facts = self._facts(uow)
        paused: dict[Channel, str] = {}
        for candidate in ready:
            if candidate.channel in paused:
                outcomes.append(_outcome(candidate, f"channel paused: {paused[candidate.channel]}"))
                continue
            outcome = self._send_one(candidate.id, paused, policy, facts)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _send_one(
        self,
        message_id: str,
        paused: dict[Channel, str],
        policy: NotificationPolicy,
        facts: PracticeFacts,
    ) -> DispatchOutcome | None:
        now = to_utc(self.clock.now())
        with self.store.unit_of_work() as uow:
            message = uow.notification_log.get(message_id)
            if message.state is not DeliveryState.PENDING:
                return None  # another dispatcher took it
            listed = [uow.appointments.find(r.appointment_id) for r in message.appointments]
            appointments = [a for a in listed if a is not None]
            if appointments:
                # A retry must not slip into the night either (D6, D7).
                quiet = quiet_reason(policy, now, facts.time_zone(appointments[0]))
                if quiet is not None:
                    return _outcome(message, f"waits: {quiet[1]}")
            if message.kind is MessageKind.REMINDER and all(
                a.start <= now or a.status is not AppointmentStatus.BOOKED for a in appointments
            ):
                expired = attrs.evolve(
                    message,
                    state=DeliveryState.FAILED,
                    failure="expired: the appointment began or was cancelled before sending",
                )
                uow.notification_log.update(expired)
                uow.commit()
                return _outcome(expired, expired.failure)
            transport = self._transport_for(message.channel)
            if transport is None:
                failed = attrs.evolve(
                    message,
                    state=DeliveryState.FAILED,
                    failure=f"no transport configured for {message.channel.value}",
                )
                uow.notification_log.update(failed)
                uow.commit()
                return _outcome(failed, failed.failure)
            sending = attrs.evolve(
                message,
                state=DeliveryState.SENDING,
                attempts=message.attempts + 1,
                attempt_started_at=now,
            )
            uow.notification_log.update(sending)
            uow.commit()
        try:
            delivery = transport.send(sending.outgoing())
        except ChannelPausedError as exc:
            paused[sending.channel] = str(exc)
            return self._finish(
                sending,
                state=DeliveryState.PENDING,
                failure=f"channel paused: {exc}",
                next_attempt_at=now + self.retry.pause,
                attempts=sending.attempts - 1,
            )
        except TransientTransportError as exc:
            if sending.attempts >= self.retry.max_attempts:
                return self._finish(
                    sending,
                    state=DeliveryState.FAILED,
                    failure=f"gave up after {sending.attempts} attempts: {exc}",
                )
            wait = self.retry.delay(sending.attempts, self._rng, exc.retry_after)
            return self._finish(
                sending,
                state=DeliveryState.PENDING,
                failure=f"temporary: {exc}",
                next_attempt_at=now + wait,
            )
        except (PermanentTransportError, TransportError) as exc:
            return self._finish(sending, state=DeliveryState.FAILED, failure=str(exc))
        except Exception as exc:
            # F4: a transport that breaks in a way it did not declare (a bug, a provider
            # SDK's own error) fails this message with its reason; the run goes on and the
            # messages behind it still go out. Retrying would only hit the bug again.
            # (BaseException — a crash, Ctrl-C — is left to reconcile(), D15.)
            return self._finish(
                sending,
                state=DeliveryState.FAILED,
                failure=f"transport failed unexpectedly: {type(exc).__name__}: {exc}",
            )
        return self._finish(
            sending,
            state=DeliveryState.SENT,
            failure="",
            sent_at=to_utc(self.clock.now()),
            provider=delivery.provider,
            provider_message_id=delivery.provider_message_id,
        )

    def _finish(self, message: OutboxMessage, **changes: object) -> DispatchOutcome:
        with self.store.unit_of_work() as uow:
            done = attrs.evolve(message, **changes)  # type: ignore[arg-type]
            uow.notification_log.update(done)
            if done.state is DeliveryState.SENT:
                self._record_history(uow, done, done.sent_at or to_utc(self.clock.now()))
            uow.commit()
        return _outcome(done, done.failure)

    def _record_history(self, uow: UnitOfWork, message: OutboxMessage, at: datetime) -> None:
        """D14: the client's history gets channel, address, text, time; each appointment
        gets time and address."""
        if message.client_id is not None:
            uow.message_history.add_client_entry(
                ClientMessageEntry(
                    self._new_id(),
                    message.client_id,
                    at,
                    message.kind,
                    message.channel,
                    message.address,
                    message.text,
                    message.key,
                )
            )
        for ref in message.appointments:
            uow.message_history.add_appointment_entry(
                AppointmentMessageEntry(
                    self._new_id(),
                    ref.appointment_id,
                    at,
                    message.kind,
                    message.channel,
                    message.address,
                    message.key,
                )
            )

    # -- staff ---------------------------------------------------------------------------

    def record_manual_message(
        self,
        actor: Actor,
        client_id: str,
        *,
        channel: Channel,
        address: str,
        text: str,
        appointment_ids: Iterable[str] = (),
    ) -> OutboxMessage:
        """A message staff sent by hand: counts for the guard (D8) and as notification (D10)."""
        now = to_utc(self.clock.now())
        with self.store.unit_of_work() as uow:
            gate = AccessGateway(uow, actor)
            gate.client("NotificationService.record_manual_message", uow.clients.get(client_id))
            refs = tuple(
                AppointmentRef(a.id, a.sequence)
                for a in (uow.appointments.get(i) for i in appointment_ids)
            )
            message = OutboxMessage(
                id=self._new_id(),
                key=f"manual-{self._new_id()}",
                kind=MessageKind.MANUAL,
                client_id=client_id,
                appointments=refs,
                channel=Channel(channel),
                address=address,
                text=text,
                created_at=now,
                due_at=now,
                state=DeliveryState.SENT,
                sent_at=now,
            )
            uow.notification_log.add(message)
            self._record_history(uow, message, now)
            uow.commit()
        return message

    def work_list(self, actor: Actor, organisation_id: str) -> list[OutboxMessage]:
        """D12: letters to write and calls to make for ``organisation_id``'s clients (B1:
        only clients the actor may see)."""
        with self.store.unit_of_work(write=False) as uow:
            gate = AccessGateway(uow, actor)
            relation = gate.organisation("NotificationService.work_list", organisation_id)
            found: list[OutboxMessage] = []
            for message in uow.notification_log.in_state(DeliveryState.WORK_LIST):
                client = uow.clients.find(message.client_id) if message.client_id else None
                if (
                    client is not None
                    and client.organisation_id == organisation_id
                    and gate.sees_client(client, relation)
                ):
                    found.append(message)
            return found

    def complete_work_item(self, actor: Actor, message_id: str) -> OutboxMessage:
        """Staff wrote the letter or made the call: recorded like a sent message (D14)."""
        now = to_utc(self.clock.now())
        with self.store.unit_of_work() as uow:
            message = uow.notification_log.get(message_id)
            self._require_client(uow, actor, "complete_work_item", message.client_id)
            if message.state is not DeliveryState.WORK_LIST:
                raise ValidationError(
                    "state",
                    f"message {message_id!r} is {message.state.value}, not on the work list",
                )
            done = attrs.evolve(message, state=DeliveryState.DONE, sent_at=now)
            uow.notification_log.update(done)
            self._record_history(uow, done, now)
            uow.commit()
        return done

    # -- questions -----------------------------------------------------------------------

    def client_history(self, actor: Actor, client_id: str) -> list[ClientMessageEntry]:
        """D14: the messages sent to a client, with texts (B1: the client's practice)."""
        with self.store.unit_of_work(write=False) as uow:
            self._require_client(uow, actor, "client_history", client_id)
            return uow.message_history.of_client(client_id)

    def appointment_history(
        self, actor: Actor, appointment_id: str
    ) -> list[AppointmentMessageEntry]:
        """D14: the messages about an appointment (time, address)."""
        with self.store.unit_of_work(write=False) as uow:
            appointment = uow.appointments.get(appointment_id)
            AccessGateway(uow, actor).calendar(
                "NotificationService.appointment_history", appointment.calendar_id
            )
            return uow.message_history.of_appointment(appointment_id)

    def why(self, actor: Actor, appointment_id: str, now: datetime | None = None) -> Explanation:
        """Why an appointment was or was not confirmed or reminded (all reasons, D1–D18).

        Shows addresses and texts: for the owner and their practice's desk (B1)."""
        now = to_utc(require_aware(now or self.clock.now(), "now"))
        with self.store.unit_of_work(write=False) as uow:
            appointment = uow.appointments.get(appointment_id)
            AccessGateway(uow, actor).calendar("NotificationService.why", appointment.calendar_id)
            policy = self.policy(uow)
            # The client's other appointments matter for combining (D9) and grouping (D8).
            others = (
                uow.appointments.of_client(appointment.client_id) if appointment.client_id else []
            )
            plan, _, _ = self._plan(uow, policy, now, [appointment, *others], verbose=True)
            messages = uow.notification_log.for_appointments([appointment_id])
            history = uow.message_history.of_appointment(appointment_id)
        return Explanation(
            appointment=appointment,
            now=now,
            reminder_due_at=to_utc(appointment.start)
            - timedelta(hours=policy.reminder.hours_before),
            due=plan.messages_for(appointment_id),
            skips=plan.skips_for(appointment_id),
            messages=messages,
            history=history,
        )

    @staticmethod
    def _require_client(uow: UnitOfWork, actor: Actor, method: str, client_id: str | None) -> None:
        gate = AccessGateway(uow, actor)
        operation = f"NotificationService.{method}"
        if client_id is None:
            # No client to measure against: only the system may (deny by default).
            gate.require(operation, gate.relation_without_data())
            return
        gate.client(operation, uow.clients.get(client_id))

    def last_notification_at(self, actor: Actor, appointment_id: str) -> datetime | None:
        """D14: when the appointment was last notified — by any message recorded in its
        history (confirmation, reminder, cancellation, a manual one) — or ``None``.

        B1: ``actor`` must be allowed to see the appointment's calendar.
        """
        with self.store.unit_of_work(write=False) as uow:
            appointment = uow.appointments.get(appointment_id)
            authorize_in(
                uow,
                actor,
                Permission.VIEW,
                appointment.calendar_id,
                "NotificationService.last_notification_at",
            )
            return last_notified_at(uow.message_history.of_appointment(appointment_id))


class _StoppedClock:
    """A clock that always says ``moment``: a run at ``now=X`` also sends at X (D5)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


class _ClientsOnDemand(Mapping[str, Client]):
    """Client records read when the planner first asks for them.

    Most appointments in a run's window are not due, and the planner asks for a client
    only once an appointment's timing says a message is due (or in verbose mode).
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._found: dict[str, Client | None] = {}

    def _load(self, client_id: str) -> Client | None:
        if client_id not in self._found:
            self._found[client_id] = self._uow.clients.find(client_id)
        return self._found[client_id]

    def __getitem__(self, client_id: str) -> Client:
        client = self._load(client_id)
        if client is None:
            raise KeyError(client_id)
        return client

    def __contains__(self, client_id: object) -> bool:
        return isinstance(client_id, str) and self._load(client_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, v in self._found.items() if v is not None])

    def __len__(self) -> int:
        return sum(1 for v in self._found.values() if v is not None)


def _ask_provider(
    transport: Transport | None, message: OutboxMessage
) -> HandOverCheck | str | None:
    """D15, F4: ask ``transport`` whether an interrupted ``message`` reached its provider.

    ``None``: the transport cannot be asked. A string: the provider could not be asked
    right now (a transient error) — try again later. Any other failure of the lookup,
    expected or not, reads as "the provider cannot tell".
    """
    check = getattr(transport, "check_handover", None)
    if check is None:
        return None
    since = message.attempt_started_at or message.created_at
    try:
        answer = check(message.outgoing(), since)
    except TransientTransportError as exc:
        return f"could not ask the provider: {exc}"
    except Exception as exc:  # a plugin's lookup must not stop the run (F4)
        return HandOverCheck(HandOver.UNKNOWN, detail=f"the lookup failed: {exc}")
    if not isinstance(answer, HandOverCheck):
        return HandOverCheck(HandOver.UNKNOWN, detail="the transport gave no answer")
    return answer


def _outcome(message: OutboxMessage, detail: str) -> DispatchOutcome:
    return DispatchOutcome(
        message.id,
        message.key,
        message.kind,
        message.channel,
        message.address,
        message.state,
        detail,
    )


__all__ = [
    "DispatchOutcome",
    "Explanation",
    "NotificationService",
    "RetryPolicy",
    "RunReport",
]
