"""lemnicore — an open appointment engine for small practices and branch chains.

Everything public is importable from here (G1).
"""

from lemnicore.access.actors import ROLE_SCOPES, SYSTEM_ACTOR, Actor, Role, Scope
from lemnicore.access.audit import REDACTED, AuditAction, AuditEntry, redact_entry
from lemnicore.access.gateway import AccessGateway
from lemnicore.access.logins import ClientLogin, hash_password, verify_password
from lemnicore.access.matrix import PERMISSIONS, Relation
from lemnicore.access.plans import DEFAULT_PLANS, Plan, PlanCatalog, plans_from_mapping
from lemnicore.access.policy import Grant, Permission, authorize, require_scope
from lemnicore.access.staff import StaffAccount
from lemnicore.access.views import AppointmentForBooking, ClientForBooking
from lemnicore.cli.registry import CommandRegistry
from lemnicore.clock import Clock, SystemClock
from lemnicore.errors import (
    AccessDeniedError,
    ConflictError,
    InvalidTransitionError,
    LemnicoreError,
    NaiveDatetimeError,
    NotAStoreError,
    NotFoundError,
    OverlapError,
    PlanLimitError,
    PluginError,
    PractitionerBusyError,
    SeriesIncompleteError,
    SlotTakenError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreReadOnlyError,
    StoreSchemaError,
    StoreURLError,
    UnknownStoreURLError,
    ValidationError,
)
from lemnicore.importing.commit import commit_plan, screen_plan
from lemnicore.importing.ical.importer import CalendarFileImporter, FileMapping
from lemnicore.importing.pipeline import ImportOutcome, ImportTarget, run_import
from lemnicore.importing.plan import ImportPlan
from lemnicore.importing.ports import Importer, ImporterFactory, ImporterPlugin
from lemnicore.importing.report import write_report_json, write_report_text
from lemnicore.importing.reset import ResetReport, reset_import
from lemnicore.importing.runs import (
    CONFIRMATIONS_FUTURE,
    CONFIRMATIONS_NONE,
    ImportedConfirmations,
    ImportRun,
)
from lemnicore.notifications.ics import build_calendar, ics_attachment
from lemnicore.notifications.planner import (
    DueMessage,
    PracticeFacts,
    RunPlan,
    Skip,
    SkipReason,
    check_branch_codes,
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
    HandOver,
    HandOverCheck,
    OutgoingMessage,
    PermanentTransportError,
    ReconcilingTransport,
    TransientTransportError,
    Transport,
    TransportError,
    TransportFactory,
)
from lemnicore.notifications.windows import DailyWindow
from lemnicore.online.cancellation import (
    SELF_CANCEL_ACTOR,
    CancelDeadline,
    CancelLinks,
    CancelOutlook,
    SelfCancellation,
)
from lemnicore.online.horizon import BookingHorizon, OpenRequestLimits
from lemnicore.online.releases import DEFAULT_HOLD, OnlineRelease, SlotHold
from lemnicore.online.requests import BookingRequest, BookingRequestForm, NewClient
from lemnicore.online.service import (
    ONLINE_BOOKING_ACTOR,
    OnlineBooking,
    RequestReceipt,
    request_received_text,
)
from lemnicore.online.week import DayView, WeekView
from lemnicore.plugins.manager import collect_registrations, make_plugin_manager, open_store
from lemnicore.plugins.markers import hookimpl, hookspec
from lemnicore.scheduling.appointments import ACTIVE_STATUSES, Appointment, AppointmentStatus
from lemnicore.scheduling.availability import Availability, WorkingTime
from lemnicore.scheduling.busy import BusyInterval, blocked_spans, buffers_of
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
from lemnicore.scheduling.practitioner_hours import PractitionerHours, practitioner_windows
from lemnicore.scheduling.rules import conflicts, is_significant_reschedule, overlapping_pairs
from lemnicore.scheduling.series import (
    SeriesCalendar,
    SeriesProposal,
    SeriesRequest,
    SeriesSlot,
    propose_series,
)
from lemnicore.scheduling.slots import Slot, free_slots, slot_grid
from lemnicore.scheduling.waiting_list import (
    FreedSlot,
    OfferState,
    WaitingEntry,
    WaitingListOffer,
    WaitingState,
    first_waiting_for,
)
from lemnicore.services.access import AuditTrail, CalendarAccess, ClientDirectory
from lemnicore.services.booking import DEFAULT_MAX_DURATION, AppointmentBook, FreedSlotListener
from lemnicore.services.clients import ClientRecords, register_client
from lemnicore.services.communities import CalendarCommunities, CommunityView
from lemnicore.services.entitlements import UNLIMITED, BookingLimits, Entitlements, Unlimited
from lemnicore.services.erasure import (
    ClientErasure,
    Eraser,
    ErasureReport,
    RequesterErasureReport,
    WipeState,
)
from lemnicore.services.export import AccessReport, ClientExport
from lemnicore.services.logins import ClientLogins, LoginResult
from lemnicore.services.series import SeriesBook, series_lines
from lemnicore.services.setup import PracticeSetup
from lemnicore.services.waiting_list import WaitingList
from lemnicore.storage.memory import MemoryStore
from lemnicore.storage.ports import Appointments, AuditLog, Catalog, Clients, Store, UnitOfWork
from lemnicore.storage.sqlite.store import SqliteStore
from lemnicore.timekeeping import EARLIEST_DAY, LATEST_DAY

