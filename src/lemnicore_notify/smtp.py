"""E-mail over SMTP with the ``.ics`` of a confirmation (D11, D12, D15).

``smtp://user:pass@host:587?from=praxis@example.org&starttls=1`` or ``smtps://…:465``
(implicit TLS). A URL with a user name but neither ``smtps://`` nor ``starttls=1`` is
refused — a password must not cross the network in clear — unless it says so with
``insecure_auth=1`` (a relay on the same host). The message is ``multipart/mixed`` → ``multipart/alternative`` (text, and
HTML if given) plus one ``text/calendar; method=…; charset=UTF-8`` part per ``.ics``
(RFC 6047), whose ``method=`` is read from the calendar's own ``METHOD`` so the two always
agree. ``MIME-Version: 1.0`` is always set. Text goes as 8-bit only to a server that
offers 8BITMIME, declared with ``BODY=8BITMIME`` (RFC 6152); otherwise every part is
quoted-printable or base64, 7-bit safe. The ``Message-ID`` is derived from the idempotency
key, so a resent message can be recognised as the same one (D15). One SMTP connection is
kept open and reused; after any failure it is closed and the next send opens a new one.
Credentials with non-ASCII letters are sent as UTF-8 through AUTH PLAIN (RFC 4616); a
server that does not offer PLAIN gets a clear :class:`ChannelPausedError` instead.
"""

from __future__ import annotations

import base64
import hashlib
import re
import smtplib
import socket
import ssl
import threading
from datetime import datetime
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP as SMTP_POLICY
from email.utils import formataddr, formatdate
from typing import Self, cast

from lemnicore.errors import ValidationError
from lemnicore.notifications.transport import (
    Attachment,
    ChannelPausedError,
    Delivery,
    HandOver,
    HandOverCheck,
    OutgoingMessage,
    PermanentTransportError,
    TransientTransportError,
    TransportError,
)
from lemnicore.scheduling.clients import Channel
from lemnicore_notify.addresses import check_email
from lemnicore_notify.outcome_log import logged_send
from lemnicore_notify.urls import TransportURL

SCHEMES = frozenset({"smtp", "smtps"})
PROVIDER = "smtp"
DEFAULT_TIMEOUT = 30.0
CALENDAR_TYPE = "text/calendar"

_METHOD = re.compile(rb"^METHOD:([A-Za-z-]+)\s*$", re.MULTILINE)


def calendar_method(ics: bytes) -> str | None:
    """The iTIP ``METHOD`` of an iCalendar object (``PUBLISH``, ``REQUEST``, ``CANCEL``),
    or ``None`` if it has none. The ``method=`` MIME parameter must equal it (RFC 6047)."""
    found = _METHOD.search(ics)
    return found.group(1).decode("ascii").upper() if found else None


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A stable ``Message-ID`` for a key: the same key always gives the same id (D15)."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{domain}>"


SEVEN_BIT_POLICY = SMTP_POLICY.clone(cte_type="7bit")
"""Every part quoted-printable or base64: for servers without 8BITMIME (RFC 6152)."""


def build_email(
    message: OutgoingMessage, *, sender: str, sender_name: str = "", eight_bit: bool = False
) -> EmailMessage:
    """The MIME message for ``message`` (D11): see the module docstring for its shape.

    ``eight_bit=True`` lets UTF-8 text go as ``8bit`` (only for a server that offers
    8BITMIME, and then sent with ``BODY=8BITMIME``); the default is 7-bit safe.
    """
    policy = SMTP_POLICY if eight_bit else SEVEN_BIT_POLICY
    recipient = check_email(message.address)
    domain = sender.rsplit("@", 1)[1]
    email = EmailMessage(policy=policy)
    email["From"] = formataddr((sender_name, sender)) if sender_name else sender
    email["To"] = recipient
    # A header may not span lines; templates sometimes end a subject with a newline.
    email["Subject"] = " ".join(message.subject.split())
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = message_id_for(message.idempotency_key, domain)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to reminders
    if not message.attachments:
        email.set_content(message.text, subtype="plain", charset="utf-8")
        if message.html:
            email.add_alternative(message.html, subtype="html", charset="utf-8")
        return _with_mime_version(email)
    body = MIMEPart(policy=policy)
    body.set_content(message.text, subtype="plain", charset="utf-8")
    body.make_alternative()
    if message.html:
        body.add_alternative(message.html, subtype="html", charset="utf-8")
    email.make_mixed()
    email.attach(cast(EmailMessage, body))
    for attachment in message.attachments:
        email.attach(cast(EmailMessage, _attachment_part(attachment)))
    return _with_mime_version(email)


