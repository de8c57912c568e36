"""F3: the SQLite schema as versioned forward migrations, one list per area.

A migration is applied once, in order, when a store is opened; the table
``schema_migrations`` records (area, version). Areas keep their own numbering so that
separate parts of lemnicore (and later plugins) can evolve their tables independently.
Never edit a released migration: add the next version.
"""

from __future__ import annotations

import attrs

LONG_APPOINTMENT_US = 24 * 3600 * 1_000_000
"""Appointments longer than a day (in microseconds) are "long" for the overlap queries (A4).
Part of a released migration: never change it."""


@attrs.frozen
class Migration:
    area: str
    version: int
    description: str
    statements: tuple[str, ...]


CORE: tuple[Migration, ...] = (
    Migration(
        "core",
        1,
        "documents, appointments, clients, audit log",
        (
            """CREATE TABLE documents (
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (kind, id)
            ) WITHOUT ROWID""",
            # Times are UTC microseconds since the epoch: integers compare and index fast,
            # and a range query is a plain B-tree range (A5, D5).
            """CREATE TABLE appointments (
                id TEXT PRIMARY KEY,
                calendar_id TEXT NOT NULL,
                room_id TEXT NOT NULL,
                start_us INTEGER NOT NULL,
                end_us INTEGER NOT NULL CHECK (end_us > start_us),
                type_id TEXT NOT NULL,
                status TEXT NOT NULL,
                client_id TEXT,
                comment TEXT NOT NULL DEFAULT '',
                is_group INTEGER NOT NULL DEFAULT 0,
                sequence INTEGER NOT NULL DEFAULT 0,
                double_booked INTEGER NOT NULL DEFAULT 0,
                created_us INTEGER,
                external_id TEXT,
                import_id TEXT
            )""",
            "CREATE INDEX appointments_room_start ON appointments (room_id, start_us)",
            "CREATE INDEX appointments_calendar_start ON appointments (calendar_id, start_us)",
            "CREATE INDEX appointments_start ON appointments (start_us)",
            "CREATE INDEX appointments_client ON appointments (client_id) WHERE client_id IS NOT NULL",
            "CREATE UNIQUE INDEX appointments_external ON appointments (external_id)"
            " WHERE external_id IS NOT NULL",
            "CREATE INDEX appointments_import ON appointments (import_id) WHERE import_id IS NOT NULL",
            """CREATE TABLE clients (
                id TEXT PRIMARY KEY,
                organisation_id TEXT NOT NULL,
                last_name TEXT NOT NULL,
                first_name TEXT NOT NULL DEFAULT '',
                salutation TEXT NOT NULL DEFAULT '',
                email TEXT,
                email_key TEXT,
                mobile TEXT,
                phone TEXT,
                threema_id TEXT,
                postal_address TEXT,
                birthday TEXT,
                notes TEXT NOT NULL DEFAULT '',
                tags TEXT NOT NULL DEFAULT '[]',
                preferred_channel TEXT,
                notification_consent INTEGER NOT NULL DEFAULT 0,
                consent_changed_us INTEGER,
                contact_changed_us INTEGER,
                external_id TEXT,
                import_id TEXT,
                erased INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX clients_email ON clients (email_key) WHERE email_key IS NOT NULL",
            "CREATE UNIQUE INDEX clients_external ON clients (external_id) WHERE external_id IS NOT NULL",
            "CREATE INDEX clients_import ON clients (import_id) WHERE import_id IS NOT NULL",
            """CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                at_us INTEGER NOT NULL,
                actor_id TEXT NOT NULL,
                action TEXT NOT NULL,
                appointment_id TEXT,
                client_id TEXT,
                subject_id TEXT,
                before TEXT,
                after TEXT,
                note TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX audit_appointment ON audit_log (appointment_id) WHERE appointment_id IS NOT NULL",
            "CREATE INDEX audit_client ON audit_log (client_id) WHERE client_id IS NOT NULL",
            "CREATE INDEX audit_actor ON audit_log (actor_id, at_us)",
            # B3: append-only is enforced by the database, not only by the API.
            """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (B3)'); END""",
            """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (B3)'); END""",
            # The longest stored appointment bounds how far back an overlap query must look,
            # so "appointments of a room overlapping [t1, t2)" stays an index range (A5).
            "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
        ),
    ),
    Migration(
        "core",
        2,
        "B4: count a month's active appointments per calendar from the index alone",
        (
            # (calendar_id, start_us, status) covers the plan's "appointments per month"
            # count, so it never reads table rows; it also serves every in_calendar range.
            "CREATE INDEX appointments_calendar_start_status"
            " ON appointments (calendar_id, start_us, status)",
            "DROP INDEX appointments_calendar_start",
        ),
    ),
    Migration(
        "core",
        3,
        "A4: overlap queries whose cost does not depend on the longest appointment stored",
        (
            # An appointment of at most LONG_APPOINTMENT_US is found by the plain index range
            # start in [t1 - LONG, t2); the few longer ones (imports, multi-day events) sit in
            # these small partial indexes, searched by their end. The recorded "longest
            # duration" that widened every query for good is gone.
            f"CREATE INDEX appointments_long_room ON appointments (room_id, end_us)"
            f" WHERE end_us - start_us > {LONG_APPOINTMENT_US}",
            f"CREATE INDEX appointments_long_calendar ON appointments (calendar_id, end_us)"
            f" WHERE end_us - start_us > {LONG_APPOINTMENT_US}",
            "DELETE FROM store_meta WHERE key = 'max_duration_us'",
        ),
    ),
    Migration(
        "core",
        4,
        "A9: series id on appointments; A5/A10: busy time of a room or calendar from the index",
        (
            "ALTER TABLE appointments ADD COLUMN series_id TEXT",
            "CREATE INDEX appointments_series ON appointments (series_id, start_us)"
            " WHERE series_id IS NOT NULL",
            # Free slots, series search and the waiting list read only busy time: these
            # covering indexes answer "busy time of room r (calendar c) in [t1, t2)" without
            # reading a table row (issue 16 speed goal).
            "CREATE INDEX appointments_room_busy"
            " ON appointments (room_id, start_us, end_us, status, type_id, calendar_id, id)",
            "CREATE INDEX appointments_calendar_busy"
            " ON appointments (calendar_id, start_us, end_us, status, type_id, room_id, id)",
        ),
    ),
    Migration(
        "core",
        5,
        "E6: two indexes the busy-time indexes of migration 4 made redundant are dropped",
        (
            # (room_id, start_us) is the prefix of appointments_room_busy, and
            # appointments_calendar_busy covers (calendar_id, start_us, status) for the
            # monthly count (B4) as well. Every inserted appointment paid for both: a
            # 100 000-appointment import wrote about 15% fewer index entries without them.
            "DROP INDEX appointments_room_start",
            "DROP INDEX appointments_calendar_start_status",
        ),
    ),
)

