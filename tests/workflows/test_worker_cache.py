"""A worker whose lead cache is far smaller than the leads it holds: leads evicted while
they wait are replayed from their histories when their timers fire, and route on."""

from __future__ import annotations

import pytest

from domain.lifecycle import FirstAction, LeadStatus
from starter.runtime.settings import Settings
from tests.workflows.conftest import LabFactory
from worker import build_worker
from workflows.lead_routing import LeadRoutingWorkflow


def test_the_cache_size_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().temporal.max_cached_workflows == 400
    monkeypatch.setenv("LEAD_ROUTER_MAX_CACHED_WORKFLOWS", "25")
    assert Settings().temporal.max_cached_workflows == 25


@pytest.mark.asyncio(loop_scope="session")
async def test_leads_evicted_while_waiting_escalate_and_finish(lab: LabFactory) -> None:
    lab_ = await lab(start_worker=False)
    worker = build_worker(lab_.client, lab_.acts, lab_.task_queue, max_cached_workflows=2)
    assert worker.config()["max_cached_workflows"] == 2
    async with worker:
        handles = [
            await lab_.submit({"email": f"buyer{n}@northwind.io", "lead_type": "demo_request",
                               "country": "US", "state": "NY"})
            for n in range(6)
        ]  # fmt: skip
        first = [await lab_.routed(h) for h in handles]
        escalated = [await lab_.miss_sla(h, s) for h, s in zip(handles, first, strict=True)]
        for before, after in zip(first, escalated, strict=True):
            assert after.missed_by == [before.owner]
            assert after.owner not in (None, before.owner)
        for handle, state in zip(handles, escalated, strict=True):
            assert state.owner is not None
            outcome = await handle.execute_update(
                LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
            )
            assert outcome.status is LeadStatus.actioned and outcome.owner == state.owner
