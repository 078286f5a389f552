"""Slack down, a worker process replaced mid-wait, and no lead ever left unowned."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.client import WorkflowUpdateFailedError

from activities.database.tables import AssignmentRow
from domain.lifecycle import (
    FirstAction,
    LeadState,
    LeadStatus,
    OwnerUnavailable,
    ReassignRequest,
)
from tests.fakes.slack import FakeSlack
from tests.workflows.conftest import Lab, LabFactory
from workflows.client import LeadHandle, lead_status
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")
ROOT = Path(__file__).resolve().parents[2]


MM = {"email": "ops@northwind.io", "lead_type": "demo_request", "country": "US", "state": "NY"}


async def test_slack_gets_the_message_in_its_format(lab: LabFactory, slack: FakeSlack) -> None:
    lab_ = await lab(slack_webhook_url=slack.url)
    handle = await lab_.submit(MM)
    state = await lab_.routed(handle)
    for _ in range(100):
        if slack.posts:
            break
        await asyncio.sleep(0.05)
    assert len(slack.posts) == 1
    post = slack.posts[0]
    assert isinstance(post["text"], str) and state.owner in post["text"]
    assert isinstance(post["blocks"], list) and post["blocks"][0]["type"] == "section"  # type: ignore[index]
    notes = await lab_.store.outbox.for_lead(handle.id)
    assert [(n.kind, n.slack_status) for n in notes] == [("assigned", "sent")]


async def test_slack_down_never_blocks_routing(lab: LabFactory, slack: FakeSlack) -> None:
    slack.down = True
    lab_ = await lab(slack_webhook_url=slack.url)
    handle = await lab_.submit(MM)
    state = await lab_.routed(handle)
    assert state.status is LeadStatus.waiting_first_action and state.owner
    # the failing post is retried by Temporal, and the outbox has the message meanwhile
    for _ in range(200):
        if slack.failures >= 2:
            break
        await asyncio.sleep(0.05)
    assert slack.failures >= 2
    notes = await lab_.store.outbox.for_lead(handle.id)
    assert len(notes) == 1 and notes[0].slack_status == "pending" and notes[0].slack_attempts >= 2
    # the owner can act while Slack is still down; and when Slack is back, it is sent once
    slack.down = False
    for _ in range(200):
        if slack.posts:
            break
        await asyncio.sleep(0.05)
    assert len(slack.posts) == 1
    outcome = await handle.execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
    )
    assert outcome.status is LeadStatus.actioned


def _start_worker_process(lab_: Lab, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": lab_.client.service_client.config.target_host,
        "LEAD_ROUTER_TASK_QUEUE": lab_.task_queue,
        "LEAD_ROUTER_DATABASE_URL": lab_.store.url,
        "LEAD_ROUTER_RULES": str(lab_.rules_path),
    }
    return subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py")], env=env, cwd=ROOT,
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


async def test_worker_replaced_mid_wait_finishes_the_lead(lab: LabFactory, tmp_path: Path) -> None:
    lab_ = await lab(start_worker=False)
    log = tmp_path / "workers.log"
    first = _start_worker_process(lab_, log)
    try:
        handle = await lab_.submit(MM)
        state = await lab_.until(handle, lambda s: s.owner is not None, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        second = _start_worker_process(lab_, log)
        try:
            state = await lab_.miss_sla(handle, state)
            assert state.escalation_level == 1 and state.owner is not None
            state = await lab_.until(handle, lambda s: s.owner is not None, timeout=60)
            outcome = await handle.execute_update(
                LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner or "")
            )
            assert outcome.status is LeadStatus.actioned
            assert len(outcome.reassignments) == 1
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
    rows = await lab_.store.roster.assignments_for(handle.id)
    assert [r.step for r in rows] == [0, 1] and all(r.released for r in rows)


def _consistent(state: LeadState) -> None:
    """What must hold whenever anyone looks at a lead."""
    if state.status in (LeadStatus.waiting_first_action, LeadStatus.onboarding):
        assert state.owner is not None, state
    if state.status is LeadStatus.unowned_review:
        assert state.owner is None, state
    if state.status is LeadStatus.waiting_first_action:
        assert state.sla_due_at is not None, state
    if state.status is LeadStatus.suppressed:
        assert state.owner is None and state.sla_due_at is None, state


async def _drive(lab_: Lab, handle: LeadHandle, rng: random.Random) -> LeadState:
    state = await lab_.routed(handle)
    _consistent(state)
    if state.status is LeadStatus.suppressed:  # low fit, low intent: closed, on a nurture track
        return state
    for _ in range(rng.randrange(0, 6)):
        roll = rng.random()
        if state.status is LeadStatus.unowned_review or roll < 0.1:
            to = rng.choice(["rosa.schmidt", "sami.mensah", "maya.lindqvist"])
            if to == state.owner:
                continue
            state = await handle.execute_update(
                LeadRoutingWorkflow.reassign, ReassignRequest(owner_id=to, reason="random")
            )
        elif roll < 0.2 and state.owner:
            count = len(state.decisions)
            await handle.signal(
                LeadRoutingWorkflow.owner_unavailable, OwnerUnavailable(owner_id=state.owner)
            )
            state = await lab_.until(handle, lambda s, c=count: len(s.decisions) > c)  # type: ignore[misc]
        elif state.sla_due_at is not None:
            state = await lab_.miss_sla(handle, state)
        else:
            await lab_.env.fast_forward(handle, timedelta(hours=rng.randrange(1, 48)))  # type: ignore[attr-defined]
            state = await lab_.until(handle, lambda s: True)
        _consistent(state)
    if state.owner and rng.random() < 0.7:
        try:
            outcome = await handle.execute_update(
                LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
            )
        except WorkflowUpdateFailedError as exc:
            # the lead's clock (skipped ahead by the test) passed this owner's deadline
            # first: the action is refused and the lead escalates, as it must
            assert "SLA deadline passed" in str(exc.cause), exc.cause
            count = len(state.decisions)
            state = await lab_.until(handle, lambda s, c=count: len(s.decisions) > c)  # type: ignore[misc]
            _consistent(state)
            return state
        assert outcome.owner == state.owner
        return outcome.decisions and state.model_copy(update={"status": outcome.status})
    return state


async def _settled(lab_: Lab, handles: list[LeadHandle], timeout: float = 30.0) -> list[LeadState]:
    """Every lead's state, once two looks in a row see the same decisions."""
    deadline = asyncio.get_running_loop().time() + timeout
    before = [await lead_status(lab_.client, h.id) for h in handles]
    while True:
        await asyncio.sleep(0.5)
        now = [await lead_status(lab_.client, h.id) for h in handles]
        if [s.decisions for s in now] == [s.decisions for s in before]:
            return now
        if asyncio.get_running_loop().time() > deadline:
            moving = [s.lead_id for s, b in zip(now, before, strict=True) if s != b]
            raise AssertionError(f"leads still changing hands after {timeout:g} s: {moving}")
        before = now


