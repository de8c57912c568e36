"""lemnicore_web: the embeddable booking page and JSON API (SPEC H1–H5), extra ``web``."""

from __future__ import annotations

from lemnicore_web.app import create_app
from lemnicore_web.config import StaffLogin, WebConfig
from lemnicore_web.mail import CancelLinkTransport
from lemnicore_web.site import BookingSite

__all__ = ["BookingSite", "CancelLinkTransport", "StaffLogin", "WebConfig", "create_app"]
