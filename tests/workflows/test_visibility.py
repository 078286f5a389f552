"""Finding leads through the visibility API with each search attribute, and registering
the attributes on a namespace that lacks them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.intake import parse_submission
from domain.lifecycle import FirstAction
from tests.workflows.conftest import Lab, LabFactory
from worker import build_worker
from workflows.client import LeadHandle, lead_status, start_lead
from workflows.lead_routing import LeadRoutingWorkflow
from workflows.search_attributes import ALL, ensure_registered

pytestmark = pytest.mark.asyncio(loop_scope="session")

NEW_YORK = {"email": "buyer@northwind.io", "lead_type": "demo_request", "country": "US",
            "state": "NY", "company": "Northwind"}  # fmt: skip


async def found(lab: Lab, query: str, expected: set[str], timeout: float = 10.0) -> set[str]:
    """The lab's leads matching `query`, once visibility has caught up with `expected`."""
    full = f'TaskQueue = "{lab.task_queue}" AND ({query})'
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        ids = {w.id async for w in lab.client.list_workflows(full)}
        if ids == expected or asyncio.get_running_loop().time() > deadline:
            return ids
        await asyncio.sleep(0.1)


async def test_each_search_attribute_finds_the_lead(lab: LabFactory) -> None:
    lab_ = await lab()
    waiting = await lab_.submit(NEW_YORK)
    escalated = await lab_.submit({**NEW_YORK, "email": "cfo@northwind.io"})
    webinar = await lab_.submit({"email": "someone@gmail.com", "lead_type": "webinar"})
    state = await lab_.routed(waiting)
    late = await lab_.miss_sla(escalated, await lab_.routed(escalated))
    await lab_.routed(webinar)
    both = {waiting.id, escalated.id}
    assert state.owner and late.owner and state.sla_due_at and late.sla_due_at
    # the webinar's SLA is a business day: a window around the other two leaves it out
    after = min(state.sla_due_at, late.sla_due_at) - timedelta(seconds=1)
    before = max(state.sla_due_at, late.sla_due_at) + timedelta(seconds=1)

    checks = {
        'LeadStatus = "waiting_first_action" AND LeadType = "demo_request"': both,
        'LeadTier = "mid_market" AND LeadTeam = "mm-us-east"': both,
        f'LeadOwner = "{state.owner}" AND LeadStatus = "waiting_first_action"': {waiting.id},
        'LeadSource = "test"': {*both, webinar.id},
        'CompanyDomain = "northwind.io"': both,
        f'SlaDueAt > "{after.isoformat()}" AND SlaDueAt < "{before.isoformat()}"': both,
        "EscalationLevel > 0": {escalated.id},
        'LeadTeam = "growth-nurture" AND CompanyDomain IS NULL': {webinar.id},
    }
    for query, expected in checks.items():
        assert await found(lab_, query, expected) == expected, query

    # acted on: the status follows, the SLA deadline is cleared
    await waiting.execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
    )
    actioned = 'LeadStatus = "actioned" AND SlaDueAt IS NULL'
    assert await found(lab_, actioned, {waiting.id}) == {waiting.id}


async def test_no_personal_data_in_search_attributes_or_ids(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit({**NEW_YORK, "first_name": "Jane", "last_name": "Roe"})
    await lab_.routed(handle)
    attributes = (await handle.describe()).typed_search_attributes
    names = {pair.key.name for pair in attributes}
    assert names >= {"LeadStatus", "LeadTier", "LeadTeam", "LeadOwner", "CompanyDomain"}
    for text in [handle.id, *(str(pair.value) for pair in attributes)]:
        for secret in ("buyer", "@", "Jane", "Roe"):
            assert secret not in text, (secret, text)


async def fresh_namespace(env: WorkflowEnvironment) -> Client:
    name = f"lead-router-{uuid.uuid4().hex[:8]}"
    await env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=name, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    config = env.client.config()
    config["namespace"] = name
    return Client(**config)


async def test_registration_is_idempotent_and_leads_route_afterwards(
    env: WorkflowEnvironment, lab: LabFactory
) -> None:
    client = await fresh_namespace(env)
    assert await ensure_registered(client) == [k.name for k in ALL]
    assert await ensure_registered(client) == []  # the second worker adds nothing
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    assert listed.custom_attributes["SlaDueAt"] == IndexedValueType.INDEXED_VALUE_TYPE_DATETIME
    assert listed.custom_attributes["EscalationLevel"] == IndexedValueType.INDEXED_VALUE_TYPE_INT

    lab_ = await lab(start_worker=False)
    async with build_worker(client, lab_.acts, lab_.task_queue):
        lead = parse_submission({**NEW_YORK, "email": f"x{uuid.uuid4().hex[:6]}@northwind.io"})
        handle: LeadHandle = await start_lead(client, lead, lab_.task_queue)
        for _ in range(200):
            if (await lead_status(client, handle.id)).owner:
                break
            await asyncio.sleep(0.05)
        query = f'WorkflowId = "{handle.id}" AND LeadStatus = "waiting_first_action"'
        for _ in range(100):
            if (await client.count_workflows(query)).count == 1:
                break
            await asyncio.sleep(0.1)
        assert (await client.count_workflows(query)).count == 1


async def test_an_attribute_of_another_type_is_refused_with_the_fix(
    env: WorkflowEnvironment,
) -> None:
    client = await fresh_namespace(env)
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={"LeadTier": IndexedValueType.INDEXED_VALUE_TYPE_INT},
        )
    )
    with pytest.raises(RuntimeError) as refused:
        await ensure_registered(client)
    assert f"LeadTier in namespace {client.namespace} is INT" in str(refused.value)
    assert "needs KEYWORD" in str(refused.value)
