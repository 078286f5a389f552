"""`lead-router owner away --reassign-open`, `owner back` and `trial-activated` against
the session's Temporal and a lab's worker and database (the command runs in a thread:
it runs its own event loop, as from a terminal)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from starter.cli.main import app
from starter.owners import open_leads_of
from tests.workflows.conftest import Lab, LabFactory, env, lab  # noqa: F401

pytestmark = pytest.mark.asyncio(loop_scope="session")

MM_EAST_TEAM = {"felix.alvarez", "gita.berg", "hana.schmidt"}


async def cli(lab_: Lab, *args: str) -> Result:
    environment = {
        "TEMPORAL_ADDRESS": lab_.client.service_client.config.target_host,
        "LEAD_ROUTER_TASK_QUEUE": lab_.task_queue,
        "LEAD_ROUTER_DATABASE_URL": lab_.store.url,
        "LEAD_ROUTER_RULES": str(lab_.rules_path),
    }
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, list(args), env=environment)


async def mm_east(lab_: Lab) -> Any:
    tag = uuid.uuid4().hex[:8]
    handle = await lab_.submit({"email": f"ops@ops-{tag}.com", "lead_type": "demo_request",
                                "company": f"Ops {tag}", "company_size": 350,
                                "country": "US", "state": "NY"})  # fmt: skip
    return await lab_.routed(handle)


async def test_owner_away_reassign_open_and_back(lab: LabFactory) -> None:  # noqa: F811
    lab_ = await lab()
    states = [await mm_east(lab_) for _ in range(4)]
    away = "felix.alvarez"  # weight 2 of 4: two of the four leads
    theirs = sorted(s.lead_id for s in states if s.owner == away)
    assert len(theirs) == 2, [s.owner for s in states]
    deadline = asyncio.get_running_loop().time() + 10
    while await open_leads_of(lab_.client, away, lab_.task_queue) != theirs:
        assert asyncio.get_running_loop().time() < deadline, "LeadOwner never listed the leads"
        await asyncio.sleep(0.05)

    result = await cli(lab_, "owner", "away", away, "--reassign-open", "--by", "ops.lead")
    assert result.exit_code == 0, result.output
    assert f"{away} is now away until `owner back` (set by ops.lead)" in result.stdout
    assert "open leads: 2, sent to reassignment: 2" in result.stdout
    for lead_id in theirs:
        state = await lab_.until(
            lab_.client.get_workflow_handle(lead_id), lambda s: s.owner not in (None, away)
        )
        assert state.owner in MM_EAST_TEAM - {away}
        assert state.decisions[-1].kind == "owner_unavailable"

    back = await cli(lab_, "owner", "back", away, "--json")
    assert back.exit_code == 0, back.output
    assert '"away_now": false' in back.stdout
    assert (await lab_.store.roster.load_state()).owners[away].away is False

    bad = await cli(lab_, "owner", "away", away, "--until", "next tuesday")
    assert bad.exit_code == 2 and "--until 'next tuesday': not a date or time" in bad.output


async def test_trial_activated_from_the_cli(lab: LabFactory) -> None:  # noqa: F811
    lab_ = await lab()
    handle = await lab_.submit({"email": "dev@sakura-systems.jp", "lead_type": "trial_signup"})
    await lab_.routed(handle)
    result = await cli(lab_, "trial-activated", handle.id)
    assert result.exit_code == 0, result.output
    assert f"trial activation sent to {handle.id}" in result.stdout
    state = await lab_.until(handle, lambda s: len(s.decisions) == 2)
    assert state.decisions[-1].kind == "trial_activation" and state.team == "enterprise-apac"
    again = await cli(lab_, "trial-activated", handle.id)
    assert again.exit_code == 1 and "already activated" in again.output