_REDACTED_JSON_OF = """(
    json_valid(NEW.{col})
    AND json_type(NEW.{col}) = 'object'
    AND (SELECT count(*) FROM json_each(NEW.{col})) = (SELECT count(*) FROM json_each(OLD.{col}))
    AND NOT EXISTS (
        SELECT 1 FROM json_each(NEW.{col}) AS n
        WHERE n.type IS NOT 'text' OR n.value IS NOT '[erased]'
           OR NOT EXISTS (SELECT 1 FROM json_each(OLD.{col}) AS o WHERE o.key = n.key)
    )
)"""

ACCESS: tuple[Migration, ...] = (
    Migration(
        "access",
        1,
        "audit log: allow erasure to redact values (B5), nothing else",
        (
            "DROP TRIGGER audit_log_no_update",
            # B3 + B5: an audit line can never be changed, except that erasure may replace
            # its values (before/after, each value by '[erased]', keys kept) and its note.
            # Who, when, what kind and which records stay exactly as they were.
            f"""CREATE TRIGGER audit_log_only_redaction BEFORE UPDATE ON audit_log
               WHEN NOT (
                   NEW.seq IS OLD.seq AND NEW.id IS OLD.id AND NEW.at_us IS OLD.at_us
                   AND NEW.actor_id IS OLD.actor_id AND NEW.action IS OLD.action
                   AND NEW.appointment_id IS OLD.appointment_id
                   AND NEW.client_id IS OLD.client_id AND NEW.subject_id IS OLD.subject_id
                   AND (NEW.note IS OLD.note OR NEW.note IS '[erased]')
                   AND (NEW.before IS OLD.before OR {_REDACTED_JSON_OF.format(col="before")})
                   AND (NEW.after IS OLD.after OR {_REDACTED_JSON_OF.format(col="after")})
               )
               BEGIN SELECT RAISE(ABORT,
                   'the audit log is append-only; only erasure may redact its values (B3, B5)');
               END""",
        ),
    ),
)

