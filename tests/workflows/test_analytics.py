"""Analytics facts from real leads on the embedded server (time skipped): an owner acts
at a known offset, the facts land with the release, the report reads them, and the
backfill (the history replayed through today's code) gives the same facts."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.lifecycle import FirstAction, FirstActionKind
from domain.rules_check import load_rules_text
from starter.analytics import routing_report
from starter.replay.facts import facts_of_histories
from tests.workflows.conftest import LabFactory
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")

DEMO = {"email": "buyer@northwind.io", "lead_type": "demo_request", "country": "US", "state": "NY"}


async def test_facts_of_an_actioned_and_an_escalated_lead_and_their_backfill(
    lab: LabFactory,
) -> None:
    lab_ = await lab()
    fast = await lab_.submit(DEMO)
    state = await lab_.routed(fast)
    assert state.owner is not None
    await lab_.env.fast_forward(fast, timedelta(minutes=4))  # type: ignore[attr-defined]
    await fast.execute_update(
        LeadRoutingWorkflow.record_first_action,
        FirstAction(owner_id=state.owner, action=FirstActionKind.meeting_booked),
    )
    await fast.result()

    slow = await lab_.submit({**DEMO, "email": "cfo@northwind.io"})
    missed = await lab_.miss_sla(slow, await lab_.routed(slow))
    assert missed.escalation_level == 1

    deadline = asyncio.get_running_loop().time() + 20
    while (live := await lab_.store.analytics.facts_of(slow.id)) is None or live.escalations != 1:
        assert asyncio.get_running_loop().time() < deadline, f"no escalation facts: {live}"
        await asyncio.sleep(0.05)
    row = await lab_.store.analytics.facts_of(fast.id)
    assert row is not None and row.status == "actioned"
    assert row.first_action_kind == "meeting_booked" and row.action_owner == state.owner
    assert row.time_to_first_action_ms is not None
    assert 4 * 60000 <= row.time_to_first_action_ms < 4 * 60000 + 10000  # acted after 4 min
    assert row.sla_met is True and row.speed_to_lead_ms is not None
    assert 0 <= (row.time_to_assign_ms or 0) < 10000
    steps = await lab_.store.analytics.steps_of(fast.id)
    assert [s.kind for s in steps] == ["initial", "action"]

    rules = load_rules_text(lab_.rules_path.read_text())
    report = await routing_report(lab_.store, rules, None, None, None)
    assert report.leads == 2 and report.assigned == 2
    assert report.actioned["meeting_booked"] == 1 and report.escalated["1"] == 1
    assert report.sla_met_rate == 0.5 and report.demo_within_5m_rate == 0.5
    assert report.time_to_first_action_s.max == (row.time_to_first_action_ms // 100) * 100 / 1000

    histories = [await lab_.client.get_workflow_handle(h.id).fetch_history() for h in (fast, slow)]
    facts, problems = await facts_of_histories(histories, ["fast", "slow"])
    assert problems == []
    for replayed in facts:
        live = await lab_.store.analytics.facts_of(replayed.lead_id)
        assert live is not None
        assert utc(replayed.model_dump(exclude={"steps"})) == utc(live.model_dump())


def utc(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite gives times back without their zone (they are stored in UTC)."""
    return {
        k: (v if v.tzinfo else v.replace(tzinfo=UTC)) if isinstance(v, datetime) else v
        for k, v in row.items()
    }
