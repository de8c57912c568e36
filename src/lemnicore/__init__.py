"""lemnicore — an open appointment engine for small practices and branch chains.

Everything public is importable from here (G1).
"""

from lemnicore.access.actors import SYSTEM_ACTOR, Actor, Role
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.access.logins import ClientLogin, hash_password, verify_password
from lemnicore.access.policy import Grant, Permission, authorize
from lemnicore.clock import Clock, SystemClock
from lemnicore.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidTransitionError,
    LemnicoreError,
    NaiveDatetimeError,
    NotFoundError,
    OverlapError,
    PlanLimitError,
    PluginError,
    SlotTakenError,
    StoreError,
    UnknownStoreURLError,
    ValidationError,
)
from lemnicore.importing.ports import Importer, ImporterFactory
from lemnicore.importing.reset import ResetReport, reset_import
from lemnicore.importing.runs import CONFIRMATIONS_FUTURE, CONFIRMATIONS_NONE, ImportRun
from lemnicore.notifications.transport import (
    Attachment,
    ChannelPausedError,
    Delivery,
    OutgoingMessage,
    PermanentTransportError,
    TransientTransportError,
    Transport,
    TransportError,
    TransportFactory,
)
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager, open_store
from lemnicore.plugins.markers import hookimpl, hookspec
from lemnicore.scheduling.appointments import ACTIVE_STATUSES, Appointment, AppointmentStatus
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.clients import NO_MESSAGE, Channel, Client, is_valid_email
from lemnicore.scheduling.community import BusyTime, CalendarCommunity, busy_times, community_view
from lemnicore.scheduling.intervals import Interval, merge, subtract
from lemnicore.scheduling.practice import (
    BOOKING_REQUEST_TYPE_ID,
    AppointmentType,
    Branch,
    Calendar,
    Organisation,
    Practitioner,
    Room,
)
from lemnicore.scheduling.rules import conflicts, is_significant_reschedule, overlapping_pairs
from lemnicore.scheduling.slots import Slot, free_slots, slot_grid
from lemnicore.services.booking import AppointmentBook
from lemnicore.services.clients import ClientRecords
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Appointments, AuditLog, Catalog, Clients, Store, UnitOfWork
from lemnicore.storage.sqlite.store import SqliteStore

__version__ = "0.1.0"

__all__ = [
    "ACTIVE_STATUSES",
    "BOOKING_REQUEST_TYPE_ID",
    "CONFIRMATIONS_FUTURE",
    "CONFIRMATIONS_NONE",
    "NO_MESSAGE",
    "SYSTEM_ACTOR",
    "AccessDeniedError",
    "Actor",
    "Appointment",
    "AppointmentBook",
    "AppointmentStatus",
    "AppointmentType",
    "Appointments",
    "Attachment",
    "AuditAction",
    "AuditEntry",
    "AuditLog",
    "Availability",
    "Branch",
    "BusyTime",
    "Calendar",
    "CalendarCommunity",
    "Catalog",
    "Channel",
    "ChannelPausedError",
    "Client",
    "ClientLogin",
    "ClientRecords",
    "Clients",
    "Clock",
    "ConflictError",
    "Delivery",
    "Grant",
    "ImportRun",
    "Importer",
    "ImporterFactory",
    "Interval",
    "InvalidTransitionError",
    "LemnicoreError",
    "MemoryStore",
    "NaiveDatetimeError",
    "NotFoundError",
    "Organisation",
    "OutgoingMessage",
    "OverlapError",
    "PermanentTransportError",
    "Permission",
    "PlanLimitError",
    "PluginError",
    "Practitioner",
    "ResetReport",
    "Role",
    "Room",
    "Slot",
    "SlotTakenError",
    "SqliteStore",
    "Store",
    "StoreError",
    "SystemClock",
    "TransientTransportError",
    "Transport",
    "TransportError",
    "TransportFactory",
    "UnitOfWork",
    "UnknownStoreURLError",
    "ValidationError",
    "WorkingTime",
    "__version__",
    "authorize",
    "busy_times",
    "collect_registrations",
    "community_view",
    "conflicts",
    "free_slots",
    "hash_password",
    "hookimpl",
    "hookspec",
    "is_significant_reschedule",
    "is_valid_email",
    "make_plugin_manager",
    "merge",
    "open_store",
    "overlapping_pairs",
    "reset_import",
    "slot_grid",
    "subtract",
    "verify_password",
]
