"""D1–D18: the notification planner — which messages are due at ``now``, and why not others.

A pure function: it takes the policy, the appointments the service read, the clients, the
sent-log, the practice facts and ``now``, and returns a :class:`RunPlan`. It does no I/O and
never reads a clock, so every rule can be stated in a test of a few lines.

For each appointment and each kind the planner asks three things in turn:

1. *static gates* — status, type, group, client, branch filter, import options (D1, D2,
   D16, D17): reasons that do not change by waiting;
2. *timing* — is a message of this kind due in this run at all (D5, D6, D10)?
3. *dynamic gates* — start date, consent, channel, the hour after a change, quiet hours,
   blackout windows, the double-message guard (D3, D4, D6–D8, D12).

A skipped appointment gets a :class:`Skip` with a :class:`SkipReason`. Reasons of step 1
and "not yet due" are reported only in ``verbose`` mode or when the message would
otherwise be due now, so a run's report lists what matters and ``why`` lists everything.
"""

from __future__ import annotations

import bisect
import enum
import hashlib
import operator
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from lemnicore.errors import ValidationError
from lemnicore.importing.runs import ImportRun
from lemnicore.notifications.policy import WORK_LIST_CHANNELS, MessageKind, NotificationPolicy
from lemnicore.notifications.sentlog import AppointmentRef, SentLog
from lemnicore.notifications.windows import quiet_window_at, reminder_horizon
from lemnicore.scheduling.appointments import Appointment, AppointmentStatus
from lemnicore.scheduling.clients import NO_MESSAGE, Channel, Client
from lemnicore.scheduling.practice import AppointmentType, Branch, Organisation, Room
from lemnicore.timekeeping import local_datetime, require_aware, to_utc, zone

CHANGE_GRACE = timedelta(hours=1)
"""D4: a message made possible at T (consent on, contact added) goes out no earlier than T+1h."""

AUTOMATIC_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.THREEMA})


class SkipReason(enum.StrEnum):
    """Why an appointment gets no message of a kind in this run."""

    SERVICE_OFF = "service_off"
    KIND_OFF = "kind_off"
    PROPOSED = "proposed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    COMPLETED = "completed"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    GROUP_APPOINTMENT = "group_appointment"
    NO_CLIENT = "no_client"
    OUTSIDE_BRANCH_FILTER = "outside_branch_filter"
    IMPORTED_NOT_CONFIRMED = "imported_not_confirmed"
    IMPORTED_NOT_REMINDED = "imported_not_reminded"
    ALREADY_NOTIFIED = "already_notified"
    PREVIOUS_ATTEMPT_FAILED = "previous_attempt_failed"
    NOT_YET_DUE = "not_yet_due"
    PAST = "past"
    TODAY = "today"
    BEFORE_START_DATE = "before_start_date"
    CLIENT_ERASED = "client_erased"
    NO_MESSAGE_PREFERENCE = "no_message_preference"
    NO_CONSENT = "no_consent"
    NO_CHANNEL = "no_channel"
    CHANGED_TOO_RECENTLY = "changed_too_recently"
    QUIET_HOURS = "quiet_hours"
    BLACKOUT_WINDOW = "blackout_window"
    DOUBLE_MESSAGE_GUARD = "double_message_guard"

    @property
    def waits(self) -> bool:
        """Whether a later run may still send the message (vs. it will never be sent)."""
        return self in _WAITING


_WAITING = frozenset(
    {
        SkipReason.NOT_YET_DUE,
        SkipReason.BEFORE_START_DATE,
        SkipReason.QUIET_HOURS,
        SkipReason.BLACKOUT_WINDOW,
        SkipReason.NO_CONSENT,
        SkipReason.NO_CHANNEL,
    }
)


@attrs.frozen
class Skip:
    """An appointment that gets no message of ``kind`` now, with the reason (D1–D18)."""

    appointment_id: str
    kind: MessageKind
    reason: SkipReason
    detail: str = ""


@attrs.frozen
class DueMessage:
    """One message to send now: to one client, listing one or more appointments."""

    kind: MessageKind
    client_id: str
    appointments: tuple[Appointment, ...]
    channel: Channel
    address: str
    key: str
    due_at: datetime

    @property
    def on_work_list(self) -> bool:
        """D12: letters and calls are done by staff, from a work list."""
        return self.channel in WORK_LIST_CHANNELS

    @property
    def refs(self) -> tuple[AppointmentRef, ...]:
        return tuple(AppointmentRef(a.id, a.sequence) for a in self.appointments)


