"""The loop with Salesforce closed, on the real embedded Temporal: a signed form webhook
-> the owner written on the Lead in the fake Salesforce (with a Task) -> an outbound
message -> the lead actioned, credited to the right owner. Escalation moves the Lead's
owner; Salesforce down for a minute, or out of API allocation, never holds up routing, and every write
lands once when it is back."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest_asyncio
import yaml

from activities.crm.salesforce import SalesforceClient
from activities.crm.salesforce_auth import SalesforceLogin
from domain.salesforce_outbound import ACK
from starter.api.config import ApiConfig, webhooks_note
from starter.runtime.settings import CrmSettings
from tests.fakes.salesforce import (
    CLIENT_ID,
    CLIENT_SECRET,
    INTEGRATION_USER,
    ORG_ID,
    FakeSalesforce,
    give_salesforce_ids,
    id18,
    outbound_message,
)
from tests.helpers import until_true
from tests.starter.api.conftest import Api, ApiFactory, unique_email
from tests.starter.api.crm_outage import MM_EAST, down_for_a_minute
from tests.workflows.conftest import LabFactory, rules_yaml

OUTBOUND_TOKEN = "outbound-token-for-tests"
NOTIFICATION_IDS = (f"04l5e{n:013d}" for n in itertools.count(1))


@pytest_asyncio.fixture(loop_scope="session")
async def salesforce() -> AsyncIterator[FakeSalesforce]:
    fake = FakeSalesforce()
    await fake.start()
    yield fake
    await fake.stop()


async def crm_api(api: ApiFactory, lab: LabFactory, fake: FakeSalesforce) -> Api:
    data = yaml.safe_load(rules_yaml())
    fake.users = give_salesforce_ids(data)
    login = SalesforceLogin(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    client = SalesforceClient(login, fake.url, httpx.AsyncClient(timeout=2), limit_pause=2.0)
    the_lab = await lab(yaml.safe_dump(data, sort_keys=False), crm=client)
    crm = CrmSettings(
        salesforce_instance_url=fake.url, salesforce_client_id=CLIENT_ID,
        salesforce_client_secret=CLIENT_SECRET, salesforce_org_id=ORG_ID,
        salesforce_outbound_token=OUTBOUND_TOKEN, salesforce_integration_user_id=INTEGRATION_USER,
    )  # fmt: skip
    return await api(the_lab, crm=crm, rules_path=the_lab.rules_path)


def user_of(fake: FakeSalesforce, member: str) -> str:
    return next(str(u["Id"]) for u in fake.users if u["Email"] == f"{member}@example.com")


async def outbound(
    one: Api, kind: str, fields: dict[str, str], *, token: str = OUTBOUND_TOKEN,
    org: str = ORG_ID, notification: str | None = None,
) -> httpx.Response:  # fmt: skip
    body = outbound_message([(notification or next(NOTIFICATION_IDS), kind, fields)], org)
    return await one.http.post(
        f"/webhooks/salesforce/outbound?token={token}", content=body,
        headers={"content-type": "text/xml; charset=utf-8", "SOAPAction": '""'},
    )  # fmt: skip


async def written(fake: FakeSalesforce, email: str, user: str) -> dict[str, Any]:
    await until_true(lambda: fake.owner_of(email) == user, f"{email} owned by {user}", 20)
    lead = fake.lead_by_email(email)
    assert lead is not None
    return lead


async def test_form_to_salesforce_owner_to_outbound_message_to_actioned(
    api: ApiFactory, lab: LabFactory, salesforce: FakeSalesforce
) -> None:
    one = await crm_api(api, lab, salesforce)
    email = unique_email()
    accepted = await one.forms({"email": email, **MM_EAST})
    assert accepted.status_code == 202, accepted.text
    lead_id = accepted.json()["lead_id"]
    state = await one.routed(lead_id)
    owner = user_of(salesforce, state["owner"])
    lead = await written(salesforce, email, owner)
    await until_true(lambda: len(salesforce.tasks_of(lead["Id"])) == 1, "the owner's Task", 20)
    (task,) = salesforce.tasks_of(lead["Id"])
    assert task["OwnerId"] == owner and "Northwind" in task["Subject"]
    synced = await one.until(
        lead_id, lambda s: (s.get("crm_sync") or {}).get("status") == "written"
    )
    assert synced["crm_sync"]["record_id"] == lead["Id"]
    memo = await (await one.lab.client.get_workflow_handle(lead_id).describe()).memo()
    assert memo["crm_record"] == {"crm": "salesforce", "id": lead["Id"]}  # seen in the Web UI
    assert "routing" in memo

    unknown = await outbound(
        one, "Lead", {"Id": "00Q5e00000ZZZZZAAA", "Status": "Working - Contacted"}
    )
    assert unknown.status_code == 200 and unknown.text == ACK
    echo = {"Id": lead["Id"], "OwnerId": owner, "Status": "Open - Not Contacted",
            "LastModifiedById": id18(INTEGRATION_USER)}  # fmt: skip
    assert (await outbound(one, "Lead", echo)).text == ACK  # lead-router's own write
    assert (await one.lead(lead_id)).json()["status"] == "waiting_first_action"
    worked = {**echo, "Status": "Working - Contacted", "LastModifiedById": owner}
    notification = next(NOTIFICATION_IDS)
    answer = await outbound(one, "Lead", worked, notification=notification)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert "<Ack>true</Ack>" in answer.text
    done = await one.until(lead_id, lambda s: s.get("status") == "actioned")
    assert done["first_action"] == "first_touch" and done["owner"] == state["owner"]
    again = await outbound(one, "Lead", worked, notification=notification)  # resent
    assert again.status_code == 200 and again.text == ACK
    rows = await one.lab.store.crm.events_of_lead(lead_id)
    assert [r.outcome.split(" ")[0] for r in rows] == ["ignored:", "first_touch"]
    assert "integration" in rows[0].outcome
    assert len(salesforce.leads_with(email)) == 1


async def test_outbound_messages_refuse_what_is_not_theirs_with_a_reason(
    api: ApiFactory, lab: LabFactory, salesforce: FakeSalesforce
) -> None:
    one = await crm_api(api, lab, salesforce)
    fields = {"Id": "00Q5e00000ZZZZZAAA", "Status": "Working - Contacted"}
    forged = await outbound(one, "Lead", fields, token="guess")
    assert forged.status_code == 401 and "LEAD_ROUTER_SALESFORCE_OUTBOUND_TOKEN" in forged.text
    other_org = await outbound(one, "Lead", fields, org="00D000000000001AAA")
    assert other_org.status_code == 403 and "LEAD_ROUTER_SALESFORCE_ORG_ID" in other_org.text
    url = f"/webhooks/salesforce/outbound?token={OUTBOUND_TOKEN}"
    xml = {"content-type": "text/xml"}
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><d>&b;</d>')  # fmt: skip
    for body, says in ((b"<notifications", "not XML"), (bomb, "refused XML construct"),
                       (b"<x/>", "outbound message")):  # fmt: skip
        bad = await one.http.post(url, content=body, headers=xml)
        assert bad.status_code == 400, bad.text
        assert says in bad.json()["detail"][0]["message"]
    json_body = await one.http.post(
        url, content=b"{}", headers={"content-type": "application/json"}
    )
    assert json_body.status_code == 415 and "text/xml" in json_body.json()["detail"]


async def test_an_escalation_moves_the_salesforce_owner_and_the_late_owner_is_refused(
    api: ApiFactory, lab: LabFactory, salesforce: FakeSalesforce
) -> None:
    one = await crm_api(api, lab, salesforce)
    email = unique_email()
    lead_id = (await one.forms({"email": email, **MM_EAST})).json()["lead_id"]
    handle = one.lab.client.get_workflow_handle(lead_id)
    first = await one.lab.routed(handle)  # type: ignore[arg-type]
    assert first.owner is not None
    lead = await written(salesforce, email, user_of(salesforce, first.owner))
    second = await one.lab.miss_sla(handle, first)  # type: ignore[arg-type]
    assert second.owner not in (None, first.owner)
    await written(salesforce, email, user_of(salesforce, str(second.owner)))
    await until_true(lambda: len(salesforce.tasks_of(lead["Id"])) == 2, "a Task per owner", 20)
    owners = [t["OwnerId"] for t in salesforce.tasks_of(lead["Id"])]
    assert owners == [user_of(salesforce, first.owner), user_of(salesforce, str(second.owner))]
    # the late owner completes a call logged after the escalation: refused
    call = {"Id": "00T5e00000CallAAA", "WhoId": lead["Id"], "Status": "Completed",
            "OwnerId": user_of(salesforce, first.owner), "Subject": "Call"}  # fmt: skip
    assert (await outbound(one, "Task", call)).text == ACK
    rows = await one.lab.store.crm.events_of_lead(lead_id)
    assert rows[-1].outcome.startswith("refused:") and "not the current owner" in rows[-1].outcome
    # the new owner's completed call is the first action
    call = {**call, "Id": "00T5e00000CallBBB", "OwnerId": user_of(salesforce, str(second.owner))}
    assert (await outbound(one, "Task", call)).text == ACK
    done = await one.until(lead_id, lambda s: s.get("status") == "actioned")
    assert done["owner"] == second.owner and len(salesforce.leads_with(email)) == 1


async def test_salesforce_down_or_out_of_allocation_never_holds_up_routing(
    api: ApiFactory, lab: LabFactory, salesforce: FakeSalesforce
) -> None:
    one = await crm_api(api, lab, salesforce)
    leads = await down_for_a_minute(one, salesforce, lambda: len(salesforce.calls("/oauth2/token")))
    for email, state in leads:
        lead = await written(salesforce, email, user_of(salesforce, state["owner"]))
        await until_true(lambda x=lead: len(salesforce.tasks_of(x["Id"])) == 1, "a Task", 20)
    # the org's allocation refused once: the client waits its pause, then writes
    salesforce.fail_next("limit")
    late = unique_email()
    started = asyncio.get_running_loop().time()
    lead_id = (await one.forms({"email": late, **MM_EAST})).json()["lead_id"]
    state = await one.routed(lead_id, timeout=10)
    assert asyncio.get_running_loop().time() - started < 2.0  # routing did not wait
    await written(salesforce, late, user_of(salesforce, state["owner"]))
    assert asyncio.get_running_loop().time() - started >= 2.0  # the write did
    assert any(r.status == 403 for r in salesforce.requests)
    await asyncio.sleep(0.5)
    for email in [*(e for e, _ in leads), late]:
        (lead,) = salesforce.leads_with(email)
        assert len(salesforce.tasks_of(lead["Id"])) == 1


def test_the_start_note_says_whether_outbound_messages_are_taken() -> None:
    off = ApiConfig(task_queue="q", id_key="k", webhook_secret="s")
    assert "salesforce outbound messages off (set LEAD_ROUTER_SALESFORCE_OUTBOUND_TOKEN)" in (
        webhooks_note(off)
    )
    on = replace(off, crm=CrmSettings(salesforce_outbound_token=OUTBOUND_TOKEN))
    assert webhooks_note(on).endswith("salesforce outbound messages on")
