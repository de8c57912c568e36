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
"""

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
