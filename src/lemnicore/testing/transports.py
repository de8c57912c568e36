"""Capturing fake transports (G2): they keep what they are given instead of sending it.

:class:`CapturingTransport` behaves like a provider that honours idempotency keys: a second
send with a key it has seen returns the first delivery and delivers nothing new (D15).
Tests can make it fail (``fail_next``) or make the *caller* crash right after the provider
accepted a message (``crash_after``), the case the outbox must survive without duplicates.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import ClassVar

from lemnicore.notifications.transport import Delivery, OutgoingMessage, TransportError
from lemnicore.plugins.markers import hookimpl
from lemnicore.scheduling.clients import Channel

AUTOMATIC = frozenset({Channel.EMAIL, Channel.SMS, Channel.THREEMA})


class SimulatedCrash(BaseException):
    """The process died between the provider's answer and recording it.

    A ``BaseException``, so no ``except Exception`` in the dispatcher swallows it.
    """


class CapturingTransport:
    """A transport that records messages; ``delivered`` holds each key once."""

    _named: ClassVar[dict[str, CapturingTransport]] = {}

    def __init__(self, channels: Iterable[Channel] = AUTOMATIC, *, name: str = "capture") -> None:
        self._channels = frozenset(channels)
        self.name = name
        self.attempts: list[OutgoingMessage] = []
        self.delivered: list[OutgoingMessage] = []
        self._deliveries: dict[str, Delivery] = {}
        self._failures: deque[TransportError] = deque()
        self.crash_after: Callable[[OutgoingMessage], bool] | None = None
        self.closed = False

    @classmethod
    def named(cls, name: str) -> CapturingTransport:
        """The shared instance behind ``capture://name`` URLs (CLI tests)."""
        if name not in cls._named:
            cls._named[name] = cls(name=name)
        return cls._named[name]

    @property
    def channels(self) -> frozenset[Channel]:
        return self._channels

    def fail_next(self, *errors: TransportError) -> None:
        """The next sends raise these errors, in order."""
        self._failures.extend(errors)

    def send(self, message: OutgoingMessage) -> Delivery:
        self.attempts.append(message)
        if self._failures:
            raise self._failures.popleft()
        known = self._deliveries.get(message.idempotency_key)
        if known is None:
            known = Delivery(self.name, f"{self.name}-{len(self.delivered) + 1}")
            self._deliveries[message.idempotency_key] = known
            self.delivered.append(message)
        if self.crash_after is not None and self.crash_after(message):
            raise SimulatedCrash(message.idempotency_key)
        return known

    def close(self) -> None:
        self.closed = True

    def to(self, address: str) -> list[OutgoingMessage]:
        return [m for m in self.delivered if m.address == address]


@hookimpl
def lemnicore_register_transports(register: Callable[[str, Callable[[str], object]], None]) -> None:
    """``capture://name``: a shared :class:`CapturingTransport` (only when this module is
    registered as a plugin, e.g. in tests)."""
    register("capture", lambda url: CapturingTransport.named(url.removeprefix("capture://")))
