"""lemnicore — an open appointment engine for small practices and branch chains.

Everything public is importable from here (G1).
"""

from lemnicore.access.actors import SYSTEM_ACTOR, Actor, Role
from lemnicore.access.audit import AuditAction, AuditEntry
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
from lemnicore.importing.runs import ImportedConfirmations, ImportNotificationOptions, ImportRun
from lemnicore.notifications.ics import build_calendar, ics_attachment
from lemnicore.notifications.planner import (
    DueMessage,
    PracticeFacts,
    RunPlan,
    Skip,
    SkipReason,
    confirmation_window,
    notification_key,
    plan_run,
)
from lemnicore.notifications.policy import (
    PLACEHOLDERS,
    ConfirmationSettings,
    ContactTemplate,
    MessageKind,
    MessageTemplate,
    NotificationPolicy,
    ReminderSettings,
)
from lemnicore.notifications.ports import (
    AppointmentMessageEntry,
    ClientMessageEntry,
    MessageHistory,
    NotificationLog,
    OutboxMessage,
)
from lemnicore.notifications.sentlog import AppointmentRef, DeliveryState, SentLog, SentRecord
from lemnicore.notifications.service import (
    DispatchOutcome,
    Explanation,
    NotificationService,
    RetryPolicy,
    RunReport,
)
from lemnicore.notifications.sms import SmsEncoding, SmsSize, fit_sms, normalise_sms_text, sms_size
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
from lemnicore.notifications.windows import DailyWindow
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
    "NO_MESSAGE",
    "PLACEHOLDERS",
    "SYSTEM_ACTOR",
    "AccessDeniedError",
    "Actor",
    "Appointment",
    "AppointmentBook",
    "AppointmentMessageEntry",
    "AppointmentRef",
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
    "ClientMessageEntry",
    "ClientRecords",
    "Clients",
    "Clock",
    "ConfirmationSettings",
    "ConflictError",
    "ContactTemplate",
    "DailyWindow",
    "Delivery",
    "DeliveryState",
    "DispatchOutcome",
    "DueMessage",
    "Explanation",
    "Grant",
    "ImportNotificationOptions",
    "ImportRun",
    "ImportedConfirmations",
    "Importer",
    "ImporterFactory",
    "Interval",
    "InvalidTransitionError",
    "LemnicoreError",
    "MemoryStore",
    "MessageHistory",
    "MessageKind",
    "MessageTemplate",
    "NaiveDatetimeError",
    "NotFoundError",
    "NotificationLog",
    "NotificationPolicy",
    "NotificationService",
    "Organisation",
    "OutboxMessage",
    "OutgoingMessage",
    "OverlapError",
    "PermanentTransportError",
    "Permission",
    "PlanLimitError",
    "PluginError",
    "PracticeFacts",
    "Practitioner",
    "ReminderSettings",
    "RetryPolicy",
    "Role",
    "Room",
    "RunPlan",
    "RunReport",
    "SentLog",
    "SentRecord",
    "Skip",
    "SkipReason",
    "Slot",
    "SlotTakenError",
    "SmsEncoding",
    "SmsSize",
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
    "build_calendar",
    "busy_times",
    "collect_registrations",
    "community_view",
    "confirmation_window",
    "conflicts",
    "fit_sms",
    "free_slots",
    "hookimpl",
    "hookspec",
    "ics_attachment",
    "is_significant_reschedule",
    "is_valid_email",
    "make_plugin_manager",
    "merge",
    "normalise_sms_text",
    "notification_key",
    "open_store",
    "overlapping_pairs",
    "plan_run",
    "slot_grid",
    "sms_size",
    "subtract",
]