NEEDS_NOTICE = """(
    a.client_id IS NOT NULL AND a.is_group = 0
    AND ((a.status = 'booked' AND NOT EXISTS (SELECT 1 FROM notification_items AS i
            WHERE i.appointment_id = a.id AND i.sequence = a.sequence))
        OR (a.status = 'cancelled'
            AND EXISTS (SELECT 1 FROM notification_items AS i
                WHERE i.appointment_id = a.id AND i.kind = 'confirmation')
            AND NOT EXISTS (SELECT 1 FROM notification_items AS i
                WHERE i.appointment_id = a.id AND i.kind = 'cancellation'))))"""
"""D10/D11: appointment ``a`` may still need a message: booked with a client and no
message for its current sequence (A6, D9), or cancelled after a confirmation and not yet
told. Part of released migrations: never change it, add a new migration instead."""


def _open_refresh(name: str, event: str, appointment_id: str, *, clear: bool) -> str:
    """A trigger that recomputes one appointment's row in ``notification_open``."""
    forget = (
        f"DELETE FROM notification_open WHERE appointment_id = {appointment_id};" if clear else ""
    )
    return f"""CREATE TRIGGER {name} {event}
        BEGIN
            {forget}
            INSERT INTO notification_open (appointment_id, start_us)
                SELECT a.id, a.start_us FROM appointments AS a
                WHERE a.id = {appointment_id} AND {NEEDS_NOTICE};
        END"""


