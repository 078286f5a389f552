"""The console's sessions, stored in the app database (`activities/database/
console_sessions.py`): opened at login with a random token (all the cookie holds), found
on every page, ended by logging out, by `lead-router console end-sessions USER`, or when
the password or API token they were opened with is no longer the configured one."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import cast

from fastapi import Request

from activities.database import Database
from activities.database.console_sessions import ConsoleSessions
from starter.api.errors import bearer_matches
from starter.console.auth import COOKIE, TOKEN_USER, Keys


def _sessions(request: Request) -> ConsoleSessions:
    return cast(Database, request.app.state.database).console_sessions


async def open_session(request: Request, keys: Keys, user: str, credential: str) -> str:
    """A new session for `user`: the token to set as the cookie."""
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(seconds=keys.session_seconds)
    await _sessions(request).open(token, user, credential, datetime.now(UTC), lifetime)
    return token


async def end_session(request: Request) -> None:
    token = request.cookies.get(COOKIE)
    if token:
        await _sessions(request).end(token)


async def who(request: Request, keys: Keys) -> tuple[str | None, bool]:
    """The signed-in person, and whether they came with the bearer token (a script: no
    CSRF token asked). None: no session, or it expired, was ended or its password changed."""
    if bearer_matches(request.headers.get("authorization"), keys.api_token or ""):
        return TOKEN_USER, True
    if keys.open_access:
        return "developer", False
    token = request.cookies.get(COOKIE)
    if not token:
        return None, False
    sessions = _sessions(request)
    found = await sessions.find(token, datetime.now(UTC))
    if found is None:
        return None, False
    if not keys.credential_holds(found.user, found.credential):
        await sessions.end(token)  # opened with a password that is no longer configured
        return None, False
    return found.user, False
