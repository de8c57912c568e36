"""lemnicore_notify — message transports: SMTP e-mail with .ics, SMS, Threema, work lists.

Every transport is built from a URL (D12) and registered by scheme through the
``lemnicore_register_transports`` hook in :mod:`lemnicore_notify.plugin`:

=============== ==========================================================
``smtp://``     :class:`SmtpTransport` (``smtps://`` for implicit TLS)
``sms+seven://`` :class:`SevenSmsTransport`
``sms+twilio://`` :class:`TwilioSmsTransport`
``threema://``  :class:`ThreemaTransport` (Gateway basic mode)
``worklist://`` :class:`WorkListTransport` (letters and calls for staff)
=============== ==========================================================

The names load on first use (PEP 562), so that registering the plugin imports no
third-party library (G5).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lemnicore_notify.addresses import check_email, is_threema_id, normalise_phone
    from lemnicore_notify.plugin import TRANSPORTS
    from lemnicore_notify.seven import SevenSmsTransport, seven_foreign_id
    from lemnicore_notify.sms_text import (
        SmsEncoding,
        SmsSegments,
        count_segments,
        is_gsm7,
        normalise_sms_text,
    )
    from lemnicore_notify.smtp import SmtpTransport, build_email, calendar_method, message_id_for
    from lemnicore_notify.threema import ThreemaTransport, threema_recipient
    from lemnicore_notify.twilio import TwilioSmsTransport
    from lemnicore_notify.urls import TransportURL, mask_url
    from lemnicore_notify.worklist import WorkListEntry, WorkListTransport, read_work_list

_EXPORTS: dict[str, str] = {
    "check_email": "lemnicore_notify.addresses",
    "is_threema_id": "lemnicore_notify.addresses",
    "normalise_phone": "lemnicore_notify.addresses",
    "TRANSPORTS": "lemnicore_notify.plugin",
    "SevenSmsTransport": "lemnicore_notify.seven",
    "seven_foreign_id": "lemnicore_notify.seven",
    "SmsEncoding": "lemnicore_notify.sms_text",
    "SmsSegments": "lemnicore_notify.sms_text",
    "count_segments": "lemnicore_notify.sms_text",
    "is_gsm7": "lemnicore_notify.sms_text",
    "normalise_sms_text": "lemnicore_notify.sms_text",
    "SmtpTransport": "lemnicore_notify.smtp",
    "build_email": "lemnicore_notify.smtp",
    "calendar_method": "lemnicore_notify.smtp",
    "message_id_for": "lemnicore_notify.smtp",
    "ThreemaTransport": "lemnicore_notify.threema",
    "threema_recipient": "lemnicore_notify.threema",
    "TwilioSmsTransport": "lemnicore_notify.twilio",
    "TransportURL": "lemnicore_notify.urls",
    "mask_url": "lemnicore_notify.urls",
    "WorkListEntry": "lemnicore_notify.worklist",
    "WorkListTransport": "lemnicore_notify.worklist",
    "read_work_list": "lemnicore_notify.worklist",
}


def __getattr__(name: str) -> Any:
    """PEP 562: import a public name from its module the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "TRANSPORTS",
    "SevenSmsTransport",
    "SmsEncoding",
    "SmsSegments",
    "SmtpTransport",
    "ThreemaTransport",
    "TransportURL",
    "TwilioSmsTransport",
    "WorkListEntry",
    "WorkListTransport",
    "build_email",
    "calendar_method",
    "check_email",
    "count_segments",
    "is_gsm7",
    "is_threema_id",
    "mask_url",
    "message_id_for",
    "normalise_phone",
    "normalise_sms_text",
    "read_work_list",
    "seven_foreign_id",
    "threema_recipient",
]
