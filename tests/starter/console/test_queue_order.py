"""The queue's order holds across pages: with visibility answering newest started first,
page after page gives the soonest SLA first, then the leads without one (newest first),
each lead once; the overdue and due-soon views too. Leads parked on the real dev server
(started with a routed lead's search attributes on a queue no worker polls)."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from starter.console import queue, queue_order
from starter.console.queue import open_leads, visibility_query
from tests.workflows.conftest import LabFactory
from workflows import search_attributes as sa
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def park(client: Client, task_queue: str, dues: list[datetime | None]) -> list[str]:
    ids = []
    for n, due in enumerate(dues):
        pairs = [SearchAttributePair(sa.LEAD_STATUS, "waiting_first_action")]
        if due is not None:
            pairs.append(SearchAttributePair(sa.SLA_DUE_AT, due))
        lead_id = f"lead-order-{uuid.uuid4().hex[:8]}-{n:02d}"
        await client.start_workflow(LeadRoutingWorkflow.__name__, id=lead_id,
                                    task_queue=task_queue,
                                    search_attributes=TypedSearchAttributes(pairs))  # fmt: skip
        ids.append(lead_id)
    return ids


async def every_page(client: Client, view: str, task_queue: str, now: datetime) -> list[str]:
    query = visibility_query(view, {}, now, LeadRoutingWorkflow.__name__, task_queue)
    seen: list[str] = []
    after: str | None = None
    for _ in range(20):
        page = await open_leads(client, query, view, now, after)
        seen += [row.lead_id for row in page.rows]
        if page.after is None:
            assert page.total == len(seen), (page.total, len(seen))
            return seen
        after = page.after
    raise AssertionError("more than 20 pages")


async def test_pages_follow_the_sla_across_the_whole_queue(
    lab: LabFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue, "ROW_LIMIT", 7)  # pages of 7
    monkeypatch.setattr(queue_order, "READ_WHOLE", 3)  # a window over 3 leads is cut
    the_lab = await lab()
    client, task_queue = the_lab.client, f"parked-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC).replace(microsecond=0)
    rnd = random.Random(7)
    dues: list[datetime | None] = [now + timedelta(minutes=rnd.randrange(-3000, 3000))
                                   for _ in range(30)]  # fmt: skip
    dues += [now + timedelta(minutes=m) for m in (-20000, -30, 5, 12, 14, 20000)]
    dues += [None, None, None]
    ids = await park(client, task_queue, dues)
    due_of = dict(zip(ids, dues, strict=True))
    query = visibility_query("open", {}, now, LeadRoutingWorkflow.__name__, task_queue)
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while (await client.count_workflows(query)).count < len(ids):
        assert datetime.now(UTC) < deadline, "visibility did not list the parked leads in 20 s"
        await asyncio.sleep(0.1)

    dated = sorted((i for i in ids if due_of[i] is not None), key=lambda i: due_of[i])  # type: ignore[arg-type, return-value]
    undated = [i for i in reversed(ids) if due_of[i] is None]  # newest started first
    assert await every_page(client, "open", task_queue, now) == dated + undated
    overdue = [i for i in dated if due_of[i] < now]  # type: ignore[operator]
    assert await every_page(client, "overdue", task_queue, now) == overdue
    soon = [i for i in dated if now <= due_of[i] <= now + timedelta(minutes=15)]  # type: ignore[operator]
    assert len(soon) >= 2
    assert await every_page(client, "due-soon", task_queue, now) == soon
    for lead_id in ids:
        await client.get_workflow_handle(lead_id).terminate("test over")
