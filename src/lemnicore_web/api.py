"""H2: the booking page's operations as a JSON API, described by an OpenAPI document.

Errors are ``application/problem+json`` (RFC 9457) with ``field`` naming the wrong input.
Bodies must be ``application/json`` (a cross-site HTML form cannot send that, H4).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lemnicore.errors import (
    AccessDeniedError,
    LemnicoreError,
    NotFoundError,
    SlotTakenError,
    ValidationError,
)
from lemnicore.online.cancellation import SELF_CANCEL_ACTOR
from lemnicore_web.pages import FORM_FIELDS, client_address, form_errors, parse_start, parse_week
from lemnicore_web.site import BookingSite

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, field: str | None = None) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def problem_of(error: LemnicoreError) -> Response:
    if isinstance(error, ValidationError):
        return problem(422, "Invalid input", error.reason, error.field)
    if isinstance(error, SlotTakenError):
        return problem(409, "Slot taken", "somebody else has taken or holds this slot", "start")
    if isinstance(error, NotFoundError):
        return problem(404, "Not found", str(error))
    if isinstance(error, AccessDeniedError):
        return problem(403, "Not allowed", error.reason)
    return problem(400, "Refused", str(error))


async def json_body(request: Request, required: tuple[str, ...]) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ValidationError("body", "send application/json")
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ValidationError("body", "not valid JSON") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    for name, value in data.items():
        if not isinstance(value, str):
            raise ValidationError(str(name), "must be a string")
    for name in required:
        if name not in data:
            raise ValidationError(name, "is required")
    return data


class Api:
    def __init__(self, site: BookingSite) -> None:
        self.site = site

    async def week(self, request: Request) -> Response:
        token = request.path_params["token"]
        raw = request.query_params.get("week")
        day = parse_week(raw)
        if raw is not None and day is None:  # given but empty or no date
            return problem(422, "Invalid input", "not a date (YYYY-MM-DD)", "week")
        try:
            view, days = await run_in_threadpool(self.site.week, token, day)
        except LemnicoreError as error:
            return problem_of(error)
        return JSONResponse(
            {
                "room": view.room_name,
                "time_zone": view.time_zone,
                "week_start": view.week_start.isoformat(),
                "previous_week": view.previous_week.isoformat(),
                "next_week": view.next_week.isoformat(),
                "days": [
                    {
                        "day": d.day.isoformat(),
                        "slots": [
                            {"start": s.start.isoformat(), "end": s.end.isoformat(), "free": s.free}
                            for s in slots
                        ],
                    }
                    for d, slots in zip(view.days, days, strict=True)
                ],
            }
        )

    async def request(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            data = await json_body(request, ("start", "last_name", "email"))
            if data.get("website"):
                return problem(400, "Refused", "request refused", "website")
            start = parse_start(data["start"])
            fields = {k: data.get(k, "") for k in FORM_FIELDS}
            errors = form_errors(fields)
            if errors:
                field, reason = next(iter(errors.items()))
                return problem(422, "Invalid input", reason, field)
            await run_in_threadpool(
                self.site.check_request, token, start, fields["email"], client_address(request)
            )
            receipt = await run_in_threadpool(
                lambda: self.site.online.request(token, start, **fields)
            )
        except LemnicoreError as error:
            return problem_of(error)
        self.site.note_request(receipt, client_address(request))
        return JSONResponse(
            {
                "start": receipt.start.isoformat(),
                "end": receipt.end.isoformat(),
                "status": "proposed",
                "receipt_sent": receipt.receipt_sent,
                "cancel_token": self.site.links.token(receipt.appointment_id),
            },
            status_code=201,
        )

    async def login(self, request: Request) -> Response:
        try:
            data = await json_body(request, ("login_id", "password"))
            result = await run_in_threadpool(
                self.site.logins.authenticate, data["login_id"], data["password"]
            )
        except AccessDeniedError:
            return problem(401, "Login failed", "unknown login id or wrong password", "password")
        except LemnicoreError as error:
            return problem_of(error)
        return JSONResponse({"must_change_password": result.must_change_password})

    async def cancel(self, request: Request) -> Response:
        try:
            data = await json_body(request, ("token",))
            after = await run_in_threadpool(
                self.site.cancellation.cancel, SELF_CANCEL_ACTOR, data["token"]
            )
        except AccessDeniedError:
            return problem(403, "Not allowed", "this cancel link is not valid", "token")
        except LemnicoreError as error:
            return problem_of(error)
        return JSONResponse({"status": after.status.value, "start": after.start.isoformat()})

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document(self.site.config.public_url))


def _problem_ref() -> dict[str, Any]:
    return {"content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": {"type": "string"},
                }
            }
        },
    }


def openapi_document(server: str) -> dict[str, Any]:
    """H2: the OpenAPI 3.1 document of the JSON API."""
    text = {"type": "string"}
    token = {"name": "token", "in": "path", "required": True, "schema": text}
    problems = {
        str(code): {"description": title, **_problem_ref()}
        for code, title in (
            (400, "Refused"),
            (403, "Not allowed"),
            (404, "Unknown booking link"),
            (409, "Slot taken"),
            (422, "Invalid input (field names it)"),
        )
    }
    slot = {
        "type": "object",
        "properties": {"start": text, "end": text, "free": {"type": "boolean"}},
        "required": ["start", "end", "free"],
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "lemnicore booking API", "version": "1"},
        "servers": [{"url": server}],
        "paths": {
            "/api/v1/booking/{token}/week": {
                "get": {
                    "summary": "C2: one week of free and taken slots",
                    "operationId": "week",
                    "parameters": [
                        token,
                        {
                            "name": "week",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "format": "date"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The week",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "room": text,
                                            "time_zone": text,
                                            "week_start": text,
                                            "previous_week": text,
                                            "next_week": text,
                                            "days": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "day": text,
                                                        "slots": {"type": "array", "items": slot},
                                                    },
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "404": problems["404"],
                        "422": problems["422"],
                    },
                }
            },
            "/api/v1/booking/{token}/requests": {
                "post": {
                    "summary": "C3/C4: request a slot",
                    "operationId": "request",
                    "parameters": [token],
                    "requestBody": _body(
                        dict.fromkeys(("start", *FORM_FIELDS), text),
                        ["start", "last_name", "email"],
                    ),
                    "responses": {
                        "201": {"description": "Request received (proposed)"},
                        **{c: problems[c] for c in ("400", "404", "409", "422")},
                    },
                }
            },
            "/api/v1/login": {
                "post": {
                    "summary": "C6: check a client login",
                    "operationId": "login",
                    "requestBody": _body(
                        {"login_id": text, "password": text}, ["login_id", "password"]
                    ),
                    "responses": {
                        "200": {"description": "Logged in"},
                        "401": {"description": "Login failed", **_problem_ref()},
                        "422": problems["422"],
                    },
                }
            },
            "/api/v1/cancel": {
                "post": {
                    "summary": "H5: cancel through a signed link token",
                    "operationId": "cancel",
                    "requestBody": _body({"token": text}, ["token"]),
                    "responses": {
                        "200": {"description": "Cancelled"},
                        **{c: problems[c] for c in ("403", "404", "422")},
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": text,
                        "title": text,
                        "status": {"type": "integer"},
                        "detail": text,
                        "field": text,
                    },
                    "required": ["title", "status"],
                }
            }
        },
    }
