"""The worker SIGKILLed while its HubSpot writes are in flight (HubSpot answering slowly,
so some contacts and tasks are made but never answered): once another worker takes over,
every lead has one contact, one task, owned by the lead's owner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.fakes.hubspot import TOKEN, FakeHubSpot, give_crm_ids
from tests.faults.harness import Cluster, crm_leads, fast_rules, until_crm_written
from tests.helpers import until_true
from workflows.client import start_lead

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(900)]
LEADS = 12


async def test_worker_killed_mid_hubspot_write_one_contact_one_task_right_owner(
    tmp_path: Path,
) -> None:
    cluster = Cluster(tmp_path)
    data = yaml.safe_load(fast_rules("1h"))  # no escalation while we look
    hubspot = FakeHubSpot(owners=give_crm_ids(data), timeout_after=3.0)
    cluster.rules.write_text(yaml.safe_dump(data, sort_keys=False))
    await hubspot.start()
    hubspot.fail_next(*["timeout"] * (2 * LEADS))  # every call answers after 3 s
    crm = {"LEAD_ROUTER_HUBSPOT_TOKEN": TOKEN, "LEAD_ROUTER_HUBSPOT_API_URL": hubspot.url}
    client = await cluster.start_server()
    try:
        first = cluster.start_worker(**crm)
        leads = crm_leads(LEADS)
        for lead in leads:
            await start_lead(client, lead, cluster.task_queue, crm="hubspot")
        await until_true(lambda: len(hubspot.calls("/tasks")) >= 3, "task creates in flight", 60)
        cluster.kill(first)  # mid-write: some upserts and task creates unanswered
        cluster.start_worker(**crm)
        states = await until_crm_written(client, leads)
    finally:
        cluster.stop_all()
        await hubspot.stop()
    owner_ids = {o["email"].split("@")[0]: str(o["id"]) for o in hubspot.owners}
    for email, state in states.items():
        contacts = hubspot.contacts_with(email)
        assert len(contacts) == 1, email
        tasks = hubspot.tasks_of(contacts[0]["id"])
        assert len(tasks) == 1, (email, tasks)
        assert contacts[0]["properties"]["hubspot_owner_id"] == owner_ids[str(state.owner)]
        assert tasks[0]["properties"]["hubspot_owner_id"] == owner_ids[str(state.owner)]
    assert len(hubspot.calls("/tasks/search")) >= 1  # a retry looked before creating again