@attrs.frozen
class RunPlan:
    """What one run sends (``due``) and what it does not, with reasons (``skipped``)."""

    now: datetime
    due: list[DueMessage]
    skipped: list[Skip]

    def skips_for(self, appointment_id: str) -> list[Skip]:
        return [s for s in self.skipped if s.appointment_id == appointment_id]

    def messages_for(self, appointment_id: str) -> list[DueMessage]:
        return [m for m in self.due if any(a.id == appointment_id for a in m.appointments)]


@attrs.frozen
class PracticeFacts:
    """The master data the planner needs besides appointments and clients."""

    organisation: Organisation
    branches_by_room: Mapping[str, Branch]
    types: Mapping[str, AppointmentType]
    import_runs: Mapping[str, ImportRun] = attrs.field(factory=dict)
    rooms: Mapping[str, Room] = attrs.field(factory=dict)
    practitioner_names: Mapping[str, str] = attrs.field(factory=dict)
    """Calendar id → the practitioner's name, for the ``{practitioner}`` placeholder."""

    def time_zone(self, appointment: Appointment) -> ZoneInfo:
        branch = self.branches_by_room.get(appointment.room_id)
        return zone(branch.time_zone if branch else self.organisation.time_zone)


def notification_key(
    kind: MessageKind,
    client_id: str,
    refs: Iterable[AppointmentRef],
    channel: Channel,
    due_at: datetime | None,
) -> str:
    """D15: the idempotency key of a message — (appointment set, kind, due time).

    The same situation always gives the same key, so a restarted run or a retried send is
    recognised by the outbox and by providers that honour keys.
    """
    listed = [f"{r.appointment_id}@{r.sequence}" for r in refs]
    return _key(kind, client_id, listed, channel, due_at)


def _key(
    kind: MessageKind,
    client_id: str,
    listed: list[str],
    channel: Channel,
    due_at: datetime | None,
) -> str:
    """:func:`notification_key` from ``"appointment id@sequence"`` strings (sorted here):
    the planner's hot path builds no :class:`AppointmentRef` just to hash it."""
    listed.sort()
    # Both enums are StrEnums: the members are their values as text.
    parts = [kind, client_id, channel, *listed]
    if due_at is not None:
        parts.append(due_at.astimezone(UTC).isoformat())
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f"{kind}-{digest}"


