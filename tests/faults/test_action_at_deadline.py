"""Owners acting just as their SLA deadline passes, while one of two workers dies.

The fault tests found two bugs here: an action accepted while the escalation had
already begun was credited to the next owner, and such a history failed replay on a
cold worker (`[TMPRL1100] Update machine does not handle this event:
ActivityTaskScheduled`). Every history must replay, and every lead ends either
actioned by the owner who acted in time or escalated, never both."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.worker import Replayer

from domain.lifecycle import FirstAction, LeadState
from starter.runtime.runner import SANDBOX
from tests.faults.harness import Cluster, audit, drive_to_the_end, report, submit
from worker import WORKFLOWS
from workflows.client import lead_status
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(900)]

LEADS = 30
STICKY_TIMEOUT = 10.0  # a dead worker's workflow tasks move on after this
SEEN_WITHIN = 120.0  # seconds for every lead to be routed and looked at once


async def first_assignments(client: Client, ids: list[str]) -> dict[str, LeadState]:
    """Each lead's state as first seen after routing. A lead whose 3-second SLA passed
    before it was seen (a busy machine) is seen already escalated: it is returned with
    `missed_by` set and is not acted on. Fails, naming the leads, if some are never
    routed within SEEN_WITHIN seconds."""
    seen: dict[str, LeadState] = {}
    deadline = asyncio.get_running_loop().time() + SEEN_WITHIN
    while len(seen) < len(ids):
        if asyncio.get_running_loop().time() > deadline:
            still = sorted(set(ids) - set(seen))
            raise AssertionError(
                f"{len(still)} lead(s) not routed within {SEEN_WITHIN:g} s: {still}"
            )
        for lead_id in set(ids) - set(seen):
            state = await lead_status(client, lead_id)
            if state.status.value != "routing":
                seen[lead_id] = state
        await asyncio.sleep(0.05)
    return seen


def offset(n: int) -> float:
    """Seconds after the deadline lead n's owner acts: half around the deadline itself,
    half around the moment the dead worker's tasks reach the survivor."""
    spread = 2.0 * (n // 2) / (LEADS // 2) - 1.0  # -1 .. +1 s
    return spread if n % 2 == 0 else STICKY_TIMEOUT + spread / 2


async def test_owners_acting_as_the_deadline_passes_while_a_worker_dies(tmp_path: Path) -> None:
    cluster = Cluster(tmp_path)
    client = await cluster.start_server()
    try:
        cluster.start_worker()
        doomed = cluster.start_worker()
        ids = await submit(client, cluster.task_queue, LEADS, uuid.uuid4().hex[:6])
        first = await first_assignments(client, ids)
        held = {
            lead_id: state
            for lead_id, state in first.items()
            if state.status.value == "waiting_first_action" and not state.missed_by
        }
        assert len(held) >= LEADS // 2, (
            f"only {len(held)} of {LEADS} leads were seen waiting before their 3 s SLA passed; "
            "the machine is too busy for this test to mean anything"
        )
        cluster.kill(doomed)

        async def act(n: int, lead_id: str) -> str:
            if lead_id not in held:
                return "escalated before it was seen"
            state = held[lead_id]
            assert state.owner is not None and state.sla_due_at is not None
            due = (state.sla_due_at - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(max(0.0, due + offset(n)))
            try:
                outcome = await client.get_workflow_handle(lead_id).execute_update(
                    LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
                )
            except WorkflowUpdateFailedError:
                return "refused"
            return "actioned" if outcome.owner == state.owner else "credited to another owner"

        answers = await asyncio.wait_for(
            asyncio.gather(*(act(n, lead_id) for n, lead_id in enumerate(ids))), 90
        )
        states = await drive_to_the_end(client, ids, act_every=LEADS + 1)
        counts = await audit(cluster.database, states)
        replayer = Replayer(
            workflows=list(WORKFLOWS), workflow_runner=SANDBOX, data_converter=client.data_converter
        )
        diverged = []
        for lead_id in ids:
            history = await client.get_workflow_handle(lead_id).fetch_history()
            result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
            if result.replay_failure is not None:
                diverged.append(f"{lead_id}: {result.replay_failure}")
    finally:
        cluster.stop_all()
    kinds = ("actioned", "refused", "credited to another owner", "escalated before it was seen")
    counts |= {a: answers.count(a) for a in kinds}
    counts["replay_failures"] = len(diverged)
    report("owners acting as the deadline passes, one of two workers killed", counts)
    assert diverged == []
    assert counts["credited to another owner"] == 0
    assert counts["completed"] == LEADS and counts["lost"] == 0
    assert counts["double_assigned"] == 0 and counts["ledger_mismatch"] == 0
    assert counts["open_lead_counts_match"] is True
    for lead_id, answer in zip(ids, answers, strict=True):
        state = states[lead_id]
        if answer == "escalated before it was seen":
            continue  # counted above; the audit checked it ended owned or in review
        if answer == "actioned":  # in time: the owner who acted keeps it, nobody missed it
            assert state.status.value == "actioned" and state.owner == held[lead_id].owner
            assert state.missed_by == []
        else:  # too late: it went up the ladder, and the late owner is on record
            assert held[lead_id].owner in state.missed_by
    assert counts["actioned"] > 0 and counts["refused"] > 0
