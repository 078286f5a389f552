"""Signing in and out of the console."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from starter.console.access import CsrfRefused, keys_of
from starter.console.auth import COOKIE, set_cookie
from starter.console.render import form_of, page
from starter.console.sessions import end_session, open_session

router = APIRouter(prefix="/console", include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a console address: never another site (an open redirect)."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console"


@router.get("/login")
async def login_page(request: Request, next: str = "/console") -> Response:
    keys = keys_of(request)
    keys.check_configured()
    nonce = request.cookies.get(COOKIE + "_nonce") or secrets.token_urlsafe(16)
    request.cookies[COOKIE + "_nonce"] = nonce  # the token below is made from it
    response = page(request, "login.html", csrf=keys.csrf_for(request), next=_safe_next(next),
                    users=bool(keys.users), problem=None)  # fmt: skip
    set_cookie(response, request, COOKIE + "_nonce", nonce, 3600)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    keys = keys_of(request)
    keys.check_configured()
    form = await form_of(request)
    if not keys.csrf_ok(request, form.get("csrf")):
        raise CsrfRefused()
    signed = keys.login(form.get("user", ""), form.get("password", ""))
    target = _safe_next(form.get("next"))
    if signed is None:
        return page(request, "login.html", 401, csrf=keys.csrf_for(request), next=target,
                    users=bool(keys.users),
                    problem="wrong name or password (or API token): try again")  # fmt: skip
    response = RedirectResponse(target, status_code=303)
    await end_session(request)  # signing in again: the session before it ends
    token = await open_session(request, keys, *signed)
    set_cookie(response, request, COOKIE, token, keys.session_seconds)
    response.delete_cookie(COOKIE + "_nonce", path="/console")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await form_of(request)
    if not keys_of(request).csrf_ok(request, form.get("csrf")):
        raise CsrfRefused()
    await end_session(request)  # for real: the cookie, if kept, opens nothing
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response
