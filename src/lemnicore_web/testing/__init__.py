"""Public fixtures for the booking page (G2): the app served by uvicorn on loopback."""

from __future__ import annotations

from lemnicore_web.testing.server import LiveServer

__all__ = ["LiveServer"]
