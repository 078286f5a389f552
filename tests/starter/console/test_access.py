"""Who gets in, and what a refusal says: the login, the session cookie's flags, the
bearer token for scripts, CSRF on every form, and the error pages."""

from __future__ import annotations

import re

import httpx
import pytest
from temporalio.client import Client

from starter.console.auth import hash_password, parse_users, password_matches
from tests.starter.api.conftest import API_TOKEN, BEARER, Api
from tests.starter.console.conftest import Console

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAGES = (
    "/console",
    "/console/team",
    "/console/analytics",
    "/console/rules",
    "/console/dead-letters",
)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


async def signed_in(app: Api, password: str = API_TOKEN, user: str = "rita") -> httpx.Response:
    login = await app.http.get("/console/login")
    assert login.status_code == 200, login.text
    return await app.http.post(
        "/console/login",
        data={
            "csrf": csrf_of(login.text),
            "user": user,
            "password": password,
            "next": "/console/team",
        },
    )


async def test_pages_ask_for_a_login_then_open_with_a_session_cookie(console: Console) -> None:
    app = await console()
    for path in PAGES:
        answer = await app.http.get(path)
        assert answer.status_code == 303, (path, answer.status_code)
        assert answer.headers["location"].startswith("/console/login?next=")

    wrong = await signed_in(app, password="not-the-token")
    assert wrong.status_code == 401 and "wrong name or password" in wrong.text

    good = await signed_in(app)
    assert good.status_code == 303 and good.headers["location"] == "/console/team"
    cookie = good.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
    assert "secure" not in cookie  # plain HTTP on loopback: a Secure cookie would be lost
    for path in PAGES:
        answer = await app.http.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        assert "<main" in answer.text and "rita" in answer.text


async def test_the_cookie_is_secure_behind_tls(console: Console) -> None:
    app = await console()
    login = await app.http.get("/console/login")
    answer = await app.http.post(
        "/console/login",
        data={"csrf": csrf_of(login.text), "user": "rita", "password": API_TOKEN},
        headers={"x-forwarded-proto": "https"},
    )
    assert answer.status_code == 303
    assert "secure" in answer.headers["set-cookie"].lower()


