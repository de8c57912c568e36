"""Fakes for tests and examples (G2): an in-memory practice, a fake clock, and fixtures.

These are product, not test clutter: lemnicore's own tests use them first.
"""

from lemnicore.testing.clock import FakeClock
from lemnicore.testing.practice import MON_FRI, Practice
from lemnicore.testing.transports import CapturingTransport, SimulatedCrash

__all__ = ["MON_FRI", "CapturingTransport", "FakeClock", "Practice", "SimulatedCrash"]
