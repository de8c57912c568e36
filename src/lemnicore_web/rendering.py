"""Jinja2 templates of the booking page (in the package), with the language and CSRF token
every page needs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from lemnicore.timekeeping import zone
from lemnicore_web.i18n import TEXTS, format_day, format_when, pick_language
from lemnicore_web.security import csrf_token

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("lemnicore_web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def language(request: Request, default: str) -> str:
    """H1: the switch (``?lang=``, remembered in the session) wins over Accept-Language."""
    choice = request.query_params.get("lang")
    if choice in TEXTS:
        request.session["lang"] = choice
    else:
        remembered = request.session.get("lang")
        choice = remembered if isinstance(remembered, str) else None
    return pick_language(choice, request.headers.get("accept-language", ""), default)


def render(
    request: Request,
    template: str,
    *,
    default_language: str,
    time_zone: str = "Europe/Berlin",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = language(request, default_language)
    tz = zone(time_zone)

    def local(value: datetime) -> datetime:
        return value.astimezone(tz)

    def when(value: datetime) -> str:
        return format_when(local(value), lang)

    def day_label(value: date) -> str:
        return format_day(value, lang)

    html = _ENV.get_template(template).render(
        lang=lang,
        t=TEXTS[lang],
        csrf=csrf_token(request),
        root=request.scope.get("root_path", ""),
        local=local,
        when=when,
        day_label=day_label,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers={"content-language": lang})
