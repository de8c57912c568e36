"""A real SMTP server on loopback that collects what it receives (D11, D12).

Built on ``aiosmtpd``'s ``Controller`` (a test dependency). Messages arrive as
:class:`ReceivedEmail` with the envelope and the parsed :class:`email.message.EmailMessage`,
so tests can check subject, text and the ``.ics`` part the way a mail client would::

    with SmtpSink() as sink:
        transport = SmtpTransport(sink.transport_url())
        transport.send(message)
        assert sink.messages[0].email["Subject"] == "Ihr Termin"

Options: ``username``/``password`` offer AUTH (PLAIN/LOGIN; credentials read as UTF-8,
RFC 4616) — only after STARTTLS when ``tls_context`` offers it, as real servers do;
``implicit_tls_context`` speaks TLS from the first byte (``smtps://``);
``eight_bit_mime=False`` leaves 8BITMIME out of the EHLO answer (RFC 6152), so a client
must send 7-bit safe content; ``auth_exclude={"PLAIN"}`` offers only the other AUTH
mechanisms.
Recipients whose domain is in ``refuse_domains`` get ``550``, in ``defer_domains``
``451`` — for testing permanent and transient refusals.
"""

from __future__ import annotations

import functools
import socket
import ssl
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import attrs


@attrs.frozen
class ReceivedEmail:
    """One message as the server received it; ``email`` is parsed on first access (so a
    benchmark measures the transport, not the sink's parser)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    mail_options: tuple[str, ...] = ()
    """The MAIL FROM parameters, e.g. ``BODY=8BITMIME``."""

    @functools.cached_property
    def email(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        return parsed


def _free_port() -> int:
    # aiosmtpd's Controller checks readiness by connecting to its port, so it needs a
    # concrete port number rather than 0.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Collector:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    # aiosmtpd looks its hooks up by these exact names.
    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.sink.eight_bit_mime:
            return responses
        return [line for line in responses if line[4:].upper() != "8BITMIME"]

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        domain = address.rsplit("@", 1)[-1].lower()
        if domain in self.sink.refuse_domains:
            return "550 5.1.1 mailbox unavailable"
        if domain in self.sink.defer_domains:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        with self.sink._lock:
            self.sink.messages.append(
                ReceivedEmail(
                    str(envelope.mail_from),
                    tuple(envelope.rcpt_tos),
                    raw,
                    tuple(envelope.mail_options),
                )
            )
            self.sink.sessions.add(id(session))
        return "250 Message accepted for delivery"


class SmtpSink:
    """A collecting SMTP server on ``127.0.0.1`` (see the module docstring)."""

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls_context: ssl.SSLContext | None = None,
        refuse_domains: frozenset[str] = frozenset(),
        defer_domains: frozenset[str] = frozenset(),
        eight_bit_mime: bool = True,
        auth_exclude: frozenset[str] = frozenset(),
    ) -> None:
        self.messages: list[ReceivedEmail] = []
        self.sessions: set[int] = set()
        self.logins: list[str] = []
        self.username = username
        self.password = password
        self.tls_context = tls_context
        self.implicit_tls_context = implicit_tls_context
        self.refuse_domains = refuse_domains
        self.defer_domains = defer_domains
        self.eight_bit_mime = eight_bit_mime
        self.auth_exclude = auth_exclude
        self._lock = threading.Lock()
        self._controller: Any = None
        self.port = 0

    def start(self) -> Self:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        def authenticate(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> Any:
            ok = (
                isinstance(data, LoginPassword)
                and data.login.decode("utf-8", "replace") == self.username
                and data.password.decode("utf-8", "replace") == self.password
            )
            if ok:
                with self._lock:
                    self.logins.append(data.login.decode("utf-8"))
            return AuthResult(success=ok, handled=False)

        self.port = _free_port()
        kwargs: dict[str, Any] = {}
        if self.username is not None:
            # With STARTTLS on offer, AUTH only after it (as real servers); without TLS at
            # all the sink accepts it — loopback only, and the URL must say insecure_auth.
            kwargs.update(
                authenticator=authenticate,
                auth_require_tls=self.tls_context is not None,
                auth_exclude_mechanism=sorted(self.auth_exclude),
            )
        if self.tls_context is not None:
            kwargs["tls_context"] = self.tls_context
        self._controller = Controller(
            _Collector(self),
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=self.implicit_tls_context,
            server_hostname="localhost",
            **kwargs,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def connections(self) -> int:
        """How many SMTP sessions delivered at least one message."""
        return len(self.sessions)

    def transport_url(self, sender: str = "praxis@example.org", **options: str) -> str:
        """An ``smtp://`` (or ``smtps://``) URL that reaches this sink."""
        scheme = "smtps" if self.implicit_tls_context is not None else "smtp"
        auth = ""
        if self.username is not None:
            auth = f"{quote(self.username, safe='')}:{quote(self.password or '', safe='')}@"
        tls = self.implicit_tls_context is not None or self.tls_context is not None
        host = "localhost" if tls else "127.0.0.1"
        if self.username is not None and not tls:
            options = {"insecure_auth": "1", **options}
        query = "&".join(f"{k}={v}" for k, v in {"from": sender, **options}.items())
        return f"{scheme}://{auth}{host}:{self.port}?{query}"