def confirmation_window(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """D10: from the next local day to the end of the next calendar quarter.

    >>> from datetime import UTC
    >>> start, end = confirmation_window(datetime(2026, 3, 31, 10, tzinfo=UTC), zone("Europe/Berlin"))
    >>> start.date().isoformat(), end.date().isoformat()
    ('2026-04-01', '2026-07-01')
    """
    today = now.astimezone(tz).date()
    start = local_datetime(today + timedelta(days=1), time(0), tz)
    quarter = (today.month - 1) // 3
    first_month = 3 * (quarter + 2)  # 0-based month index of the quarter after next
    year = today.year + first_month // 12
    end = local_datetime(date(year, first_month % 12 + 1, 1), time(0), tz)
    return start, end


def check_branch_codes(codes: Iterable[str], branches: Iterable[Branch]) -> frozenset[str]:
    """D2: the codes as the branches spell them; a code that is no branch's (compared
    case-insensitively) is refused, naming it.

    A typo (``HX1`` for ``HH1``) would otherwise silently stop every message.

    >>> sorted(check_branch_codes({"hh1"}, [Branch("b-1", "org-1", "HH1", "Hamburg")]))
    ['HH1']
    >>> check_branch_codes({"HX1"}, [Branch("b-1", "org-1", "HH1", "Hamburg")])
    Traceback (most recent call last):
    ...
    lemnicore.errors.ValidationError: branch_codes: no branch has the code HX1 (known: HH1)
    """
    known = {b.code.casefold(): b.code for b in branches}
    unknown = sorted(c for c in codes if c.casefold() not in known)
    if unknown:
        listed = ", ".join(sorted(known.values())) or "none"
        raise ValidationError(
            "branch_codes",
            f"no branch has the code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
            f" (known: {listed})",
        )
    return frozenset(known[c.casefold()] for c in codes)


def change_settled_at(client: Client) -> datetime | None:
    """D4: when the latest consent or contact change has been in place for an hour."""
    changes = [t for t in (client.consent_changed_at, client.contact_changed_at) if t]
    return to_utc(max(changes)) + CHANGE_GRACE if changes else None


def choose_channel(
    client: Client,
    kind: MessageKind,
    policy: NotificationPolicy,
    available: frozenset[Channel] | None,
) -> tuple[Channel, str] | None:
    """D12: the client's preferred channel first, then the template's order.

    A channel qualifies when the template has a text for ``kind`` on it, the client has an
    address for it and (for automatic channels) a transport for it is available.
    """
    order: list[Channel] = list(policy.template.channel_order)
    if client.preferred_channel and client.preferred_channel != NO_MESSAGE:
        preferred = Channel(client.preferred_channel)
        order = [preferred, *(c for c in order if c is not preferred)]
    for channel in order:
        if policy.template.text_for(channel, kind) is None:
            continue
        if available is not None and channel not in available and channel in AUTOMATIC_CHANNELS:
            continue
        address = client.address_for(channel)
        if address:
            return channel, address
    return None


_STATUS_REASON = {
    AppointmentStatus.PROPOSED: SkipReason.PROPOSED,
    AppointmentStatus.CANCELLED: SkipReason.CANCELLED,
    AppointmentStatus.NO_SHOW: SkipReason.NO_SHOW,
    AppointmentStatus.COMPLETED: SkipReason.COMPLETED,
}

_BY_ID = operator.attrgetter("id")
_BY_START = operator.attrgetter("start")
_UNKNOWN: tuple[SkipReason, str] = (SkipReason.TYPE_NOT_ALLOWED, "")
"""A marker for "not looked up yet" in the planner's per-type cache."""


class _Place:
    """What a run knows about a place — a zone and a branch (D2, D5, D6, D10): the same
    for every appointment there, so it is worked out once per place, not per appointment.
    Rooms of one branch share one place (the planner's caches key on it)."""

    __slots__ = (
        "branch_reason",
        "client_static",
        "confirm_from",
        "confirm_outcomes",
        "confirm_until",
        "gates",
        "horizon",
        "quiet",
        "tz",
    )

    def __init__(self, planner: _Planner, tz: ZoneInfo, code: str | None) -> None:
        self.tz = tz
        # Per client id (plain string keys: a run keeps tens of thousands of them).
        self.client_static: dict[str, tuple[SkipReason, str] | None] = {}
        self.confirm_outcomes: dict[str, tuple[object, str]] = {}
        self.gates: dict[MessageKind, dict[str, tuple[object, str]]] = {}
        # In UTC, like appointment starts: two datetimes with one tzinfo compare by their
        # fields, while a zoned one costs an offset look-up on every comparison.
        confirm_from, confirm_until = planner.confirmation_window(tz)
        self.confirm_from, self.confirm_until = to_utc(confirm_from), to_utc(confirm_until)
        self.horizon = planner.horizon(tz)
        self.quiet = planner.quiet_of(tz)
        self.branch_reason: tuple[SkipReason, str] | None = None
        codes = planner.branch_filter
        if codes and (code or "?").casefold() not in codes:
            self.branch_reason = (
                SkipReason.OUTSIDE_BRANCH_FILTER,
                f"branch {code or '?'} not in filter {','.join(sorted(codes))}",
            )


class _Planner:
    def __init__(
        self,
        policy: NotificationPolicy,
        now: datetime,
        clients: Mapping[str, Client],
        sent: SentLog,
        facts: PracticeFacts,
        available: frozenset[Channel] | None,
        verbose: bool,
    ) -> None:
        self.policy = policy
        # Elapsed-time arithmetic happens in UTC: adding hours to a zoned datetime in
        # Python moves the wall clock, which is wrong across a DST change (D5).
        self.now = to_utc(now)
        self.clients = clients
        self.sent = sent
        self._named = sent.appointment_ids
        self.facts = facts
        self.available = available
        self.verbose = verbose
        self.skipped: list[Skip] = []
        self.hours_before = timedelta(hours=policy.reminder.hours_before)
        self.guard = timedelta(hours=policy.reminder.min_hours_between)
        # D2: branch codes compare case-insensitively.
        self.branch_filter = frozenset(c.casefold() for c in policy.branch_codes)
        # Answers that are the same for every appointment of a run, per zone, room, type
        # and client: a run over 100 000 appointments asks each of them once.
        self._horizons: dict[str, datetime] = {}
        self._windows: dict[str, tuple[datetime, datetime]] = {}
        self._quiet: dict[str, tuple[SkipReason, str] | None] = {}
        self._places: dict[str, _Place] = {}
        self._shared_places: dict[tuple[str, str | None], _Place] = {}
        self._type_reasons: dict[str, tuple[SkipReason, str] | None] = {}
        self._settled: dict[str, datetime | None] = {}
        self._usable: dict[MessageKind, dict[Channel, None]] = {}
        self._ordered: dict[MessageKind, tuple[Channel, ...]] = {}

    def place(self, a: Appointment) -> _Place:
        found = self._places.get(a.room_id)
        if found is None:
            tz = self.facts.time_zone(a)
            branch = self.facts.branches_by_room.get(a.room_id)
            code = branch.code if branch else None
            shared = self._shared_places.get((tz.key, code))
            if shared is None:
                shared = self._shared_places[(tz.key, code)] = _Place(self, tz, code)
            found = self._places[a.room_id] = shared
        return found

    def tz_of(self, a: Appointment) -> ZoneInfo:
        return self.place(a).tz

    def due_at(self, a: Appointment) -> datetime:
        """D5: start − H in elapsed hours (computed in UTC)."""
        start = a.start if a.start.tzinfo is UTC else to_utc(a.start)
        return start - self.hours_before

    def horizon(self, tz: ZoneInfo) -> datetime:
        """D5/D6: reminders due before this instant go out now (in UTC, see _Place)."""
        if tz.key not in self._horizons:
            self._horizons[tz.key] = to_utc(_horizon(self.policy, self.now, tz))
        return self._horizons[tz.key]

    def confirmation_window(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        if tz.key not in self._windows:
            self._windows[tz.key] = confirmation_window(self.now, tz)
        return self._windows[tz.key]

    def quiet_of(self, tz: ZoneInfo) -> tuple[SkipReason, str] | None:
        if tz.key not in self._quiet:
            self._quiet[tz.key] = quiet_reason(self.policy, self.now, tz)
        return self._quiet[tz.key]

    def skip(self, a: Appointment, kind: MessageKind, reason: SkipReason, detail: str = "") -> None:
        self.skipped.append(Skip(a.id, kind, reason, detail))

    # -- gates shared by all kinds -------------------------------------------------------

    def type_reason(self, type_id: str) -> tuple[SkipReason, str] | None:
        """D1: what the appointment type alone rules out."""
        if type_id in self._type_reasons:
            return self._type_reasons[type_id]
        kind = self.facts.types.get(type_id)
        reason: tuple[SkipReason, str] | None = None
        if kind is None:
            reason = SkipReason.TYPE_NOT_ALLOWED, f"unknown appointment type {type_id!r}"
        elif not kind.allows_auto_notifications:
            reason = SkipReason.TYPE_NOT_ALLOWED, f"type {kind.name!r} allows no automatic messages"
        elif kind.is_group:
            reason = SkipReason.GROUP_APPOINTMENT, "group appointments get no automatic messages"
        self._type_reasons[type_id] = reason
        return reason

    def static_gate(self, a: Appointment) -> tuple[SkipReason, str] | None:
        """D1/D2: reasons that waiting cannot change (status handled by the caller)."""
        reason = self.type_reason(a.type_id)
        if reason is not None:
            return reason
        if a.is_group:
            return SkipReason.GROUP_APPOINTMENT, "group appointments get no automatic messages"
        if a.client_id is None:
            return SkipReason.NO_CLIENT, "no client attached"
        if a.client_id not in self.clients:
            return SkipReason.NO_CLIENT, f"client {a.client_id!r} not found"
        return self.place(a).branch_reason

    def client_gate(
        self, a: Appointment, kind: MessageKind
    ) -> tuple[SkipReason, str] | tuple[Channel, str]:
        """D3/D4/D12: start date, erasure, preference, consent, channel."""
        tz = self.tz_of(a)
        start_date = self.policy.start_date
        if start_date is not None and self.now.astimezone(tz).date() < start_date:
            return SkipReason.BEFORE_START_DATE, f"the service starts on {start_date.isoformat()}"
        client = self.clients[a.client_id or ""]
        if client.erased:
            return SkipReason.CLIENT_ERASED, "client record erased"
        if client.preferred_channel == NO_MESSAGE:
            return SkipReason.NO_MESSAGE_PREFERENCE, "client prefers no messages"
        if not client.notification_consent:
            return SkipReason.NO_CONSENT, "client record does not allow automatic messages"
        chosen = self.choose_channel(client, kind)
        if chosen is None:
            return SkipReason.NO_CHANNEL, f"no usable channel for a {kind.value}"
        return chosen

    def choose_channel(self, client: Client, kind: MessageKind) -> tuple[Channel, str] | None:
        """:func:`choose_channel`, with the template's and the transports' part (which
        channels qualify for ``kind``) worked out once per run instead of per client."""
        usable = self._usable.get(kind)
        if usable is None:
            usable = self._usable[kind] = {
                c: None
                for c in Channel
                if self.policy.template.text_for(c, kind) is not None
                and (self.available is None or c in self.available or c not in AUTOMATIC_CHANNELS)
            }
            self._ordered[kind] = tuple(
                c for c in self.policy.template.channel_order if c in usable
            )
        preferred = client.preferred_channel
        if preferred and preferred != NO_MESSAGE:
            channel = Channel(preferred)
            address = client.address_for(channel) if channel in usable else None
            if address:
                return channel, address
        for channel in self._ordered[kind]:
            address = client.address_for(channel)
            if address:
                return channel, address
        return None

    def quiet_gate(self, a: Appointment) -> tuple[SkipReason, str] | None:
        """D6/D7: no run inside quiet hours or a blackout window sends anything."""
        return self.place(a).quiet

    def failed_before(self, a: Appointment, kind: MessageKind) -> str | None:
        record = self.sent.latest(a.id, a.sequence, (kind,))
        if record is not None and not record.state.reached_client:
            return record.failure or "failed"
        return None

    # -- confirmations (D10, D11, D16) ---------------------------------------------------

    def confirmation(self, a: Appointment) -> tuple[Channel, str] | None:
        """D10/D16: the channel and address to confirm ``a`` on now, or None (skips noted).

        Runs once per appointment of the quarter, so the common cases keep to dictionary
        look-ups: what depends only on the place, the type or the client is worked out
        once per run.
        """
        where = self._places.get(a.room_id) or self.place(a)
        start = a.start
        # Only an appointment the sent-log names can have been notified or have failed.
        named = a.id in self._named
        timing: tuple[SkipReason, str] | None = None
        # The window begins tomorrow, so an appointment inside it has not begun.
        if where.confirm_from <= start < where.confirm_until:
            if named:
                notified = self.sent.latest_notice(a.id, a.sequence)
                if notified is not None and notified.state.reached_client:
                    if not self.verbose:
                        return None
                    when = notified.at.astimezone(where.tz)
                    timing = (
                        SkipReason.ALREADY_NOTIFIED,
                        f"{notified.kind.value} at {when:%d.%m.%Y %H:%M}",
                    )
        elif not self.verbose:
            return None  # not due now: nothing to report outside verbose mode
        elif start <= self.now:  # as for reminders: at its start it has begun
            timing = SkipReason.PAST, "appointment has begun"
        elif start < where.confirm_from:
            timing = SkipReason.TODAY, "today's appointments are not confirmed"
        else:
            until = where.confirm_until.astimezone(where.tz)
            timing = (
                SkipReason.NOT_YET_DUE,
                f"beyond the confirmation range ending {until:%d.%m.%Y}",
            )
        type_reason = self._type_reasons.get(a.type_id, _UNKNOWN)
        if type_reason is _UNKNOWN:
            type_reason = self.type_reason(a.type_id)
        client_id = a.client_id
        if (
            timing is None
            and type_reason is None
            and not named
            and a.import_id is None
            and client_id is not None
            and not a.is_group
        ):
            # The common case — due now, never named in a message, not imported: the rest
            # (D1/D2 client and branch, D3/D4/D6/D7/D12) depends only on client and place.
            outcome = where.confirm_outcomes.get(client_id)
            if outcome is None:
                outcome = where.confirm_outcomes[client_id] = self.static_gate(
                    a
                ) or self.dynamic_outcome(a, MessageKind.CONFIRMATION, due_at=None)
            if isinstance(outcome[0], SkipReason):
                self.skip(a, MessageKind.CONFIRMATION, outcome[0], outcome[1])
                return None
            return outcome  # type: ignore[return-value]
        return self._confirmation_gates(a, where, timing, type_reason, named)

    def _confirmation_gates(
        self,
        a: Appointment,
        where: _Place,
        timing: tuple[SkipReason, str] | None,
        type_reason: tuple[SkipReason, str] | None,
        named: bool,
    ) -> tuple[Channel, str] | None:
        """:meth:`confirmation` for the other cases, every gate in its order (D1–D18)."""
        kind = MessageKind.CONFIRMATION
        static = type_reason
        client_id = a.client_id
        if static is None:
            if a.is_group or client_id is None:
                static = self.static_gate(a)
            else:
                known = where.client_static
                static = known.get(client_id, _UNKNOWN)
                if static is _UNKNOWN:
                    static = known[client_id] = self.static_gate(a)
        if static is None and a.import_id is not None:
            run = self.facts.import_runs.get(a.import_id)
            if run is None or not run.sends_confirmations:
                static = (
                    SkipReason.IMPORTED_NOT_CONFIRMED,
                    f"import {a.import_id} sends no confirmations",
                )
        if static is not None:
            self.skip(a, kind, *static)
            return None
        if timing is not None:
            self.skip(a, kind, *timing)  # verbose mode
            return None
        if named:
            failure = self.failed_before(a, kind)
            if failure is not None:
                self.skip(a, kind, SkipReason.PREVIOUS_ATTEMPT_FAILED, failure)
                return None
        return self.dynamic(a, kind, due_at=None)

    # -- reminders (D5–D9, D17) ----------------------------------------------------------

    def reminder_timing(self, a: Appointment, horizon: datetime) -> tuple[SkipReason, str] | None:
        due_at = self.due_at(a)
        if a.start <= self.now:
            return SkipReason.PAST, "appointment has begun"
        if due_at >= horizon:
            # The detail is only shown in verbose mode; formatting it costs.
            when = f"{due_at.astimezone(self.tz_of(a)):%d.%m.%Y %H:%M}" if self.verbose else ""
            return SkipReason.NOT_YET_DUE, f"reminder due at {when}"
        sent = self.sent.latest(a.id, a.sequence, (MessageKind.REMINDER,))
        if sent is not None and sent.state.reached_client:
            return (
                SkipReason.ALREADY_NOTIFIED,
                f"reminded at {sent.at.astimezone(self.tz_of(a)):%d.%m.%Y %H:%M}",
            )
        return None

    def reminder_static(self, a: Appointment) -> tuple[SkipReason, str] | None:
        static = self.static_gate(a)
        if static is None and a.import_id is not None:
            run = self.facts.import_runs.get(a.import_id)
            since = run.reminders_from if run else None
            if since is None:
                return SkipReason.IMPORTED_NOT_REMINDED, f"import {a.import_id} sends no reminders"
            if a.start.astimezone(self.tz_of(a)).date() < since:
                return (
                    SkipReason.IMPORTED_NOT_REMINDED,
                    f"import {a.import_id} reminds from {since.isoformat()} on",
                )
        return static

    def dynamic(
        self, a: Appointment, kind: MessageKind, *, due_at: datetime | None
    ) -> tuple[Channel, str] | None:
        """D3/D4/D6–D8/D12 for ``a``: the channel and address, or None with the skip noted."""
        outcome = self.dynamic_outcome(a, kind, due_at=due_at)
        if isinstance(outcome[0], SkipReason):
            self.skip(a, kind, outcome[0], outcome[1])
            return None
        return outcome

    def dynamic_outcome(
        self, a: Appointment, kind: MessageKind, *, due_at: datetime | None
    ) -> tuple[SkipReason, str] | tuple[Channel, str]:
        """The channel and address for ``a``, or why not (start date, erasure, preference,
        consent, channel, the hour after a change, quiet hours, blackout windows)."""
        where = self.place(a)
        client_id = a.client_id or ""
        gates = where.gates.get(kind)
        if gates is None:
            gates = where.gates[kind] = {}
        gate = gates.get(client_id)
        if gate is None:
            gate = gates[client_id] = self.client_gate(a, kind)
        if isinstance(gate[0], SkipReason):
            return gate  # type: ignore[return-value]
        if client_id in self._settled:
            settled = self._settled[client_id]
        else:
            settled = self._settled[client_id] = change_settled_at(self.clients[client_id])
        if settled is not None:
            tz = where.tz
            # D4: a reminder due before T + 1 h is skipped for good (not sent late) ...
            if due_at is not None and due_at < settled:
                detail = (
                    f"reminder was due {due_at.astimezone(tz):%d.%m. %H:%M}, before consent/"
                    f"contact data had been in place for an hour ({settled.astimezone(tz):%H:%M})"
                )
                return SkipReason.CHANGED_TOO_RECENTLY, detail
            # ... and no message of any kind leaves before T + 1 h, whenever it is due.
            if self.now < settled:
                detail = f"consent/contact changed recently; waits until {settled.astimezone(tz):%d.%m. %H:%M}"
                return SkipReason.CHANGED_TOO_RECENTLY, detail
        if where.quiet is not None:
            return where.quiet
        return gate  # type: ignore[return-value]


def plan_run(
    policy: NotificationPolicy,
    now: datetime,
    appointments: Iterable[Appointment],
    clients: Mapping[str, Client],
    sent: SentLog,
    facts: PracticeFacts,
    *,
    channels: frozenset[Channel] | None = None,
    verbose: bool = False,
) -> RunPlan:
    """D1–D18: the messages due in the run at ``now`` and the reasons for everything else.

    ``appointments`` should hold at least those starting in :func:`reading_window`; more do
    no harm. ``channels`` limits automatic channels to those with a transport (``None``:
    all). ``verbose`` also reports "not yet due" and "already notified" (for ``why``).
    """
    now = to_utc(require_aware(now, "now"))
    planner = _Planner(policy, now, clients, sent, facts, channels, verbose)
    # By (start, id) in two stable passes: keys that are plain strings and datetimes are
    # no work for the garbage collector, where 100 000 key tuples would be.
    given = list(appointments)
    ordered = sorted(dict(zip(map(_BY_ID, given), given, strict=True)).values(), key=_BY_ID)
    ordered.sort(key=_BY_START)
    due: list[DueMessage] = []
    if not policy.enabled:
        if verbose:
            for a in ordered:
                planner.skip(a, MessageKind.REMINDER, SkipReason.SERVICE_OFF, "service disabled")
        return RunPlan(now, due, planner.skipped)

    # Confirmations and cancellations first, reminders after. The double-message guard
    # counts only messages sent before this run (D8): a confirmation planned now does not
    # hold back this run's reminders (on go-live day a client gets both).
    # Grown as tuples: the tuple a client ends with is the message's own (one object per
    # client, not a list and a copy — the 100 000-appointment first run makes 20 000).
    confirmations: dict[str, tuple[Appointment, ...]] = {}
    cancellations: dict[str, tuple[Appointment, ...]] = {}
    channels_for: dict[MessageKind, dict[str, tuple[Channel, str]]] = {
        MessageKind.CONFIRMATION: {},
        MessageKind.CANCELLATION: {},
    }
    booked: list[Appointment] = []
    confirming = policy.confirmation.enabled
    confirm = planner.confirmation
    confirm_channels = channels_for[MessageKind.CONFIRMATION]
    for a in ordered:
        status = a.status
        if status is not AppointmentStatus.BOOKED:
            if status is AppointmentStatus.CANCELLED:
                _plan_cancellation(
                    planner, a, cancellations, channels_for[MessageKind.CANCELLATION]
                )
            continue
        booked.append(a)
        if not confirming:
            if verbose:
                planner.skip(a, MessageKind.CONFIRMATION, SkipReason.KIND_OFF, "confirmations off")
            continue
        chosen = confirm(a)
        if chosen is not None and a.client_id is not None:
            listed = confirmations.get(a.client_id)
            if listed is None:
                confirmations[a.client_id] = (a,)
                confirm_channels[a.client_id] = chosen
            else:
                confirmations[a.client_id] = (*listed, a)

    for kind, groups in (
        (MessageKind.CONFIRMATION, confirmations),
        (MessageKind.CANCELLATION, cancellations),
    ):
        for client_id, listed in sorted(groups.items()):
            channel, address = channels_for[kind][client_id]
            key = _key(kind, client_id, [f"{a.id}@{a.sequence}" for a in listed], channel, None)
            due.append(DueMessage(kind, client_id, listed, channel, address, key, now))

    # Statuses other than booked: report for the reminder if it would be due (D1).
    for a in ordered:
        if a.status is AppointmentStatus.BOOKED:
            continue
        timing = planner.reminder_timing(a, planner.horizon(planner.tz_of(a)))
        if verbose or timing is None:
            reason = _STATUS_REASON[a.status]
            planner.skip(a, MessageKind.REMINDER, reason, f"appointment is {a.status.value}")

    if policy.reminder.enabled:
        if not verbose:
            # Appointments beyond every horizon + H (and the rest of that day, D9) cannot
            # be reminded now: cut the sorted list instead of testing each one.
            reach = _reminder_reach(planner, booked)
            booked = booked[: bisect.bisect_left([a.start for a in booked], reach)]
        due.extend(_plan_reminders(planner, booked))
    elif verbose:
        for a in booked:
            planner.skip(a, MessageKind.REMINDER, SkipReason.KIND_OFF, "reminders off")
    return RunPlan(now, due, planner.skipped)


def quiet_reason(
    policy: NotificationPolicy, now: datetime, tz: ZoneInfo
) -> tuple[SkipReason, str] | None:
    """D6/D7: whether ``now`` lies in quiet hours or a blackout window, as a skip reason."""
    found = quiet_window_at(now, policy.quiet_hours, policy.blackout_windows, tz)
    if found is None:
        return None
    name, window = found
    if name == "quiet":
        return SkipReason.QUIET_HOURS, f"quiet hours {window}"
    return SkipReason.BLACKOUT_WINDOW, f"blackout window {window}"


def _horizon(policy: NotificationPolicy, now: datetime, tz: ZoneInfo) -> datetime:
    return reminder_horizon(
        now, policy.run_interval, policy.quiet_hours, policy.blackout_windows, tz
    )


def _reminder_reach(planner: _Planner, booked: Sequence[Appointment]) -> datetime:
    zones = {planner.tz_of(a).key: planner.tz_of(a) for a in booked[:1]}
    zones.update((b.time_zone, zone(b.time_zone)) for b in planner.facts.branches_by_room.values())
    zones[planner.facts.organisation.time_zone] = zone(planner.facts.organisation.time_zone)
    return max(
        planner.horizon(tz) + planner.hours_before + timedelta(days=2) for tz in zones.values()
    )


def _plan_cancellation(
    planner: _Planner,
    a: Appointment,
    cancellations: dict[str, tuple[Appointment, ...]],
    channels_for: dict[str, tuple[Channel, str]],
) -> None:
    """D11: a confirmed appointment that is cancelled gets a cancellation (METHOD:CANCEL)."""
    kind = MessageKind.CANCELLATION
    confirmed = planner.sent.latest(a.id, None, (MessageKind.CONFIRMATION,))
    if confirmed is None or not confirmed.state.reached_client:
        return
    if planner.sent.latest(a.id, None, (kind,)) is not None or a.start <= planner.now:
        if planner.verbose:
            planner.skip(a, kind, SkipReason.ALREADY_NOTIFIED, "cancellation sent or past")
        return
    static = planner.static_gate(a)
    if static is not None:
        planner.skip(a, kind, *static)
        return
    chosen = planner.dynamic(a, kind, due_at=None)
    if chosen is not None and a.client_id is not None:
        cancellations[a.client_id] = (*cancellations.get(a.client_id, ()), a)
        channels_for.setdefault(a.client_id, chosen)


def _plan_reminders(planner: _Planner, booked: Sequence[Appointment]) -> list[DueMessage]:
    """D5–D9, D17: reminders due now, one message per client (D8), combined per date (D9)."""
    kind = MessageKind.REMINDER
    policy, now = planner.policy, planner.now
    ready: dict[str, list[tuple[Appointment, datetime]]] = {}
    later: dict[str, list[Appointment]] = {}
    channel_of: dict[str, tuple[Channel, str]] = {}
    for a in booked:
        timing = planner.reminder_timing(a, planner.horizon(planner.tz_of(a)))
        if timing is None or planner.verbose:
            static = planner.reminder_static(a)
            if static is not None:
                planner.skip(a, kind, *static)
                continue
        if timing is not None:
            if timing[0] is SkipReason.NOT_YET_DUE and a.client_id is not None:
                later.setdefault(a.client_id, []).append(a)
            if planner.verbose:
                planner.skip(a, kind, *timing)
            continue
        failure = planner.failed_before(a, kind)
        if failure is not None:
            planner.skip(a, kind, SkipReason.PREVIOUS_ATTEMPT_FAILED, failure)
            continue
        due_at = planner.due_at(a)
        chosen = planner.dynamic(a, kind, due_at=due_at)
        if chosen is None or a.client_id is None:
            continue
        # D8: a message sent before this run within the guard blocks reminders now; one
        # for an appointment that begins before the guard expires is not sent at all.
        last_contact = planner.sent.last_contact(a.client_id)
        last = to_utc(last_contact) if last_contact is not None else None
        if last is not None and now < last + planner.guard:
            expires = last + planner.guard
            tz = planner.tz_of(a)
            if a.start < expires:
                detail = (
                    f"client got a message at {last.astimezone(tz):%d.%m. %H:%M}; the appointment"
                    f" begins before the {policy.reminder.min_hours_between} h guard ends"
                )
            else:
                detail = f"client got a message at {last.astimezone(tz):%d.%m. %H:%M}; waits until {expires.astimezone(tz):%d.%m. %H:%M}"
            planner.skip(a, kind, SkipReason.DOUBLE_MESSAGE_GUARD, detail)
            continue
        ready.setdefault(a.client_id, []).append((a, due_at))
        channel_of.setdefault(a.client_id, chosen)

    messages: list[DueMessage] = []
    for client_id, items in sorted(ready.items()):
        listed = {a.id: a for a, _ in items}
        if policy.reminder.combine_per_date:
            # D9: the client's other appointments that day join this reminder.
            dates = {a.start.astimezone(planner.tz_of(a)).date() for a, _ in items}
            for other in later.get(client_id, ()):
                local = other.start.astimezone(planner.tz_of(other)).date()
                if local in dates and planner.reminder_static(other) is None:
                    listed.setdefault(other.id, other)
        appointments = tuple(sorted(listed.values(), key=lambda a: (a.start, a.id)))
        due_at = min(d for _, d in items)
        channel, address = channel_of[client_id]
        refs = [AppointmentRef(a.id, a.sequence) for a in appointments]
        messages.append(
            DueMessage(
                kind,
                client_id,
                appointments,
                channel,
                address,
                notification_key(kind, client_id, refs, channel, due_at),
                due_at,
            )
        )
    return messages


def reading_window(
    policy: NotificationPolicy, now: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    """The start range of appointments a run must read for reminders in zone ``tz``
    (D5, D6, D9): reminders reach to the horizon plus H, and combining per date (D9)
    needs the rest of that local day."""
    horizon = _horizon(policy, to_utc(now), tz)
    last = (horizon + timedelta(hours=policy.reminder.hours_before)).astimezone(tz).date()
    return to_utc(now), to_utc(local_datetime(last + timedelta(days=1), time(0), tz))
