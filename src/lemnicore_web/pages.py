"""H1/H4/H5: the public booking pages — week, request form, received page, self-cancel,
client login. Plain HTML forms; every POST carries the session's CSRF token."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lemnicore.access.logins import verify_password
from lemnicore.errors import (
    AccessDeniedError,
    LemnicoreError,
    NotFoundError,
    OutsideWorkingHoursError,
    SlotTakenError,
)
from lemnicore.errors import ValidationError as LemnicoreValidationError
from lemnicore.online.cancellation import SELF_CANCEL_ACTOR
from lemnicore.online.requests import BookingRequestForm
from lemnicore_web.i18n import TEXTS, error_text
from lemnicore_web.rendering import language, render
from lemnicore_web.security import CSRF_FIELD, csrf_valid
from lemnicore_web.site import BookingSite

FORM_FIELDS = ("last_name", "first_name", "email", "phone", "message")
_PLACEHOLDER = {"last_name": "x", "email": "x@example.org"}


def form_errors(values: dict[str, str]) -> dict[str, str]:
    """C3: every wrong field with its reason (the domain rule stops at the first one, so
    each field is checked on its own against valid stand-ins for the others)."""
    errors: dict[str, str] = {}
    for name in FORM_FIELDS:
        probe = _PLACEHOLDER | {name: values.get(name, "")}
        try:
            BookingRequestForm.checked(**probe)
        except LemnicoreValidationError as error:
            errors[error.field] = error.reason
    return errors


def parse_start(value: str) -> datetime:
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise LemnicoreValidationError("start", "not a date and time") from None
    if start.tzinfo is None:
        raise LemnicoreValidationError("start", "needs a time zone offset")
    return start


def parse_week(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def rooted(request: Request, path: str) -> str:
    """``path`` below the app's mount point (a reverse proxy's ``--root-path``)."""
    return f"{request.scope.get('root_path', '')}{path}"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class Pages:
    def __init__(self, site: BookingSite) -> None:
        self.site = site
        self.lang_default = site.config.default_language

    def _page(self, request: Request, template: str, **context: Any) -> Response:
        return render(request, template, default_language=self.lang_default, **context)

    def _message(self, request: Request, status: int, key: str, back: str = "") -> Response:
        lang = language(request, self.lang_default)
        text = TEXTS[lang][key]
        return self._page(
            request, "message.html", status_code=status, heading=text, text=text, back=back
        )

    async def _form(self, request: Request) -> dict[str, str] | None:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return values if csrf_valid(request, values.get(CSRF_FIELD)) else None

    # -- week --------------------------------------------------------------------------------

    async def week(self, request: Request, notice_key: str = "", status: int = 200) -> Response:
        token = request.path_params["token"]
        day = parse_week(request.query_params.get("week"))
        try:
            try:
                view, days = await run_in_threadpool(self.site.week, token, day)
            except LemnicoreValidationError:
                view, days = await run_in_threadpool(self.site.week, token, None)
        except NotFoundError:
            return self._message(request, 404, "not_found")
        lang = language(request, self.lang_default)
        return self._page(
            request,
            "week.html",
            time_zone=view.time_zone,
            status_code=status,
            view=view,
            days=list(zip((d.day for d in view.days), days, strict=True)),
            week_label=view.week_start.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d"),
            notice=TEXTS[lang][notice_key] if notice_key else "",
        )

    async def pick(self, request: Request) -> Response:
        """C4: a slot button holds the slot while the requester fills in the form."""
        token = request.path_params["token"]
        values = await self._form(request)
        if values is None:
            return self._message(request, 403, "err_form")
        try:
            start = parse_start(values.get("start", ""))
            self.site.config.horizon.check(start, self.site.clock.now())
            hold = await run_in_threadpool(self.site.online.hold, token, start)
            # One hold per visitor: picking another slot gives the earlier one back (C4).
            earlier = request.session.get("hold")
            if isinstance(earlier, str) and earlier != hold.id:
                await run_in_threadpool(self.site.online.drop_hold, earlier)
            request.session["hold"] = hold.id
            view, _ = await run_in_threadpool(self.site.week, token, start.date())
        except SlotTakenError:
            return await self.week(request, "slot_taken", 409)
        except OutsideWorkingHoursError:  # A10: not "taken" — the practitioner is away then
            return await self.week(request, "outside_hours", 422)
        except NotFoundError:
            return self._message(request, 404, "not_found")
        except LemnicoreValidationError:
            return self._message(request, 422, "err_start", rooted(request, f"/book/{token}"))
        return self._request_form(
            request, token, view.room_name, view.time_zone, start, hold.id, hold.expires_at, {}, {}
        )

    def _request_form(
        self,
        request: Request,
        token: str,
        room_name: str,
        time_zone: str,
        start: datetime,
        hold: str | None,
        held_until: datetime | None,
        values: dict[str, str],
        errors: dict[str, str],
    ) -> Response:
        lang = language(request, self.lang_default)
        from lemnicore.timekeeping import zone

        until = held_until.astimezone(zone(time_zone)).strftime("%H:%M") if held_until else ""
        return self._page(
            request,
            "request.html",
            time_zone=time_zone,
            status_code=422 if errors else 200,
            token=token,
            room_name=room_name,
            start=start,
            hold=hold,
            held_until=until,
            week=start.date().isoformat(),
            values=values,
            errors={f: error_text(lang, f, r) for f, r in errors.items()},
        )

    async def submit(self, request: Request) -> Response:
        """C3/C4/H4: the request form; errors next to their fields, else the received page."""
        token = request.path_params["token"]
        values = await self._form(request)
        if values is None:
            return self._message(request, 403, "err_form")
        if values.get("website"):  # H4 honeypot: a person never fills this in
            return self._message(request, 400, "err_request")
        try:
            start = parse_start(values.get("start", ""))
            view, _ = await run_in_threadpool(self.site.week, token, start.date())
        except NotFoundError:
            return self._message(request, 404, "not_found")
        except LemnicoreValidationError:
            return self._message(request, 422, "err_start", rooted(request, f"/book/{token}"))
        hold = values.get("hold") or None
        shown = {k: values.get(k, "") for k in FORM_FIELDS}
        errors = form_errors(shown)
        if not errors:
            try:
                await run_in_threadpool(
                    self.site.check_request, token, start, shown["email"], client_address(request)
                )
                receipt = await run_in_threadpool(
                    lambda: self.site.online.request(
                        token,
                        start,
                        last_name=shown["last_name"],
                        email=shown["email"],
                        first_name=shown["first_name"],
                        phone=shown["phone"],
                        message=shown["message"],
                        hold_id=hold,
                    )
                )
            except SlotTakenError:
                return await self.week(request, "slot_taken", 409)
            except OutsideWorkingHoursError:  # A10
                return await self.week(request, "outside_hours", 422)
            except LemnicoreValidationError as error:
                errors = {error.field: error.reason}
            else:
                self.site.note_request(receipt, client_address(request))
                request.session.pop("hold", None)
                ref = self.site.links.token(receipt.appointment_id)
                return RedirectResponse(
                    rooted(request, f"/book/{token}/received/{ref}"), status_code=303
                )
        return self._request_form(
            request, token, view.room_name, view.time_zone, start, hold, None, shown, errors
        )

    async def received(self, request: Request) -> Response:
        """C5: the request-received page, with the H5 self-cancel link."""
        token, ref = request.path_params["token"], request.path_params["ref"]
        try:
            view, _ = await run_in_threadpool(self.site.week, token, None)
            outlook = await run_in_threadpool(
                self.site.cancellation.outlook, SELF_CANCEL_ACTOR, ref
            )
        except (NotFoundError, AccessDeniedError):
            return self._message(request, 404, "not_found")
        return self._page(
            request,
            "received.html",
            time_zone=view.time_zone,
            token=token,
            start=outlook.start,
            cancel_url=rooted(request, f"/cancel/{ref}"),
        )

    # -- H5 self-cancel -------------------------------------------------------------------------

    async def cancel(self, request: Request) -> Response:
        ref = request.path_params["ref"]
        done = False
        if request.method == "POST":
            if await self._form(request) is None:
                return self._message(request, 403, "err_form")
            try:
                await run_in_threadpool(self.site.cancellation.cancel, SELF_CANCEL_ACTOR, ref)
                done = True
            except LemnicoreValidationError:
                pass
            except (NotFoundError, AccessDeniedError):
                return self._message(request, 404, "not_found")
        try:
            outlook = await run_in_threadpool(
                self.site.cancellation.outlook, SELF_CANCEL_ACTOR, ref
            )
            tz_name = await run_in_threadpool(self._zone_of_room, outlook.room_id)
        except (NotFoundError, AccessDeniedError):
            return self._message(request, 404, "not_found")
        return self._page(request, "cancel.html", time_zone=tz_name, outlook=outlook, done=done)

    def _zone_of_room(self, room_id: str) -> str:
        with self.site.store.unit_of_work(write=False) as uow:
            return uow.branches.get(uow.rooms.get(room_id).branch_id).time_zone

    # -- C6 client login ----------------------------------------------------------------------

    def _login_page(self, request: Request, error: str = "", status: int = 200) -> Response:
        t = TEXTS[language(request, self.lang_default)]
        return self._page(
            request,
            "login.html",
            status_code=status,
            heading=t["login_title"],
            intro="",
            error=error,
            action=rooted(request, "/login"),
            button=t["login_button"],
            fields=[
                ("login_id", t["login_id"], "email", "username"),
                ("password", t["password"], "password", "current-password"),
            ],
        )

    def _change_page(self, request: Request, error: str = "", status: int = 200) -> Response:
        t = TEXTS[language(request, self.lang_default)]
        return self._page(
            request,
            "login.html",
            status_code=status,
            heading=t["change_title"],
            intro=t["change_text"],
            error=error,
            action=rooted(request, "/login/password"),
            button=t["change_button"],
            fields=[
                ("old_password", t["old_password"], "password", "current-password"),
                ("new_password", t["new_password"], "password", "new-password"),
            ],
        )

    async def login(self, request: Request) -> Response:
        t = TEXTS[language(request, self.lang_default)]
        if request.method == "GET":
            return self._login_page(request)
        values = await self._form(request)
        if values is None:
            return self._message(request, 403, "err_form")
        try:
            result = await run_in_threadpool(
                self.site.logins.authenticate,
                values.get("login_id", ""),
                values.get("password", ""),
            )
        except AccessDeniedError:
            return self._login_page(request, t["login_failed"], 401)
        request.session.clear()  # a new session on login (no fixation)
        if result.must_change_password:
            request.session["pending_login"] = result.login_id
            return RedirectResponse(rooted(request, "/login/password"), status_code=303)
        request.session["client"] = result.client_id
        return self._page(
            request,
            "message.html",
            heading=t["login_title"],
            text=t["logged_in"].format(who=result.login_id),
            back="",
        )

    async def change_password(self, request: Request) -> Response:
        t = TEXTS[language(request, self.lang_default)]
        pending = request.session.get("pending_login")
        if not isinstance(pending, str):
            return RedirectResponse(rooted(request, "/login"), status_code=303)
        if request.method == "GET":
            return self._change_page(request)
        values = await self._form(request)
        if values is None:
            return self._message(request, 403, "err_form")
        try:
            await run_in_threadpool(
                self.site.logins.change_password,
                pending,
                values.get("old_password", ""),
                values.get("new_password", ""),
            )
        except AccessDeniedError:
            return self._change_page(request, t["login_failed"], 401)
        except LemnicoreValidationError as error:
            return self._change_page(request, error.reason, 422)
        request.session.pop("pending_login", None)
        return self._page(
            request,
            "message.html",
            heading=t["change_title"],
            text=t["logged_in"].format(who=pending),
            back="",
        )


def check_staff_password(site: BookingSite, login_id: str, password: str) -> str | None:
    """H3: the staff login id if the password matches (constant work for unknown ids)."""
    login = site.config.staff_login(login_id)
    if login is None:
        from lemnicore.services.logins import _dummy_hash

        verify_password(password, _dummy_hash())
        return None
    return login.login_id if verify_password(password, login.password_hash) else None


__all__ = ["LemnicoreError", "Pages", "check_staff_password", "form_errors"]