NOTIFICATIONS: tuple[Migration, ...] = (
    Migration(
        "notifications",
        1,
        "notification outbox, its appointment items, client and appointment message history",
        (
            # D15: the outbox is the sent-log; the unique key makes enqueueing idempotent.
            """CREATE TABLE notification_outbox (
                id TEXT PRIMARY KEY,
                key TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                client_id TEXT,
                channel TEXT NOT NULL,
                address TEXT NOT NULL,
                subject TEXT NOT NULL DEFAULT '',
                text TEXT NOT NULL,
                attachments TEXT NOT NULL DEFAULT '[]',
                created_us INTEGER NOT NULL,
                due_us INTEGER NOT NULL,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_us INTEGER,
                attempt_started_us INTEGER,
                sent_us INTEGER,
                failure TEXT NOT NULL DEFAULT '',
                provider TEXT NOT NULL DEFAULT '',
                provider_message_id TEXT
            )""",
            "CREATE INDEX notification_outbox_ready ON notification_outbox (state, next_attempt_us)",
            "CREATE INDEX notification_outbox_client ON notification_outbox (client_id, created_us)",
            # Which appointments (at which sequence, A6/D9) a message named: the planner's
            # "already notified?" is one index probe per appointment.
            """CREATE TABLE notification_items (
                appointment_id TEXT NOT NULL,
                sequence INTEGER NOT NULL,
                message_id TEXT NOT NULL REFERENCES notification_outbox (id),
                kind TEXT NOT NULL,
                PRIMARY KEY (appointment_id, sequence, message_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX notification_items_message ON notification_items (message_id)",
            """CREATE TABLE client_message_history (
                id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL,
                at_us INTEGER NOT NULL,
                kind TEXT NOT NULL,
                channel TEXT NOT NULL,
                address TEXT NOT NULL,
                text TEXT NOT NULL,
                key TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX client_message_history_client ON client_message_history (client_id, at_us)",
            """CREATE TABLE appointment_message_history (
                id TEXT PRIMARY KEY,
                appointment_id TEXT NOT NULL,
                at_us INTEGER NOT NULL,
                kind TEXT NOT NULL,
                channel TEXT NOT NULL,
                address TEXT NOT NULL,
                key TEXT NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX appointment_message_history_appointment"
            " ON appointment_message_history (appointment_id, at_us)",
        ),
    ),
    Migration(
        "notifications",
        2,
        "appointments that may still need a confirmation or a cancellation, kept by triggers",
        (
            # D10/D11: the hourly run reads the confirmation window from this table instead
            # of walking every appointment of the quarter; in the steady state it holds
            # only the few appointments not yet confirmed (and cancelled ones not yet told).
            # Triggers keep it exact whatever writes the appointments (booking, imports,
            # resets), so no service has to remember it.
            """CREATE TABLE notification_open (
                appointment_id TEXT PRIMARY KEY,
                start_us INTEGER NOT NULL
            ) WITHOUT ROWID""",
            "CREATE INDEX notification_open_start ON notification_open (start_us)",
            _open_refresh(
                "notification_open_on_insert",
                "AFTER INSERT ON appointments",
                "NEW.id",
                clear=False,
            ),
            # The booking repository's update sets every column; these are the ones the
            # rule reads (A6: a significant move raises ``sequence`` and reopens it, D9).
            _open_refresh(
                "notification_open_on_update",
                "AFTER UPDATE OF start_us, status, client_id, is_group, sequence ON appointments",
                "NEW.id",
                clear=True,
            ),
            """CREATE TRIGGER notification_open_on_delete AFTER DELETE ON appointments
               BEGIN DELETE FROM notification_open WHERE appointment_id = OLD.id; END""",
            _open_refresh(
                "notification_open_on_item",
                "AFTER INSERT ON notification_items",
                "NEW.appointment_id",
                clear=True,
            ),
            _open_refresh(
                "notification_open_on_item_removed",
                "AFTER DELETE ON notification_items",
                "OLD.appointment_id",
                clear=True,
            ),
            f"""INSERT INTO notification_open (appointment_id, start_us)
                SELECT a.id, a.start_us FROM appointments AS a WHERE {NEEDS_NOTICE}""",
        ),
    ),
)

BULK_INSERT = "notification_open_bulk"
"""E6: while this table holds a row (inside one write transaction), inserted appointments
skip the per-row ``notification_open`` trigger; the bulk insert fills the table set-wise."""

NOTIFICATIONS += (
    Migration(
        "notifications",
        3,
        "bulk appointment inserts (imports) fill notification_open once per batch",
        (
            # E6: the per-row trigger probed notification_items twice per inserted row and
            # dominated a 100 000-appointment import. A bulk insert marks itself here,
            # inserts, then runs the same rule once for the whole batch (same result).
            f"CREATE TABLE {BULK_INSERT} (active INTEGER NOT NULL)",
            "DROP TRIGGER notification_open_on_insert",
            _open_refresh(
                "notification_open_on_insert",
                f"AFTER INSERT ON appointments WHEN NOT EXISTS (SELECT 1 FROM {BULK_INSERT})",
                "NEW.id",
                clear=False,
            ),
        ),
    ),
)

MIGRATIONS: tuple[Migration, ...] = (*CORE, *ACCESS, *NOTIFICATIONS)
"""Every migration lemnicore knows, in the order they are applied."""