async def test_no_lead_ever_ends_unowned_over_random_timings(lab: LabFactory) -> None:
    from bench.leads import submissions

    lab_ = await lab()
    rng = random.Random(20261123)
    leads = list(submissions(240, seed=7))
    handles = [await lab_.submit(lead) for lead in leads]
    gate = asyncio.Semaphore(24)

    async def one(i: int, handle: LeadHandle) -> LeadState:
        async with gate:
            return await _drive(lab_, handle, random.Random(rng.random() + i))

    await asyncio.gather(*(one(i, h) for i, h in enumerate(handles)))
    # a lead driven early may still be changing hands while later ones are driven:
    # compare the ledger with states that no longer move
    finals = await _settled(lab_, handles)
    counts = {s: sum(1 for f in finals if f.status is s) for s in LeadStatus}
    print(f"\n{len(finals)} leads: " + ", ".join(f"{k.value} {v}" for k, v in counts.items()))
    assert counts[LeadStatus.routing] == 0
    for final in finals:
        assert (
            final.status in (LeadStatus.actioned, LeadStatus.unowned_review)
            or final.owner is not None
            or (final.status is LeadStatus.suppressed and final.decisions[-1].reasons)
        ), final
    # the ledger and the load agree: each owner's open leads are the unreleased assignments
    async with lab_.store.engine.connect() as conn:
        rows = (await conn.execute(select(AssignmentRow))).all()
    held: dict[str, int] = {}
    per_lead: dict[str, int] = {}
    for row in rows:
        if not row.released and row.owner_id:
            held[row.owner_id] = held.get(row.owner_id, 0) + 1
            per_lead[row.lead_id] = per_lead.get(row.lead_id, 0) + 1
    assert all(n == 1 for n in per_lead.values()), "a lead is held by two owners at once"
    suppressed = {f.lead_id for f in finals if f.status is LeadStatus.suppressed}
    assert suppressed.isdisjoint(row.lead_id for row in rows), "a suppressed lead was assigned"
    state = await lab_.store.roster.load_state()
    loads = {o: s.open_leads for o, s in state.owners.items() if s.open_leads}
    assert loads == held
    open_leads = sum(1 for f in finals if f.status is not LeadStatus.actioned and f.owner)
    assert sum(held.values()) == open_leads
