"""The worker SIGKILLed while its Salesforce writes are in flight (Salesforce answering
slowly, so some Leads and Tasks are made but never answered): once another worker takes
over, every lead has one Salesforce Lead and one Task, owned by the lead's owner (a retry
finds the Lead by its email and the Task by its key, by SOQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.fakes.salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, give_salesforce_ids
from tests.faults.harness import Cluster, crm_leads, fast_rules, until_crm_written
from tests.helpers import until_true
from workflows.client import start_lead

pytestmark = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.timeout(900)]
LEADS = 12


async def test_worker_killed_mid_salesforce_write_one_lead_one_task_right_owner(
    tmp_path: Path,
) -> None:
    cluster = Cluster(tmp_path)
    data = yaml.safe_load(fast_rules("1h"))  # no escalation while we look
    salesforce = FakeSalesforce(users=give_salesforce_ids(data), timeout_after=3.0)
    cluster.rules.write_text(yaml.safe_dump(data, sort_keys=False))
    await salesforce.start()
    salesforce.fail_next(*["timeout"] * (3 * LEADS + 1))  # every call answers after 3 s
    crm = {"LEAD_ROUTER_SALESFORCE_INSTANCE_URL": salesforce.url,
           "LEAD_ROUTER_SALESFORCE_CLIENT_ID": CLIENT_ID,
           "LEAD_ROUTER_SALESFORCE_CLIENT_SECRET": CLIENT_SECRET}  # fmt: skip
    client = await cluster.start_server()
    try:
        first = cluster.start_worker(**crm)
        leads = crm_leads(LEADS)
        for lead in leads:
            await start_lead(client, lead, cluster.task_queue, crm="salesforce")
        await until_true(
            lambda: len(salesforce.calls("sobjects/Task")) >= 3, "Task creates in flight", 60
        )
        cluster.kill(first)  # mid-write: some Lead and Task creates unanswered
        cluster.start_worker(**crm)
        states = await until_crm_written(client, leads)
    finally:
        cluster.stop_all()
        await salesforce.stop()
    user_ids = {u["Email"].split("@")[0]: u["Id"] for u in salesforce.users}
    for email, state in states.items():
        found = salesforce.leads_with(email)
        assert len(found) == 1, email
        tasks = salesforce.tasks_of(found[0]["Id"])
        assert len(tasks) == 1, (email, tasks)
        assert found[0]["OwnerId"] == user_ids[str(state.owner)]
        assert tasks[0]["OwnerId"] == user_ids[str(state.owner)]
    assert any("FROM%20Task" in r.path for r in salesforce.requests)  # a retry looked first
