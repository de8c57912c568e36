"""What the access gateway reads of a unit of work (B1): a structural view, so that
:mod:`lemnicore.access` imports no store — every store's unit of work fits it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from lemnicore.access.audit import AuditEntry
from lemnicore.access.policy import Grant
from lemnicore.access.staff import StaffAccount
from lemnicore.scheduling.appointments import Appointment
from lemnicore.scheduling.clients import Client
from lemnicore.scheduling.community import CalendarCommunity
from lemnicore.scheduling.practice import Branch, Calendar, Organisation, Practitioner, Room

T_co = TypeVar("T_co", covariant=True)


class _Records(Protocol[T_co]):
    def get(self, record_id: str, /) -> T_co: ...
    def find(self, record_id: str, /) -> T_co | None: ...
    def all(self) -> Sequence[T_co]: ...


class _Appointments(Protocol):
    def find(self, appointment_id: str, /) -> Appointment | None: ...
    def of_client(self, client_id: str, /) -> Sequence[Appointment]: ...


class _Audit(Protocol):
    def query(
        self,
        *,
        appointment_id: str | None = None,
        client_id: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
    ) -> Sequence[AuditEntry]: ...


class Lookups(Protocol):
    """What the gateway reads of a unit of work (the storage port fits; access imports
    no store)."""

    @property
    def organisations(self) -> _Records[Organisation]: ...
    @property
    def branches(self) -> _Records[Branch]: ...
    @property
    def rooms(self) -> _Records[Room]: ...
    @property
    def practitioners(self) -> _Records[Practitioner]: ...
    @property
    def calendars(self) -> _Records[Calendar]: ...
    @property
    def communities(self) -> _Records[CalendarCommunity]: ...
    @property
    def grants(self) -> _Records[Grant]: ...
    @property
    def staff_accounts(self) -> _Records[StaffAccount]: ...
    @property
    def import_runs(self) -> _Records[object]: ...
    @property
    def clients(self) -> _Records[Client]: ...
    @property
    def appointments(self) -> _Appointments: ...
    @property
    def audit(self) -> _Audit: ...


__all__ = ["Lookups"]
