"""B6: the access request (GDPR art. 15) — everything stored about one client, exported.

One JSON document (machine-readable) and a readable text summary of the same content: the
client record, their appointments (comments included), online requests carrying their
e-mail or phone, the messages sent to them with their texts, their consent changes, their
booking-page logins (ids only, never password hashes) and the audit entries about them or
their appointments. Exporting is itself audited (``client.exported``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs

from lemnicore.access.actors import Actor
from lemnicore.access.audit import AuditAction, AuditEntry
from lemnicore.access.gateway import AccessGateway
from lemnicore.clock import Clock
from lemnicore.ids import IdFactory, new_id
from lemnicore.services.booking import record
from lemnicore.services.erasure import requests_of_person
from lemnicore.storage.ports import Store

FORMAT = "lemnicore.access-request/1"


def _plain(value: Any) -> Any:
    """A JSON-ready copy of an attrs value, mapping, sequence or scalar."""
    if attrs.has(type(value)):
        return {f.name: _plain(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


@attrs.frozen
class AccessReport:
    """B6: what is stored about one client, as of ``exported_at``."""

    client_id: str
    exported_at: datetime
    document: Mapping[str, Any]

    def as_json(self) -> str:
        """The machine-readable export (one JSON document, UTF-8, keys sorted)."""
        return json.dumps(self.document, indent=2, sort_keys=True, ensure_ascii=False)

    def summary(self) -> str:
        """A readable summary of the same content, for the client to read."""
        doc = self.document
        client = doc["client"]
        name = " ".join(p for p in (client["first_name"], client["last_name"]) if p)
        lines = [
            f"Access request (GDPR art. 15) for client {self.client_id}: {name}",
            f"exported at {self.exported_at.isoformat()}",
            "",
            "Record:",
        ]
        for key in sorted(client):
            if client[key] not in (None, "", [], False):
                lines.append(f"  {key}: {client[key]}")
        lines += ["", f"Appointments ({len(doc['appointments'])}):"]
        for a in doc["appointments"]:
            comment = f" — {a['comment']}" if a["comment"] else ""
            lines.append(
                f"  {a['start']} to {a['end']}, {a['status']}, room {a['room_id']}{comment}"
            )
        lines += ["", f"Online requests ({len(doc['online_requests'])}):"]
        for a in doc["online_requests"]:
            lines.append(f"  {a['start']}, {a['status']}: " + a["comment"].replace("\n", "; "))
        lines += ["", f"Messages ({len(doc['messages'])}):"]
        for m in doc["messages"]:
            lines.append(
                f"  {m['at']} {m['kind']} by {m['channel']} to {m['address']}: {m['text']}"
            )
        lines += ["", f"Consent changes ({len(doc['consent_changes'])}):"]
        for e in doc["consent_changes"]:
            lines.append(f"  {e['at']}: {e['before']} → {e['after']} (by {e['actor_id']})")
        lines += ["", f"Booking-page logins: {', '.join(doc['logins']) or 'none'}"]
        lines += ["", f"Audit entries ({len(doc['audit'])}):"]
        for e in doc["audit"]:
            lines.append(f"  {e['at']} {e['action']} by {e['actor_id']}")
        return "\n".join(lines) + "\n"


class ClientExport:
    """B6: export everything stored about a client; for the client's owner (B1)."""

    def __init__(self, store: Store, clock: Clock, *, new_id: IdFactory = new_id) -> None:
        self.store = store
        self.clock = clock
        self._new_id = new_id

    def export(self, actor: Actor, client_id: str) -> AccessReport:
        """B6: one document with the record, appointments, online requests, messages with
        texts, consent changes, logins and audit entries about the client. Audited."""
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            client = uow.clients.get(client_id)
            AccessGateway(uow, actor).client("ClientExport.export", client)
            appointments = uow.appointments.of_client(client_id)
            requests = requests_of_person(
                uow,
                client.organisation_id,
                [client.email or ""],
                [client.phone or "", client.mobile or ""],
            )
            about = {a.id for a in appointments}
            audit: dict[str, AuditEntry] = {e.id: e for e in uow.audit.query(client_id=client_id)}
            for appointment_id in sorted(about):
                for entry in uow.audit.query(appointment_id=appointment_id):
                    audit.setdefault(entry.id, entry)
            entries = sorted(audit.values(), key=lambda e: (e.at, e.id))
            logins = sorted(
                login.login_id for login in uow.client_logins.all() if login.client_id == client_id
            )
            document = {
                "format": FORMAT,
                "exported_at": now.isoformat(),
                "client": _plain(client),
                "appointments": [_plain(a) for a in appointments],
                "online_requests": [_plain(a) for a in requests],
                "messages": [_plain(m) for m in uow.message_history.of_client(client_id)],
                "outbox": [
                    _plain(m) for m in uow.notification_log.to_clients_since([client_id], _EVER)
                ],
                "consent_changes": [
                    _plain(e)
                    for e in entries
                    if e.action == AuditAction.CLIENT_CONSENT_CHANGED.value
                ],
                "logins": logins,
                "audit": [_plain(e) for e in entries],
            }
            record(
                uow,
                at=now,
                actor=actor,
                action=AuditAction.CLIENT_EXPORTED,
                new_id=self._new_id,
                client_id=client_id,
            )
            uow.commit()
        return AccessReport(client_id, now, document)


_EVER = datetime.fromisoformat("1970-01-01T00:00:00+00:00")

__all__ = ["AccessReport", "ClientExport"]
