"""What every console route receives: the signed-in viewer (or a redirect to the login),
a checked form, a connected Temporal client; and the answers to each refusal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, cast
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from starter.console.auth import COOKIE, ConsoleOff, Keys
from starter.console.render import error_page, form_of
from starter.console.sessions import who
from starter.intake import ClientSource


class LoginNeeded(Exception):
    pass


class CsrfRefused(Exception):
    pass


class TemporalDown(Exception):
    pass


class PageProblem(Exception):
    """What a page cannot show, and why: answered with the error page."""

    def __init__(self, status: int, title: str, message: str, todo: str = "") -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.todo = status, title, message, todo


@dataclass(frozen=True)
class Viewer:
    user: str
    script: bool  # came with the bearer token: no CSRF token asked
    csrf: str


def keys_of(request: Request) -> Keys:
    return cast(Keys, request.app.state.console_keys)


async def _viewer(request: Request) -> Viewer:
    keys = keys_of(request)
    keys.check_configured()
    user, script = await who(request, keys)
    if user is None:
        raise LoginNeeded()
    viewer = Viewer(user, script, keys.csrf_for(request))
    request.state.viewer = viewer
    return viewer


@dataclass(frozen=True)
class Submitted:
    """A form that passed its CSRF check, and who sent it."""

    viewer: Viewer
    fields: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


async def _form(request: Request, viewer: Annotated[Viewer, Depends(_viewer)]) -> Submitted:
    form = await form_of(request)
    if not viewer.script and not keys_of(request).csrf_ok(request, form.get("csrf")):
        raise CsrfRefused()
    return Submitted(viewer, form)


async def _temporal(request: Request) -> Client:
    source = cast(ClientSource, request.app.state.client)
    try:
        return await source()
    except (ConnectionError, RuntimeError, RPCError) as exc:
        raise TemporalDown(str(exc)) from None


SIGNED_IN = Depends(_viewer)  # every page's router requires it
Form = Annotated[Submitted, Depends(_form)]
Temporal = Annotated[Client, Depends(_temporal)]


def add_refusals(app: FastAPI) -> None:
    """The pages a refusal ends on: each says what was wrong and what to do."""

    async def login_needed(request: Request, _: Exception) -> Response:
        if request.method == "GET" and "authorization" not in request.headers:
            target = quote(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
            response: Response = RedirectResponse(f"/console/login?next={target}", 303)
        else:
            response = error_page(request, 401, "Sign in first",
                                  "this page needs a console login or `Authorization: Bearer "
                                  "$LEAD_ROUTER_API_TOKEN`; a session ends when you log out, "
                                  "when it expires, or when your password changes",
                                  "sign in at /console/login")  # fmt: skip
        if COOKIE in request.cookies:  # expired or ended: the browser forgets it
            response.delete_cookie(COOKIE, path="/console")
        return response

    async def console_off(request: Request, exc: Exception) -> Response:
        return error_page(request, 503, "The console is off", str(exc),
                          "set the variable, then restart the API")  # fmt: skip

    async def csrf_refused(request: Request, _: Exception) -> Response:
        return error_page(request, 403, "This form expired",
                          "the form's security token is missing or belongs to another session",
                          "go back, reload the page and submit again")  # fmt: skip

    async def temporal_down(request: Request, exc: Exception) -> Response:
        return error_page(request, 503, "Temporal is unreachable", str(exc),
                          "start Temporal (`lead-router up`) or check TEMPORAL_ADDRESS; "
                          "the app database pages (analytics, rules, dead letters) still work")  # fmt: skip

    async def temporal_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RPCError)
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return await temporal_down(request, exc)
        if exc.status is RPCStatusCode.NOT_FOUND:
            return error_page(request, 404, "No such lead", exc.message,
                              "check the id, or find the lead in the queue")  # fmt: skip
        return error_page(request, 502, "Temporal refused the request",
                          f"{exc.status.name if exc.status else 'error'}: {exc.message}",
                          "reload; if it persists, check the Temporal server's log")  # fmt: skip

    async def page_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PageProblem)
        return error_page(request, exc.status, exc.title, exc.message, exc.todo)

    app.add_exception_handler(PageProblem, page_problem)
    app.add_exception_handler(LoginNeeded, login_needed)
    app.add_exception_handler(RPCError, temporal_error)
    app.add_exception_handler(ConsoleOff, console_off)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(TemporalDown, temporal_down)
