"""The floor: what Temporal itself costs for a lead's path to an owner, doing no work.

FloorWorkflow makes the same commands as LeadRoutingWorkflow up to the assignment:
two concurrent local activities (the rules, the enrichment) with results of the same
size, search attributes and a memo, one activity with an input of the same size (the
assignment), a regular notify activity and a timer. Its activities do
nothing. It is started the same way: an HTTP POST to the same API process, through the
same middleware, that starts the workflow with signal-with-start.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)

if TYPE_CHECKING:
    from starter.intake import ClientSource

RULES_BYTES = 19_000  # the size of the rules as the lead workflow loads them
ENRICHMENT_BYTES = 900
ASSIGN_BYTES = 20_000
STATUS = SearchAttributeKey.for_keyword("LeadStatus")


class Blob(BaseModel):
    text: str


@activity.defn(name="floor_load")
async def floor_load(size: int) -> Blob:
    return Blob(text="r" * size)


@activity.defn(name="floor_assign")
async def floor_assign(blob: Blob) -> Blob:
    return Blob(text="a" * 300)


@activity.defn(name="floor_notify")
async def floor_notify(blob: Blob) -> None:
    return None


STEP = timedelta(seconds=30)


@workflow.defn
class FloorWorkflow:
    def __init__(self) -> None:
        self._done = False

    @workflow.run
    async def run(self, blob: Blob) -> None:
        workflow.upsert_search_attributes([STATUS.value_set("routing")])
        rules, _ = await asyncio.gather(
            workflow.execute_local_activity(floor_load, RULES_BYTES, start_to_close_timeout=STEP),
            workflow.execute_local_activity(
                floor_load, ENRICHMENT_BYTES, start_to_close_timeout=STEP
            ),
        )
        workflow.upsert_memo({"routing": {"team": "floor"}})
        await workflow.execute_activity(
            floor_assign, Blob(text=rules.text[:ASSIGN_BYTES]), start_to_close_timeout=STEP
        )
        workflow.upsert_search_attributes([STATUS.value_set("waiting_first_action")])
        workflow.start_activity(floor_notify, Blob(text="n" * 200), start_to_close_timeout=STEP)
        await workflow.wait_condition(lambda: self._done, timeout=timedelta(hours=8))

    @workflow.signal
    def submission(self, blob: Blob) -> None:
        pass

    @workflow.signal
    def finish(self) -> None:
        self._done = True


def add_floor_route(app: FastAPI, clients: ClientSource, task_queue: str) -> None:
    """POST /floor/{lead_id}: start FloorWorkflow as the webhook starts a lead."""

    async def start(lead_id: str, request: Request) -> JSONResponse:
        blob = Blob(text=(await request.body()).decode())
        client = await clients()
        await client.start_workflow(
            FloorWorkflow.run,
            blob,
            id=lead_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            start_signal="submission",
            start_signal_args=[blob],
            search_attributes=TypedSearchAttributes([SearchAttributePair(STATUS, "routing")]),
        )
        return JSONResponse({"lead_id": lead_id, "workflow_id": lead_id}, status_code=202)

    app.add_api_route("/floor/{lead_id}", start, methods=["POST"], include_in_schema=False)


ACTIVITIES = [floor_load, floor_assign, floor_notify]
