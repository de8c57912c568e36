"""H3: the staff inbox — log in (B1 roles), see open requests, attach an existing or new
client and confirm (which sends the confirmation, D), or decline."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lemnicore.access.actors import Actor
from lemnicore.errors import AccessDeniedError, LemnicoreError, NotFoundError
from lemnicore.online.requests import NewClient
from lemnicore_web.i18n import TEXTS
from lemnicore_web.pages import Pages, check_staff_password, rooted
from lemnicore_web.rendering import language


class StaffPages:
    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.site = pages.site

    def _actor(self, request: Request) -> Actor | None:
        login_id = request.session.get("staff")
        login = self.site.config.staff_login(login_id) if isinstance(login_id, str) else None
        return login.actor if login is not None else None

    def _login_page(self, request: Request, error: str = "", status: int = 200) -> Response:
        t = TEXTS[language(request, self.pages.lang_default)]
        return self.pages._page(
            request,
            "login.html",
            status_code=status,
            heading=t["staff_login_title"],
            intro="",
            error=error,
            action=rooted(request, "/staff/login"),
            button=t["login_button"],
            fields=[
                ("login_id", t["login_id"], "email", "username"),
                ("password", t["password"], "password", "current-password"),
            ],
        )

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            return self._login_page(request)
        values = await self.pages._form(request)
        if values is None:
            return self.pages._message(request, 403, "err_form")
        login_id = await run_in_threadpool(
            check_staff_password, self.site, values.get("login_id", ""), values.get("password", "")
        )
        if login_id is None:
            t = TEXTS[language(request, self.pages.lang_default)]
            return self._login_page(request, t["login_failed"], 401)
        request.session.clear()
        request.session["staff"] = login_id
        return RedirectResponse(rooted(request, "/staff"), status_code=303)

    async def logout(self, request: Request) -> Response:
        if await self.pages._form(request) is None:
            return self.pages._message(request, 403, "err_form")
        request.session.clear()
        return RedirectResponse(rooted(request, "/staff/login"), status_code=303)

    async def inbox(self, request: Request, notice: str = "", error: str = "") -> Response:
        actor = self._actor(request)
        if actor is None:
            return RedirectResponse(rooted(request, "/staff/login"), status_code=303)
        requests = await run_in_threadpool(self.site.online.requests, actor)
        zones = await run_in_threadpool(self._zone)
        return self.pages._page(
            request,
            "inbox.html",
            time_zone=zones,
            who=actor.name or str(request.session.get("staff", actor.id)),
            requests=requests,
            notice=notice,
            error=error,
        )

    def _zone(self) -> str:
        with self.site.store.unit_of_work(write=False) as uow:
            organisations = uow.organisations.all()
        return organisations[0].time_zone if organisations else "Europe/Berlin"

    async def decide(self, request: Request) -> Response:
        actor = self._actor(request)
        if actor is None:
            return RedirectResponse(rooted(request, "/staff/login"), status_code=303)
        values = await self.pages._form(request)
        if values is None:
            return self.pages._message(request, 403, "err_form")
        t = TEXTS[language(request, self.pages.lang_default)]
        appointment_id = request.path_params["appointment_id"]
        try:
            if request.path_params["decision"] == "decline":
                await run_in_threadpool(self.site.online.decline, actor, appointment_id)
                return await self.inbox(request, notice=t["declined"])
            client_id = values.get("client_id", "").strip()
            if values.get("attach") == "existing":
                await run_in_threadpool(
                    lambda: self.site.online.confirm(actor, appointment_id, client_id=client_id)
                )
            else:
                wanted = next(
                    (
                        r
                        for r in self.site.online.requests(actor)
                        if r.appointment_id == appointment_id
                    ),
                    None,
                )
                if wanted is None or wanted.requester is None:
                    raise NotFoundError("booking request", appointment_id)
                new = NewClient.from_request(wanted.requester)
                await run_in_threadpool(
                    lambda: self.site.online.confirm(actor, appointment_id, new_client=new)
                )
        except AccessDeniedError:
            return self.pages._message(request, 403, "not_found")
        except LemnicoreError as error:
            return await self.inbox(request, error=str(error))
        return await self.inbox(request, notice=t["confirmed"])
