"""Console sessions are stored in the app database: the cookie carries a random token
only; logging out ends the session for real (the old cookie opens nothing); an admin
ends every session of a user (`lead-router console end-sessions`); a changed password
ends the sessions opened with the old one; an expired one goes back to the login."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import update
from typer.testing import CliRunner

from activities.database.tables import ConsoleSessionRow
from starter.cli.main import app as cli_app
from starter.console.auth import COOKIE, hash_password
from starter.runtime.settings import ConsoleSettings
from tests.starter.api.conftest import API_TOKEN, Api
from tests.starter.console.conftest import Console, sign_in
from tests.starter.console.test_access import csrf_of, signed_in

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def browser_of(app: Api, user: str, password: str) -> httpx.AsyncClient:
    """A client of its own (its own cookie jar), signed in as `user`."""
    own = httpx.AsyncClient(base_url=app.base_url, timeout=60)
    answer = await signed_in(Api(app.lab, app.app, app.config, own, app.base_url), password, user)
    assert answer.status_code == 303, answer.text[:400]
    return own


async def sends_to_login(http: httpx.AsyncClient) -> bool:
    answer = await http.get("/console/team")
    return answer.status_code == 303 and answer.headers["location"].startswith("/console/login")


async def test_the_cookie_holds_a_token_and_logging_out_ends_the_session(
    console: Console,
) -> None:
    app = await console()
    assert (await signed_in(app)).status_code == 303
    assert (await signed_in(app)).status_code == 303  # again: the first session ends
    token = app.http.cookies[COOKIE]
    assert "rita" not in token and len(token) >= 40  # nothing but a random token
    sessions = await app.lab.store.console_sessions.open_ones(datetime.now(UTC))
    assert [(s.id, s.user) for s in sessions] == [
        (hashlib.sha256(token.encode()).hexdigest(), "rita")
    ]

    team = await app.http.get("/console/team")
    out = await app.http.post("/console/logout", data={"csrf": csrf_of(team.text)})
    assert out.status_code == 303 and out.headers["location"] == "/console/login"
    assert await app.lab.store.console_sessions.open_ones(datetime.now(UTC)) == []
    # a copy of the cookie kept from before the logout opens nothing now
    app.http.cookies.set(COOKIE, token, path="/console")
    assert await sends_to_login(app.http)
    posted = await app.http.post("/console/team/noah.fischer/availability", data={"away": "true"})
    assert posted.status_code == 401 and "when you log out" in posted.text


async def test_an_admin_ends_every_session_of_a_user(console: Console) -> None:
    users = f"maria={hash_password('correct horse')};omar={hash_password('battery staple')}"
    app = await console(console=ConsoleSettings(users=users))
    laptop, phone = [await browser_of(app, "maria", "correct horse") for _ in range(2)]
    other = await browser_of(app, "omar", "battery staple")
    try:
        environment = {"LEAD_ROUTER_DATABASE_URL": app.lab.store.url}
        listed = await asyncio.to_thread(
            CliRunner().invoke, cli_app, ["console", "sessions", "--json"], env=environment
        )
        assert listed.exit_code == 0, listed.output
        assert sorted(s["user"] for s in json.loads(listed.stdout)) == [
            "maria", "maria", "omar",
        ]  # fmt: skip
        ended = await asyncio.to_thread(
            CliRunner().invoke, cli_app, ["console", "end-sessions", "maria"], env=environment
        )
        assert ended.exit_code == 0 and "ended 2 console session(s) of maria" in ended.output
        assert await sends_to_login(laptop) and await sends_to_login(phone)
        assert (await other.get("/console/team")).status_code == 200
    finally:
        for one in (laptop, phone, other):
            await one.aclose()


async def test_a_changed_password_ends_the_sessions_opened_with_the_old_one(
    console: Console,
) -> None:
    before = ConsoleSettings(users=f"maria={hash_password('correct horse')}")
    app = await console(console=before)
    maria = await browser_of(app, "maria", "correct horse")
    rita = await browser_of(app, "rita", API_TOKEN)  # signed in with the API token
    try:
        # the API restarts with maria's new password, on the same app database
        after = ConsoleSettings(users=f"maria={hash_password('new horse, new battery')}")
        again = await console(app.lab, console=after)
        for browser in (maria, rita):
            browser.base_url = httpx.URL(again.base_url)
        assert await sends_to_login(maria)
        assert (await rita.get("/console/team")).status_code == 200  # her token did not change
        left = await again.lab.store.console_sessions.open_ones(datetime.now(UTC))
        assert [s.user for s in left] == ["rita"]
        fresh = await browser_of(again, "maria", "new horse, new battery")
        assert (await fresh.get("/console/team")).status_code == 200
        await fresh.aclose()
    finally:
        await maria.aclose()
        await rita.aclose()


async def test_an_expired_session_goes_back_to_the_login(console: Console) -> None:
    app = await console()
    assert (await signed_in(app)).status_code == 303
    assert (await app.http.get("/console/team")).status_code == 200
    gone = datetime.now(UTC) - timedelta(seconds=1)
    expire = update(ConsoleSessionRow).values(expires_at=gone)
    await app.lab.store.transactions.write(lambda conn: conn.execute(expire))
    answer = await app.http.get("/console/team")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?next=/console/team"
    assert COOKIE not in app.http.cookies  # the browser is told to forget it


async def test_in_a_browser_sign_out_ends_the_session(console: Console, page: Page) -> None:
    app = await console()
    await sign_in(page, app.base_url)
    kept = [c for c in await page.context.cookies() if c["name"] == COOKIE]
    assert len(kept) == 1
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{app.base_url}/console/login")
    await page.context.add_cookies(kept)  # the cookie as copied before signing out
    await page.goto(f"{app.base_url}/console/team")
    await page.wait_for_url(f"{app.base_url}/console/login?next=/console/team")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
