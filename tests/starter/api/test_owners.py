"""POST /owners/{id}/away and /back (starter/owners.py): the member marked away, every
open lead they hold reassigned through the workflow, and a window that ends by itself."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from starter.owners import open_leads_of
from tests.starter.api.conftest import (
    BEARER,
    MM_US_EAST,
    Api,
    ApiFactory,
    lead_id_of,
    unique_email,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def mm_east_lead(app: Api) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]  # a company of its own: no lead stays with a colleague's owner
    email = unique_email("ops", f"ops-{tag}.com")
    payload = {"email": email, "lead_type": "demo_request", "company": f"Ops {tag} Inc",
               "company_size": 350, "country": "US", "state": "NY"}  # fmt: skip
    assert (await app.forms(payload)).status_code == 202
    return await app.routed(lead_id_of(email))


async def post(app: Api, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    sent = headers or BEARER
    return await app.http.post(path, json=body, headers=sent)


async def test_away_with_reassign_open_moves_every_open_lead(api: ApiFactory) -> None:
    app = await api()
    leads = [await mm_east_lead(app) for _ in range(4)]
    held: dict[str, list[str]] = {}
    for lead in leads:
        held.setdefault(lead["owner"], []).append(lead["lead_id"])
    away, theirs = max(held.items(), key=lambda kv: len(kv[1]))
    assert len(theirs) >= 2, held  # four leads over three members: someone holds two
    deadline = asyncio.get_running_loop().time() + 10
    while sorted(await open_leads_of(app.lab.client, away, app.lab.task_queue)) != sorted(theirs):
        assert asyncio.get_running_loop().time() < deadline, "LeadOwner never listed the leads"
        await asyncio.sleep(0.05)

    answer = await post(app, f"/owners/{away}/away", {"reassign_open": True, "by": "ops.lead"})
    assert answer.status_code == 200, answer.text
    summary = answer.json()
    assert summary["owner_id"] == away and summary["away_now"] is True
    assert summary["set_by"] == "ops.lead" and summary["not_moved"] == []
    assert sorted(summary["open_leads"]) == sorted(summary["reassigned"]) == sorted(theirs)

    for lead_id in theirs:
        state = await app.until(lead_id, lambda s: s.get("owner") not in (None, away))
        assert state["owner"] in MM_US_EAST - {away}
        last = state["decisions"][-1]
        assert last["kind"] == "owner_unavailable" and away in " ".join(last["reasons"])
    untouched = [lead for lead in leads if lead["owner"] != away]
    for lead in untouched:
        assert (await app.lead(lead["lead_id"])).json()["owner"] == lead["owner"]
    assert (await app.lab.store.roster.load_state()).owners[away].away is True

    fresh = await mm_east_lead(app)  # round-robin skips the away member
    assert fresh["owner"] != away
    back = await post(app, f"/owners/{away}/back")
    assert back.status_code == 200, back.text
    assert back.json()["away_now"] is False
    assert (await app.lab.store.roster.load_state()).owners[away].away is False


async def test_a_scheduled_window_ends_by_itself(api: ApiFactory) -> None:
    app = await api()
    now = datetime.now(UTC)
    owner = "gita.berg"
    later = {"from": (now + timedelta(days=2)).isoformat(),
             "until": (now + timedelta(days=3)).isoformat()}  # fmt: skip
    scheduled = await post(app, f"/owners/{owner}/away", later)
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["away_now"] is False
    assert scheduled.json()["away_from"].startswith(later["from"][:16])
    assert (await app.lab.store.roster.load_state()).owners[owner].away is False

    # an assignment meanwhile keeps the window (only the load is written back)
    await mm_east_lead(app)
    until = datetime.now(UTC) + timedelta(seconds=3)
    window = await post(app, f"/owners/{owner}/away", {"until": until.isoformat()})
    assert window.status_code == 200, window.text
    assert window.json()["away_now"] is True
    assert (await app.lab.store.roster.load_state()).owners[owner].away is True
    for _ in range(2):
        assert (await mm_east_lead(app))["owner"] != owner
    await asyncio.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.1)
    assert (await app.lab.store.roster.load_state()).owners[owner].away is False
    owners = {(await mm_east_lead(app))["owner"] for _ in range(4)}
    assert owner in owners  # back in the rotation without `owner back`


async def test_refusals_say_what_and_where(api: ApiFactory) -> None:
    app = await api()
    now = datetime.now(UTC)
    no_token = await post(app, "/owners/gita.berg/away", {}, authorization="Bearer nope")
    assert no_token.status_code == 401
    unknown = await post(app, "/owners/nobody.here/away", {})
    assert unknown.status_code == 404 and "no owner 'nobody.here'" in unknown.json()["detail"]
    backwards = await post(app, "/owners/gita.berg/away", {
        "from": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()})  # fmt: skip
    assert backwards.status_code == 422
    assert backwards.json()["detail"][0]["field"] == "until"
    assert "is not after the start" in backwards.json()["detail"][0]["message"]
    future = await post(app, "/owners/gita.berg/away", {
        "reassign_open": True, "from": (now + timedelta(days=1)).isoformat()})  # fmt: skip
    assert future.status_code == 422 and future.json()["detail"][0]["field"] == "reassign_open"
    typo = await post(app, "/owners/gita.berg/away", {"reasign_open": True})
    assert typo.status_code == 422 and typo.json()["detail"][0]["field"] == "reasign_open"
    assert (await app.lab.store.roster.load_state()).owners.get("gita.berg") is None
