"""H1–H5: the ASGI app factory of the booking page (Starlette, Jinja2 templates)."""

from __future__ import annotations

from importlib.resources import files

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from lemnicore.clock import Clock, SystemClock
from lemnicore.notifications.transport import Transport
from lemnicore.plugins.manager import open_store
from lemnicore.storage.ports import Store
from lemnicore_web.api import Api
from lemnicore_web.config import WebConfig
from lemnicore_web.pages import Pages
from lemnicore_web.security import SecurityHeaders
from lemnicore_web.site import BookingSite
from lemnicore_web.staff import StaffPages

_CSS = files("lemnicore_web").joinpath("static/booking.css").read_text(encoding="utf-8")


async def _stylesheet(request: Request) -> Response:
    return PlainTextResponse(
        _CSS, media_type="text/css", headers={"cache-control": "public, max-age=3600"}
    )


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app(
    store: Store | str,
    *,
    config: WebConfig | None = None,
    clock: Clock | None = None,
    transport: Transport | None = None,
) -> Starlette:
    """H1: the booking page and its JSON API for ``store`` (a store or a store URL).

    ``transport`` sends the "request received" e-mails and, through the notification
    service, the confirmations (C5/D); both carry the H5 self-cancel link.
    The app keeps its :class:`~lemnicore_web.site.BookingSite` in ``app.state.site``.
    """
    config = config or WebConfig()
    opened = open_store(store) if isinstance(store, str) else store
    site = BookingSite(opened, clock or SystemClock(), config, transport=transport)
    pages, api = Pages(site), Api(site)
    staff = StaffPages(pages)
    routes = [
        Route("/book/{token}", pages.week),
        Route("/book/{token}/slot", pages.pick, methods=["POST"]),
        Route("/book/{token}/request", pages.submit, methods=["POST"]),
        Route("/book/{token}/received/{ref}", pages.received),
        Route("/cancel/{ref}", pages.cancel, methods=["GET", "POST"]),
        Route("/login", pages.login, methods=["GET", "POST"]),
        Route("/login/password", pages.change_password, methods=["GET", "POST"]),
        Route("/staff", staff.inbox),
        Route("/staff/login", staff.login, methods=["GET", "POST"]),
        Route("/staff/logout", staff.logout, methods=["POST"]),
        Route("/staff/requests/{appointment_id}/{decision:str}", staff.decide, methods=["POST"]),
        Route("/api/v1/booking/{token}/week", api.week),
        Route("/api/v1/booking/{token}/requests", api.request, methods=["POST"]),
        Route("/api/v1/login", api.login, methods=["POST"]),
        Route("/api/v1/cancel", api.cancel, methods=["POST"]),
        Route("/api/v1/openapi.json", api.openapi),
        Route("/static/booking.css", _stylesheet),
        Route("/healthz", _health),
    ]
    middleware = [
        Middleware(SecurityHeaders, frame_ancestors=config.frame_ancestors),
        Middleware(
            SessionMiddleware,
            secret_key=config.secret_key.hex(),
            session_cookie="lemnicore_session",
            max_age=8 * 3600,
            # Inside a practice's iframe the page is third-party: only SameSite=None
            # cookies reach it, and browsers accept those only when Secure (behind HTTPS).
            same_site="none" if config.secure_cookies else "lax",
            https_only=config.secure_cookies,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.site = site
    return app
