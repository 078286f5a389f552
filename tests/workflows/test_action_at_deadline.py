"""An owner's first action reaching a lead in the same workflow task as its SLA timer,
after the task before was lost with a dead worker: the race the fault tests found
(`Update machine does not handle this event: ActivityTaskScheduled` on replay).

The setup is made exact instead of left to timing: no worker runs, the timer fires,
a stalled poller takes the workflow task and never answers (a worker that died
holding it), the owner's action arrives meanwhile, then a fresh worker picks the lead
up cold once the lost task times out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import PollWorkflowTaskQueueRequest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.worker import Replayer

from domain.lifecycle import FirstAction
from tests.workflows.conftest import LabFactory
from worker import SANDBOX, WORKFLOWS, build_worker
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")

MM_EAST = {
    "email": "late@northwind.io",
    "lead_type": "demo_request",
    "country": "US",
    "state": "NY",
}


async def test_an_action_racing_the_deadline_on_a_cold_worker_replays(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    owner = state.owner
    assert owner is not None and state.sla_due_at is not None
    await lab_.workers.pop().__aexit__(None, None, None)
    await lab_.env.fast_forward(
        handle, state.sla_due_at - state.decisions[-1].at + timedelta(seconds=1)
    )  # type: ignore[attr-defined]
    stalled = await lab_.client.workflow_service.poll_workflow_task_queue(
        PollWorkflowTaskQueueRequest(
            namespace=lab_.client.namespace,
            task_queue=TaskQueue(name=lab_.task_queue),
            identity="a worker that dies holding the task",
        )
    )
    assert any(e.HasField("timer_fired_event_attributes") for e in stalled.history.events)

    async def act() -> str:
        try:
            await handle.execute_update(
                LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=owner)
            )
        except WorkflowUpdateFailedError as err:
            return str(err.cause)
        return "accepted"

    action = asyncio.create_task(act())
    await asyncio.sleep(0.5)
    worker = build_worker(lab_.client, lab_.acts, lab_.task_queue)
    async with worker:
        answer = await asyncio.wait_for(action, 40)
        state = await lab_.until(handle, lambda s: len(s.decisions) > 1)
    history = await handle.fetch_history()
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        workflow_runner=SANDBOX,
        data_converter=lab_.client.data_converter,
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
    # the deadline came first: the late action is refused with the reason, never
    # credited, and the lead went up the ladder with the late owner on record
    assert "SLA deadline passed" in answer, answer
    assert state.missed_by == [owner] and state.owner not in (None, owner)
    assert state.decisions[-1].kind == "escalation"
    assert not any(
        e.HasField("workflow_execution_update_accepted_event_attributes") for e in history.events
    )