async def test_scripts_use_the_bearer_token_and_forms_need_the_csrf_token(console: Console) -> None:
    app = await console()
    for path in PAGES:
        answer = await app.http.get(path, headers=BEARER)
        assert answer.status_code == 200, (path, answer.text[:300])
    chart = await app.http.get("/console/analytics/charts/fairness.svg?since=7d", headers=BEARER)
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in chart.content and b"Round-robin fairness" in chart.content
    csv_answer = await app.http.get(
        "/console/analytics?since=7d&by=team&download=csv", headers=BEARER
    )
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert "lead-router-report-7d-by-team.csv" in csv_answer.headers["content-disposition"]
    wrong = await app.http.get("/console/team", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401 and "Sign in first" in wrong.text

    await signed_in(app)
    forged = await app.http.post("/console/team/noah.fischer/availability", data={"away": "true"})
    assert forged.status_code == 403 and "go back, reload the page" in forged.text
    assert not (await app.lab.store.roster.load_state()).owner("noah.fischer").away

    team = await app.http.get("/console/team")
    token = csrf_of(team.text)
    done = await app.http.post(
        "/console/team/noah.fischer/availability", data={"away": "true", "csrf": token}
    )
    assert done.status_code == 303, done.text
    assert (await app.lab.store.roster.load_state()).owner("noah.fischer").away
    back = await app.http.post(
        "/console/team/noah.fischer/availability", data={"away": "false"}, headers=BEARER
    )
    assert back.status_code == 303  # a script with the token needs no CSRF token
    assert not (await app.lab.store.roster.load_state()).owner("noah.fischer").away


async def test_configured_users_sign_in_with_their_password(console: Console) -> None:
    from starter.runtime.settings import ConsoleSettings

    users = f"maria={hash_password('correct horse')}"
    app = await console(console=ConsoleSettings(users=users))
    assert (await signed_in(app, "wrong horse", "maria")).status_code == 401
    assert (await signed_in(app, "correct horse", "nobody")).status_code == 401
    good = await signed_in(app, "correct horse", "maria")
    assert good.status_code == 303
    assert "maria" in (await app.http.get("/console/team")).text


async def test_password_hashes_and_the_users_setting() -> None:
    stored = hash_password("s3cret")
    assert stored.startswith("scrypt$") and password_matches("s3cret", stored)
    assert not password_matches("s3cret!", stored) and not password_matches("s3cret", "md5$x$y")
    assert parse_users(f"a={stored}; b={stored}") == {"a": stored, "b": stored}
    with pytest.raises(ValueError, match=r"entry 2 \('b'\): expected name=scrypt\$salt\$hash"):
        parse_users(f"a={stored};b=plaintext")


async def test_temporal_unreachable_says_so_and_what_to_do(console: Console) -> None:
    async def down() -> Client:
        raise ConnectionError("cannot reach Temporal at 127.0.0.1:1 (namespace default)")

    app = await console(client_source=down)
    answer = await app.http.get("/console", headers=BEARER)
    assert answer.status_code == 503
    assert "Temporal is unreachable" in answer.text and "127.0.0.1:1" in answer.text
    assert "lead-router up" in answer.text
    assert (await app.http.get("/console/team", headers=BEARER)).status_code == 200


async def test_bad_input_gets_a_page_that_says_what_not_a_5xx(console: Console) -> None:
    app = await console()
    cases = {
        "/console?team=x'%20OR%201=1": (422, "is not a valid team id"),
        "/console?view=someday": (422, "view: choose one of"),
        "/console?after=not-a-token!": (422, "after: not a page token"),
        "/console/analytics?since=yesterdayish": (422, "That date range cannot be read"),
        "/console/analytics?by=planet": (422, "choose one of team"),
        "/console/leads/lead-000000000000000000000000": (404, "No such lead"),
        "/console/analytics/charts/pie.svg": (404, "No such chart"),
    }
    for path, (status, says) in cases.items():
        answer = await app.http.get(path, headers=BEARER)
        assert (answer.status_code, says in answer.text) == (status, True), (
            path,
            answer.text[:400],
        )


async def test_the_console_is_off_until_a_login_is_configured(console: Console) -> None:
    app = await console(api_token=None)
    answer = await app.http.get("/console")
    assert answer.status_code == 503
    assert "LEAD_ROUTER_API_TOKEN" in answer.text and "LEAD_ROUTER_CONSOLE_USERS" in answer.text


async def test_up_on_a_fresh_clone_gives_the_console_a_one_run_login() -> None:
    from starter.api.config import ApiConfig
    from starter.console.auth import Keys
    from starter.up import console_login

    fresh = ApiConfig(task_queue="q", id_key="k")
    config, password = console_login(fresh)
    assert password and len(password) >= 16
    keys = Keys.of(config)
    signed = keys.login("demo", password)
    assert signed is not None and signed[0] == "demo" and keys.login("demo", "guess") is None
    token = ApiConfig(task_queue="q", id_key="k", api_token="t")
    assert console_login(token) == (token, None)  # a configured login is left alone


async def test_a_refused_reassign_says_why(console: Console) -> None:
    from tests.starter.api.test_actions import routed_lead

    app = await console()
    state = await routed_lead(app)
    path = f"/console/leads/{state['lead_id']}/reassign"
    nobody = await app.http.post(path, data={"to": "no.such.rep", "reason": "x"}, headers=BEARER)
    assert nobody.status_code == 409 and "no.such.rep" in nobody.text, nobody.text[:600]
    missing = await app.http.post(path, data={"to": "gita.berg"}, headers=BEARER)
    assert missing.status_code == 422 and "reason: required" in missing.text
    gone = "/console/leads/lead-000000000000000000000000/reassign"
    unknown = await app.http.post(gone, data={"to": "gita.berg", "reason": "x"}, headers=BEARER)
    assert unknown.status_code == 404 and "No such lead" in unknown.text, unknown.text[:600]
