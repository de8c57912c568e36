"""F3: the PostgreSQL schema as versioned forward migrations.

The tables mirror the SQLite store's (same names, same columns; times are ``timestamptz``
named ``…_at`` instead of microseconds named ``…_us``), so ``lemnicore store copy`` maps one
onto the other column by column. Migrations are applied under a session advisory lock:
several hosts starting at once migrate once. A database that already has a migration this
version of lemnicore does not know is refused (F3) instead of being half understood.
Never edit a released migration: add the next version.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Migration:
    area: str
    version: int
    description: str
    statements: tuple[str, ...]


ACTIVE = "status NOT IN ('cancelled', 'no_show')"
"""A3: the statuses that block a room."""

NEEDS_NOTICE = """(
    a.client_id IS NOT NULL AND NOT a.is_group
    AND ((a.status = 'booked' AND NOT EXISTS (SELECT 1 FROM notification_items AS i
            WHERE i.appointment_id = a.id AND i.sequence = a.sequence))
        OR (a.status = 'cancelled'
            AND EXISTS (SELECT 1 FROM notification_items AS i
                WHERE i.appointment_id = a.id AND i.kind = 'confirmation')
            AND NOT EXISTS (SELECT 1 FROM notification_items AS i
                WHERE i.appointment_id = a.id AND i.kind = 'cancellation'))))"""
"""D10/D11, as in the SQLite store: appointment ``a`` may still need a message."""

_AUDIT_GUARD = """
CREATE FUNCTION lemnicore_is_redaction(old jsonb, new jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_typeof(new) = 'object' AND jsonb_typeof(old) = 'object'
       AND (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(new) AS k)
           IS NOT DISTINCT FROM (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(old) AS k)
       AND NOT EXISTS (SELECT 1 FROM jsonb_each(new) AS n WHERE n.value <> '"[erased]"'::jsonb)
$$;
CREATE FUNCTION lemnicore_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'the audit log is append-only (B3)';
    END IF;
    IF NEW.seq IS DISTINCT FROM OLD.seq OR NEW.id IS DISTINCT FROM OLD.id
       OR NEW.at IS DISTINCT FROM OLD.at OR NEW.actor_id IS DISTINCT FROM OLD.actor_id
       OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.appointment_id IS DISTINCT FROM OLD.appointment_id
       OR NEW.client_id IS DISTINCT FROM OLD.client_id
       OR NEW.subject_id IS DISTINCT FROM OLD.subject_id
       OR NOT (NEW.note IS NOT DISTINCT FROM OLD.note OR NEW.note = '[erased]')
       OR NOT (NEW.before IS NOT DISTINCT FROM OLD.before
               OR lemnicore_is_redaction(OLD.before, NEW.before))
       OR NOT (NEW.after IS NOT DISTINCT FROM OLD.after
               OR lemnicore_is_redaction(OLD.after, NEW.after))
    THEN
        RAISE EXCEPTION 'the audit log is append-only; only erasure may redact its values (B3, B5)';
    END IF;
    RETURN NEW;
END $$;
"""

_OPEN_REFRESH = f"""
CREATE FUNCTION lemnicore_refresh_open(appointment text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM notification_open WHERE appointment_id = appointment;
    INSERT INTO notification_open (appointment_id, start_at)
        SELECT a.id, a.start_at FROM appointments AS a
        WHERE a.id = appointment AND {NEEDS_NOTICE}
        ON CONFLICT (appointment_id) DO NOTHING;
END $$;
CREATE FUNCTION lemnicore_open_on_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM notification_open WHERE appointment_id = OLD.id;
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.start_at IS DISTINCT FROM OLD.start_at
       OR NEW.status IS DISTINCT FROM OLD.status OR NEW.client_id IS DISTINCT FROM OLD.client_id
       OR NEW.is_group IS DISTINCT FROM OLD.is_group OR NEW.sequence IS DISTINCT FROM OLD.sequence
    THEN
        PERFORM lemnicore_refresh_open(NEW.id);
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION lemnicore_open_on_item() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM lemnicore_refresh_open(OLD.appointment_id);
        RETURN OLD;
    END IF;
    PERFORM lemnicore_refresh_open(NEW.appointment_id);
    RETURN NEW;
END $$;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "core",
        1,
        "documents, appointments (no double booking by construction), clients, audit log",
        (
            "CREATE EXTENSION IF NOT EXISTS btree_gist",
            """CREATE TABLE documents (
                kind text NOT NULL,
                id text NOT NULL,
                body text NOT NULL,
                PRIMARY KEY (kind, id)
            )""",
            f"""CREATE TABLE appointments (
                id text PRIMARY KEY,
                calendar_id text NOT NULL,
                room_id text NOT NULL,
                start_at timestamptz NOT NULL,
                end_at timestamptz NOT NULL CHECK (end_at > start_at),
                type_id text NOT NULL,
                status text NOT NULL,
                client_id text,
                comment text NOT NULL DEFAULT '',
                is_group boolean NOT NULL DEFAULT false,
                sequence integer NOT NULL DEFAULT 0,
                double_booked boolean NOT NULL DEFAULT false,
                created_at timestamptz,
                external_id text,
                import_id text,
                -- F2/A4: two active appointments of one room never overlap, whoever writes
                -- them (any process, any host, any SQL). An overlap staff allowed on
                -- purpose is marked double_booked and stays outside the rule.
                CONSTRAINT appointments_no_overlap EXCLUDE USING gist
                    (room_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
                    WHERE ({ACTIVE} AND NOT double_booked)
            )""",
            "CREATE INDEX appointments_room_start ON appointments (room_id, start_at)",
            "CREATE INDEX appointments_calendar_start_status"
            " ON appointments (calendar_id, start_at, status)",
            "CREATE INDEX appointments_start ON appointments (start_at)",
            "CREATE INDEX appointments_client ON appointments (client_id) WHERE client_id IS NOT NULL",
            "CREATE UNIQUE INDEX appointments_external ON appointments (external_id)"
            " WHERE external_id IS NOT NULL",
            "CREATE INDEX appointments_import ON appointments (import_id) WHERE import_id IS NOT NULL",
            """CREATE TABLE clients (
                id text PRIMARY KEY,
                organisation_id text NOT NULL,
                last_name text NOT NULL,
                first_name text NOT NULL DEFAULT '',
                salutation text NOT NULL DEFAULT '',
                email text,
                email_key text,
                mobile text,
                phone text,
                threema_id text,
                postal_address text,
                birthday date,
                notes text NOT NULL DEFAULT '',
                tags text NOT NULL DEFAULT '[]',
                preferred_channel text,
                notification_consent boolean NOT NULL DEFAULT false,
                consent_changed_at timestamptz,
                contact_changed_at timestamptz,
                external_id text,
                import_id text,
                erased boolean NOT NULL DEFAULT false
            )""",
            "CREATE INDEX clients_email ON clients (email_key) WHERE email_key IS NOT NULL",
            "CREATE UNIQUE INDEX clients_external ON clients (external_id) WHERE external_id IS NOT NULL",
            "CREATE INDEX clients_import ON clients (import_id) WHERE import_id IS NOT NULL",
            """CREATE TABLE audit_log (
                seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                id text NOT NULL UNIQUE,
                at timestamptz NOT NULL,
                actor_id text NOT NULL,
                action text NOT NULL,
                appointment_id text,
                client_id text,
                subject_id text,
                before jsonb,
                after jsonb,
                note text NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX audit_appointment ON audit_log (appointment_id) WHERE appointment_id IS NOT NULL",
            "CREATE INDEX audit_client ON audit_log (client_id) WHERE client_id IS NOT NULL",
            "CREATE INDEX audit_actor ON audit_log (actor_id, at)",
            _AUDIT_GUARD,
            # B3 + B5: no delete, no truncate; an update only as erasure's redaction.
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION lemnicore_audit_guard()",
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
            " FOR EACH STATEMENT EXECUTE FUNCTION lemnicore_audit_guard()",
            # The longest stored appointment bounds how far back an overlap query looks, so
            # "appointments of a room overlapping [t1, t2)" stays a B-tree range (A5).
            "CREATE TABLE store_meta (key text PRIMARY KEY, value bigint NOT NULL)",
        ),
    ),
    Migration(
        "notifications",
        1,
        "notification outbox, its appointment items, message history, open notices",
        (
            """CREATE TABLE notification_outbox (
                id text PRIMARY KEY,
                key text NOT NULL UNIQUE,
                kind text NOT NULL,
                client_id text,
                channel text NOT NULL,
                address text NOT NULL,
                subject text NOT NULL DEFAULT '',
                text text NOT NULL,
                attachments text NOT NULL DEFAULT '[]',
                created_at timestamptz NOT NULL,
                due_at timestamptz NOT NULL,
                state text NOT NULL,
                attempts integer NOT NULL DEFAULT 0,
                next_attempt_at timestamptz,
                attempt_started_at timestamptz,
                sent_at timestamptz,
                failure text NOT NULL DEFAULT '',
                provider text NOT NULL DEFAULT '',
                provider_message_id text
            )""",
            "CREATE INDEX notification_outbox_ready ON notification_outbox (state, next_attempt_at)",
            "CREATE INDEX notification_outbox_client ON notification_outbox (client_id, created_at)",
            """CREATE TABLE notification_items (
                appointment_id text NOT NULL,
                sequence integer NOT NULL,
                message_id text NOT NULL REFERENCES notification_outbox (id),
                kind text NOT NULL,
                PRIMARY KEY (appointment_id, sequence, message_id)
            )""",
            "CREATE INDEX notification_items_message ON notification_items (message_id)",
            """CREATE TABLE client_message_history (
                id text PRIMARY KEY,
                client_id text NOT NULL,
                at timestamptz NOT NULL,
                kind text NOT NULL,
                channel text NOT NULL,
                address text NOT NULL,
                text text NOT NULL,
                key text NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX client_message_history_client ON client_message_history (client_id, at)",
            """CREATE TABLE appointment_message_history (
                id text PRIMARY KEY,
                appointment_id text NOT NULL,
                at timestamptz NOT NULL,
                kind text NOT NULL,
                channel text NOT NULL,
                address text NOT NULL,
                key text NOT NULL DEFAULT ''
            )""",
            "CREATE INDEX appointment_message_history_appointment"
            " ON appointment_message_history (appointment_id, at)",
            "CREATE INDEX appointment_message_history_key ON appointment_message_history (key)",
            # D10/D11: kept exact by triggers, so the hourly run reads only the few
            # appointments not yet confirmed instead of the whole confirmation quarter.
            """CREATE TABLE notification_open (
                appointment_id text PRIMARY KEY,
                start_at timestamptz NOT NULL
            )""",
            "CREATE INDEX notification_open_start ON notification_open (start_at)",
            _OPEN_REFRESH,
            "CREATE TRIGGER notification_open_on_appointment"
            " AFTER INSERT OR UPDATE OR DELETE ON appointments"
            " FOR EACH ROW EXECUTE FUNCTION lemnicore_open_on_appointment()",
            "CREATE TRIGGER notification_open_on_item AFTER INSERT OR DELETE ON notification_items"
            " FOR EACH ROW EXECUTE FUNCTION lemnicore_open_on_item()",
        ),
    ),
)
"""Every migration this version knows, in the order they are applied."""