def _with_mime_version(email: EmailMessage) -> EmailMessage:
    # set_content() adds it, make_mixed() on an empty message does not (RFC 2045 4).
    if "MIME-Version" not in email:
        email["MIME-Version"] = "1.0"
    return email


def _attachment_part(attachment: Attachment) -> MIMEPart:
    part = MIMEPart(policy=SEVEN_BIT_POLICY)
    maintype, _, subtype = attachment.content_type.partition(";")[0].strip().partition("/")
    params: dict[str, str] = {}
    if f"{maintype}/{subtype}".lower() == CALENDAR_TYPE:
        method = calendar_method(attachment.data)
        if method:
            params["method"] = method
        params["charset"] = "UTF-8"
    # bytes + base64 keep the calendar's CRLF line ends exactly as icalendar wrote them.
    part.set_content(
        attachment.data,
        maintype=maintype or "application",
        subtype=subtype or "octet-stream",
        cte="base64",
        disposition="attachment",
        filename=attachment.filename,
        params=params,
    )
    return part


class SmtpTransport:
    """E-mail through an SMTP server. Options: ``from`` (required), ``from_name``,
    ``starttls=1``, ``insecure_auth=1`` (log in without TLS: local relays only),
    ``timeout`` (seconds), ``cafile`` (a CA bundle to trust, e.g. a test CA), ``helo``
    (the name to greet with)."""

    def __init__(self, url: str) -> None:
        self._url = TransportURL.parse(url, schemes=SCHEMES)
        if not self._url.host:
            raise ValidationError("url", f"the SMTP host is missing: {self._url.masked}")
        try:
            self._sender = check_email(self._url.options.get("from", ""))
        except ValidationError:
            raise ValidationError(
                "url", f"?from= must be the sender's e-mail address: {self._url.masked}"
            ) from None
        self._sender_name = self._url.options.get("from_name", "")
        self._implicit_tls = self._url.scheme == "smtps"
        self._starttls = self._url.flag("starttls")
        if self._implicit_tls and self._starttls:
            raise ValidationError("url", "smtps:// already uses TLS; drop ?starttls=1")
        if (
            self._url.username
            and not (self._implicit_tls or self._starttls)
            and not self._url.flag("insecure_auth")
        ):
            raise ValidationError(
                "url",
                "a login needs TLS: use smtps:// or ?starttls=1 (or, for a relay on this "
                f"host only, ?insecure_auth=1): {self._url.masked}",
            )
        self._port = self._url.port or (465 if self._implicit_tls else 25)
        self._timeout = self._url.number("timeout", DEFAULT_TIMEOUT)
        self._lock = threading.Lock()
        self._connection: smtplib.SMTP | None = None

    @classmethod
    def from_url(cls, url: str) -> Self:
        return cls(url)

    @property
    def channels(self) -> frozenset[Channel]:
        return frozenset({Channel.EMAIL})

    @property
    def masked_url(self) -> str:
        return self._url.masked

    def send(self, message: OutgoingMessage) -> Delivery:
        """D15: hand the e-mail to the server; 4xx replies and network trouble are
        transient, 5xx replies, refused logins and bad addresses permanent."""
        return logged_send(self._url.masked, message, self._send)

    def _send(self, message: OutgoingMessage) -> Delivery:
        try:
            check_email(message.address)
        except ValidationError as exc:
            raise PermanentTransportError(exc.reason, provider=PROVIDER, code="recipient") from None
        with self._lock:
            reused = self._connection is not None
            try:
                return self._deliver(message)
            except smtplib.SMTPServerDisconnected:
                self._drop()
                if not reused:
                    raise _disconnected() from None
            # An idle connection the server has since closed: one fresh attempt.
            try:
                return self._deliver(message)
            except smtplib.SMTPServerDisconnected:
                self._drop()
                raise _disconnected() from None

    def _deliver(self, message: OutgoingMessage) -> Delivery:
        """One attempt on the kept connection; any failure but a disconnect (which the
        caller may retry once) closes the connection before the error is raised."""
        try:
            connection = self._connect()
            eight_bit = connection.has_extn("8bitmime")
            email = build_email(
                message, sender=self._sender, sender_name=self._sender_name, eight_bit=eight_bit
            )
            connection.send_message(
                email,
                from_addr=self._sender,
                to_addrs=[str(email["To"])],
                mail_options=("BODY=8BITMIME",) if eight_bit else (),
            )
        except smtplib.SMTPServerDisconnected:
            raise
        except TransportError:
            self._drop()
            raise
        except Exception as exc:  # smtplib, ssl, socket — and anything unexpected (F4)
            self._drop()
            raise _classify(exc) from None
        return Delivery(provider=PROVIDER, provider_message_id=str(email["Message-ID"]))

    def _connect(self) -> smtplib.SMTP:
        if self._connection is not None:
            return self._connection
        context = ssl.create_default_context(cafile=self._url.options.get("cafile"))
        helo = self._url.options.get("helo")
        connection: smtplib.SMTP
        if self._implicit_tls:
            connection = smtplib.SMTP_SSL(
                self._url.host,
                self._port,
                local_hostname=helo,
                timeout=self._timeout,
                context=context,
            )
        else:
            connection = smtplib.SMTP(
                self._url.host, self._port, local_hostname=helo, timeout=self._timeout
            )
        try:
            if self._starttls:
                connection.starttls(context=context)
            connection.ehlo_or_helo_if_needed()
            if self._url.username:
                _login(connection, self._url.username, self._url.password)
        except BaseException:
            connection.close()  # a half-open session is never kept
            raise
        self._connection = connection
        return connection

    def check_handover(self, message: OutgoingMessage, since: datetime) -> HandOverCheck:
        """D15: SMTP has no way to ask a server what it accepted earlier."""
        return HandOverCheck(
            HandOver.UNKNOWN,
            detail="an SMTP server cannot be asked what it accepted; same Message-ID if resent",
        )

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                connection.close()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __repr__(self) -> str:
        return f"SmtpTransport({self._url.masked!r})"


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH with smtplib's choice of mechanism; UTF-8 credentials through PLAIN.

    smtplib encodes credentials as ASCII; RFC 4616 defines PLAIN's user name and password
    as UTF-8, so non-ASCII ones are sent that way — or refused clearly.
    """
    if user.isascii() and password.isascii():
        connection.login(user, password)
        return
    if "PLAIN" not in connection.esmtp_features.get("auth", "").upper().split():
        raise ChannelPausedError(
            "the SMTP user name or password has non-ASCII letters and the server offers no "
            "AUTH PLAIN to send them as UTF-8 (RFC 4616): change the password or the server",
            provider=PROVIDER,
            code="auth-utf8",
        )
    token = base64.b64encode(b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8"))
    code, reply = connection.docmd("AUTH", "PLAIN " + token.decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _disconnected() -> TransientTransportError:
    return TransientTransportError("the server closed the connection", provider=PROVIDER)


def _reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"server replied {code} {' '.join(words.split())}".strip()


def _by_code(code: int, reason: str) -> TransportError:
    if 400 <= code < 500:
        return TransientTransportError(reason, provider=PROVIDER, code=str(code))
    return PermanentTransportError(reason, provider=PROVIDER, code=str(code))


def _classify(exc: BaseException) -> TransportError:
    """Map smtplib's and the socket's exceptions onto the D15 error classes."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _by_code(code, "recipient refused: " + _reply(code, text))
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # Wrong credentials fail every message alike: pause the channel, keep the messages.
        return ChannelPausedError(
            "login refused: " + _reply(exc.smtp_code, exc.smtp_error),
            provider=PROVIDER,
            code=str(exc.smtp_code),
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return ChannelPausedError(
            f"the server does not support what the URL asks for ({exc.args[0] if exc.args else 'extension'})",
            provider=PROVIDER,
            code="unsupported",
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, _reply(exc.smtp_code, exc.smtp_error))
    if isinstance(exc, ssl.SSLCertVerificationError):
        return PermanentTransportError(
            f"TLS certificate not trusted ({exc.verify_message})", provider=PROVIDER, code="tls"
        )
    if isinstance(exc, ssl.SSLError):
        return TransientTransportError(f"TLS failed ({exc.reason})", provider=PROVIDER, code="tls")
    if isinstance(exc, socket.timeout | TimeoutError):
        return TransientTransportError("timed out", provider=PROVIDER)
    if isinstance(exc, OSError):
        return TransientTransportError(
            f"could not reach the server ({type(exc).__name__})", provider=PROVIDER
        )
    if isinstance(exc, smtplib.SMTPException):
        return TransientTransportError(f"SMTP failed ({type(exc).__name__})", provider=PROVIDER)
    # Not smtplib's or the network's: a bug or bad data; retrying the same will not help.
    return PermanentTransportError(
        f"sending failed unexpectedly ({type(exc).__name__})", provider=PROVIDER, code="unexpected"
    )
