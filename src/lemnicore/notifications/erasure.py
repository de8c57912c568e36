"""B5 × D14: erasing a client also erases their personal values from the notification data.

The outbox and the message history keep who got what kind of message on which channel,
when, and how it ended (D14, D15: the sent-log stays the single source of truth, so an
erased client's appointments are never notified twice). Addresses, subjects, texts,
attachments and failure texts read ``[erased]``; a message not sent yet is stopped.

:class:`~lemnicore.services.erasure.ClientErasure` always runs
:func:`erase_client_messages` (see ``DEFAULT_ERASERS`` there).
"""

from __future__ import annotations

from datetime import UTC, datetime

from lemnicore.storage.ports import UnitOfWork

_EVER = datetime(1970, 1, 1, tzinfo=UTC)


def erase_client_messages(uow: UnitOfWork, client_id: str) -> None:
    """B5: redact every message to ``client_id`` and every history entry about them or
    their appointments, inside the erasure's unit of work."""
    appointment_ids = [a.id for a in uow.appointments.of_client(client_id)]
    # An appointment may have changed hands since: the messages' keys find the entries
    # of messages to this client in other appointments' histories too.
    keys = [m.key for m in uow.notification_log.to_clients_since([client_id], _EVER)]
    uow.notification_log.redact_client(client_id)
    uow.message_history.redact_client(client_id, appointment_ids, keys)


__all__ = ["erase_client_messages"]