__version__ = "0.1.0"

__all__ = [
    "ACTIVE_STATUSES",
    "BOOKING_REQUEST_TYPE_ID",
    "CONFIRMATIONS_FUTURE",
    "CONFIRMATIONS_NONE",
    "DEFAULT_HOLD",
    "DEFAULT_MAX_DURATION",
    "DEFAULT_PLANS",
    "EARLIEST_DAY",
    "LATEST_DAY",
    "NO_MESSAGE",
    "ONLINE_BOOKING_ACTOR",
    "PERMISSIONS",
    "PLACEHOLDERS",
    "REDACTED",
    "ROLE_SCOPES",
    "SELF_CANCEL_ACTOR",
    "SYSTEM_ACTOR",
    "UNLIMITED",
    "AccessDeniedError",
    "AccessGateway",
    "AccessReport",
    "Actor",
    "Appointment",
    "AppointmentBook",
    "AppointmentForBooking",
    "AppointmentMessageEntry",
    "AppointmentRef",
    "AppointmentStatus",
    "AppointmentType",
    "Appointments",
    "Attachment",
    "AuditAction",
    "AuditEntry",
    "AuditLog",
    "AuditTrail",
    "Availability",
    "BookingHorizon",
    "BookingLimits",
    "BookingRequest",
    "BookingRequestForm",
    "Branch",
    "BusyInterval",
    "BusyTime",
    "Calendar",
    "CalendarAccess",
    "CalendarCommunities",
    "CalendarCommunity",
    "CalendarFileImporter",
    "CancelDeadline",
    "CancelLinks",
    "CancelOutlook",
    "Catalog",
    "Channel",
    "ChannelPausedError",
    "Client",
    "ClientDirectory",
    "ClientErasure",
    "ClientExport",
    "ClientForBooking",
    "ClientLogin",
    "ClientLogins",
    "ClientMessageEntry",
    "ClientRecords",
    "Clients",
    "Clock",
    "CommandRegistry",
    "CommunityView",
    "ConfirmationSettings",
    "ConflictError",
    "ContactTemplate",
    "DailyWindow",
    "DayView",
    "Delivery",
    "DeliveryState",
    "DispatchOutcome",
    "DueMessage",
    "Entitlements",
    "Eraser",
    "ErasureReport",
    "Explanation",
    "FileMapping",
    "FreedSlot",
    "FreedSlotListener",
    "Grant",
    "HandOver",
    "HandOverCheck",
    "ImportOutcome",
    "ImportPlan",
    "ImportRun",
    "ImportTarget",
    "ImportedConfirmations",
    "Importer",
    "ImporterFactory",
    "ImporterPlugin",
    "Interval",
    "InvalidTransitionError",
    "LemnicoreError",
    "LoginResult",
    "MemoryStore",
    "MessageHistory",
    "MessageKind",
    "MessageTemplate",
    "NaiveDatetimeError",
    "NewClient",
    "NotAStoreError",
    "NotFoundError",
    "NotificationLog",
    "NotificationPolicy",
    "NotificationService",
    "OfferState",
    "OnlineBooking",
    "OnlineRelease",
    "OpenRequestLimits",
    "Organisation",
    "OutboxMessage",
    "OutgoingMessage",
    "OverlapError",
    "PermanentTransportError",
    "Permission",
    "Plan",
    "PlanCatalog",
    "PlanLimitError",
    "PluginError",
    "PracticeFacts",
    "PracticeSetup",
    "Practitioner",
    "PractitionerBusyError",
    "PractitionerHours",
    "ReconcilingTransport",
    "Relation",
    "ReminderSettings",
    "RequestReceipt",
    "RequesterErasureReport",
    "ResetReport",
    "RetryPolicy",
    "Role",
    "Room",
    "RunPlan",
    "RunReport",
    "Scope",
    "SelfCancellation",
    "SentLog",
    "SentRecord",
    "SeriesBook",
    "SeriesCalendar",
    "SeriesIncompleteError",
    "SeriesProposal",
    "SeriesRequest",
    "SeriesSlot",
    "Skip",
    "SkipReason",
    "Slot",
    "SlotHold",
    "SlotTakenError",
    "SmsEncoding",
    "SmsSize",
    "SqliteStore",
    "StaffAccount",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreReadOnlyError",
    "StoreSchemaError",
    "StoreURLError",
    "SystemClock",
    "TransientTransportError",
    "Transport",
    "TransportError",
    "TransportFactory",
    "UnitOfWork",
    "UnknownStoreURLError",
    "Unlimited",
    "ValidationError",
    "WaitingEntry",
    "WaitingList",
    "WaitingListOffer",
    "WaitingState",
    "WeekView",
    "WipeState",
    "WorkingTime",
    "__version__",
    "authorize",
    "blocked_spans",
    "buffers_of",
    "build_calendar",
    "busy_times",
    "check_branch_codes",
    "collect_registrations",
    "commit_plan",
    "community_view",
    "confirmation_window",
    "conflicts",
    "first_waiting_for",
    "fit_sms",
    "free_slots",
    "hash_password",
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
    "plans_from_mapping",
    "practitioner_windows",
    "propose_series",
    "redact_entry",
    "register_client",
    "request_received_text",
    "require_scope",
    "reset_import",
    "run_import",
    "screen_plan",
    "series_lines",
    "slot_grid",
    "sms_size",
    "subtract",
    "verify_password",
    "write_report_json",
    "write_report_text",
]
