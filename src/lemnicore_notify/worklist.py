"""Letter and phone work lists (D12): messages staff send by hand.

``worklist:///var/lib/praxis/worklist.jsonl`` appends one JSON object per line to that
file (created with mode 0600: it holds client contact data); ``worklist://memory`` keeps
the entries in :attr:`WorkListTransport.entries` only. An idempotency key already on the
list is not added twice (D15), so a retried dispatch never doubles a letter.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import attrs

from lemnicore.clock import Clock, SystemClock
from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import Delivery, HandOver, HandOverCheck, OutgoingMessage
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.outcome_log import logged_send
from lemnicore_notify.urls import TransportURL

SCHEME = "worklist"
PROVIDER = "worklist"


@attrs.frozen
class WorkListEntry:
    """One task for staff: post a letter or make a call (D12)."""

    idempotency_key: str
    channel: str
    address: str
    subject: str
    text: str
    queued_at: str
    client_id: str | None = None
    appointment_ids: tuple[str, ...] = ()
    kind: str = ""
    attachments: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["appointment_ids"] = list(self.appointment_ids)
        data["attachments"] = list(self.attachments)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkListEntry:
        return cls(
            idempotency_key=str(data["idempotency_key"]),
            channel=str(data["channel"]),
            address=str(data.get("address", "")),
            subject=str(data.get("subject", "")),
            text=str(data.get("text", "")),
            queued_at=str(data.get("queued_at", "")),
            client_id=data.get("client_id"),
            appointment_ids=tuple(data.get("appointment_ids", ())),
            kind=str(data.get("kind", "")),
            attachments=tuple(data.get("attachments", ())),
        )


class WorkListTransport:
    """Puts letters and calls on a work list instead of sending them (D12)."""

    def __init__(self, url: str, *, clock: Clock | None = None) -> None:
        self._url = TransportURL.parse(url, schemes=frozenset({SCHEME}))
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self.entries: list[WorkListEntry] = []
        self.path: Path | None = None
        if self._url.host == "memory" and not self._url.path.strip("/"):
            pass
        elif self._url.host or not self._url.path:
            raise ValidationError(
                "url",
                f"expected worklist:///path/to/file.jsonl or worklist://memory: {self._url.masked}",
            )
        else:
            self.path = Path(self._url.path)
            self.entries = list(read_work_list(self.path)) if self.path.exists() else []
        self._keys = {entry.idempotency_key for entry in self.entries}

    @classmethod
    def from_url(cls, url: str) -> Self:
        return cls(url)

    @property
    def channels(self) -> frozenset[Channel]:
        return frozenset({Channel.LETTER, Channel.PHONE})

    @property
    def masked_url(self) -> str:
        return self._url.masked

    def send(self, message: OutgoingMessage) -> Delivery:
        """D12: add ``message`` to the list (once per idempotency key)."""
        return logged_send(self._url.masked, message, self._send)

    def _send(self, message: OutgoingMessage) -> Delivery:
        with self._lock:
            if message.idempotency_key in self._keys:
                return Delivery(
                    PROVIDER, message.idempotency_key, detail="already on the work list"
                )
            entry = WorkListEntry(
                idempotency_key=message.idempotency_key,
                channel=str(message.channel),
                address=message.address,
                subject=message.subject,
                text=message.text,
                queued_at=self._clock.now().astimezone(UTC).isoformat(),
                client_id=message.client_id,
                appointment_ids=message.appointment_ids,
                kind=message.kind,
                attachments=tuple(a.filename for a in message.attachments),
            )
            if self.path is not None:
                _append(self.path, entry)
            self.entries.append(entry)
            self._keys.add(entry.idempotency_key)
        return Delivery(PROVIDER, message.idempotency_key, detail=f"{message.channel} task")

    def check_handover(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        """D15: the list itself is the record — the key is on it or it is not."""
        with self._lock:
            if message.idempotency_key in self._keys:
                return HandOverCheck(
                    HandOver.DONE,
                    Delivery(PROVIDER, message.idempotency_key, detail="on the work list"),
                    detail="the work list has it",
                )
        return HandOverCheck(HandOver.NOT_DONE, detail="not on the work list")

    def close(self) -> None:
        """Nothing to release: every entry is written when it is added."""

    def __repr__(self) -> str:
        return f"WorkListTransport({self._url.masked!r})"


def _append(path: Path, entry: WorkListEntry) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry.as_json(), ensure_ascii=False) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        file.write(line)
        file.flush()
        os.fsync(file.fileno())


def read_work_list(path: Path) -> list[WorkListEntry]:
    """The entries of a work-list file, oldest first."""
    entries: list[WorkListEntry] = []
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                entries.append(WorkListEntry.from_json(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValidationError(
                    "worklist", f"line {number} is not a work-list entry ({exc})", record=str(path)
                ) from None
    return entries
