"""A tiny pure scene for planner tests: values only, no store, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any

import attrs

from lemnicore.importing.runs import ImportRun
from lemnicore.notifications.planner import PracticeFacts, RunPlan, plan_run
from lemnicore.notifications.policy import NotificationPolicy
from lemnicore.notifications.sentlog import SentLog, SentRecord
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.practice import AppointmentType, Branch, Organisation
from lemnicore.timekeeping import local_datetime, zone

BERLIN = zone("Europe/Berlin")
LONG_AGO = datetime(2025, 1, 1, 8, tzinfo=BERLIN)


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """Wall-clock time in Berlin."""
    return local_datetime(date(y, m, d), time(h, mi), BERLIN)


class Scene:
    def __init__(self, policy: NotificationPolicy | None = None) -> None:
        self.policy = policy or NotificationPolicy()
        self.organisation = Organisation("org-1", "Praxis am Park")
        self.branches = {
            "room-1": Branch("b-1", "org-1", "HH1", "Hamburg"),
            "room-2": Branch("b-2", "org-1", "B1", "Berlin"),
        }
        self.types = {
            "treatment": AppointmentType("treatment", "Treatment"),
            "silent": AppointmentType("silent", "Silent", allows_auto_notifications=False),
            "group": AppointmentType("group", "Group course", is_group=True),
        }
        self.import_runs: dict[str, ImportRun] = {}
        self.clients: dict[str, Client] = {}
        self.appointments: list[Appointment] = []
        self.records: list[SentRecord] = []
        self._ids = count(1)

    def client(self, name: str = "Meier", **fields: Any) -> str:
        cid = f"client-{next(self._ids)}"
        values: dict[str, Any] = {
            "email": f"{name.lower()}@example.org",
            "notification_consent": True,
            "consent_changed_at": LONG_AGO,
            "contact_changed_at": LONG_AGO,
        }
        values.update(fields)
        self.clients[cid] = Client(id=cid, organisation_id="org-1", last_name=name, **values)
        return cid

    def appointment(
        self, start: datetime, client_id: str | None, *, minutes: int = 30, **fields: Any
    ) -> Appointment:
        values: dict[str, Any] = {"room_id": "room-1", "type_id": "treatment"}
        values.update(fields)
        a = Appointment(
            id=f"appt-{next(self._ids)}",
            calendar_id="cal-1",
            start=start,
            end=start + timedelta(minutes=minutes),
            client_id=client_id,
            **values,
        )
        self.appointments.append(a)
        return a

    def replace(self, a: Appointment, **changes: Any) -> Appointment:
        b = attrs.evolve(a, **changes)
        self.appointments = [b if x.id == a.id else x for x in self.appointments]
        return b

    @property
    def facts(self) -> PracticeFacts:
        return PracticeFacts(self.organisation, self.branches, self.types, self.import_runs)

    def plan(self, now: datetime, *, verbose: bool = False) -> RunPlan:
        return plan_run(
            self.policy,
            now,
            self.appointments,
            self.clients,
            SentLog(self.records),
            self.facts,
            verbose=verbose,
        )

    def record(self, plan: RunPlan, *, at: datetime | None = None) -> None:
        """The messages of ``plan`` were sent."""
        for m in plan.due:
            self.records.append(SentRecord(m.key, m.kind, m.client_id, m.refs, at or plan.now))

    def run_hourly(self, start: datetime, end: datetime) -> list[tuple[datetime, RunPlan]]:
        """Plan and 'send' every hour on the hour from ``start`` to ``end``."""
        runs = []
        now = start.astimezone(UTC)  # step in elapsed hours, also across DST
        while now < end:
            plan = self.plan(now)
            self.record(plan)
            runs.append((now.astimezone(BERLIN), plan))
            now += timedelta(hours=1)
        return runs


def sent_at(runs: list[tuple[datetime, RunPlan]], appointment_id: str, kind: str) -> list[datetime]:
    return [
        now
        for now, plan in runs
        for m in plan.due
        if m.kind == kind and any(a.id == appointment_id for a in m.appointments)
    ]
