"""CrmActivities.write_owner with the Salesforce client, against the fake Salesforce on
loopback and the app database (SQLite and PostgreSQL): the Lead found by email or
created, its owner set without the org's assignment rules, one Task per lead and step
whatever fails on the way; the token asked again after INVALID_SESSION_ID; the daily
allocation respected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.crm.http import CrmUnavailable
from activities.crm.salesforce import SalesforceClient
from activities.crm.salesforce_auth import SalesforceLogin
from activities.crm.sync import CrmActivities
from activities.database import Database
from domain.crm import CrmSync, CrmTask, CrmWrite
from tests.fakes.salesforce import (
    ASSIGNMENT_QUEUE,
    CLIENT_ID,
    CLIENT_SECRET,
    FakeSalesforce,
    id18,
)

GITA, HANA = "0055e0000000001", "0055e0000000002"
USERS = [{"Id": id18(GITA), "Name": "Gita Berg", "Email": "gita@example.com",
          "IsActive": True, "UserType": "Standard"},
         {"Id": id18(HANA), "Name": "Hana Schmidt", "Email": "hana@example.com",
          "IsActive": True, "UserType": "Standard"}]  # fmt: skip
LOGIN = SalesforceLogin(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)


@pytest_asyncio.fixture
async def salesforce() -> AsyncIterator[FakeSalesforce]:
    fake = FakeSalesforce(users=[dict(u) for u in USERS], timeout_after=1.0)
    await fake.start()
    yield fake
    await fake.stop()


def client_for(fake: FakeSalesforce, login: SalesforceLogin = LOGIN) -> SalesforceClient:
    return SalesforceClient(login, fake.url, httpx.AsyncClient(timeout=0.5), limit_pause=60)


def write(step: int = 1, owner_crm_id: str | None = GITA) -> CrmWrite:
    return CrmWrite(
        crm="salesforce", lead_id="lead-abc123", step=step, kind="initial",
        email="O'Brien@Northwind.io", first_name="Aoife", company="Northwind",
        owner="gita.berg", owner_crm_id=owner_crm_id,
        task=CrmTask(subject="Follow up: demo request from Northwind",
                     body="Company: Northwind", due_at=datetime(2026, 11, 24, 15, tzinfo=UTC)),
    )  # fmt: skip


async def run(acts: CrmActivities, w: CrmWrite) -> CrmSync:
    return await ActivityEnvironment().run(acts.write_owner, w)


async def test_a_write_creates_the_lead_with_its_owner_and_one_task(
    salesforce: FakeSalesforce, database: Database
) -> None:
    acts = CrmActivities(client_for(salesforce), database.crm)
    sync = await run(acts, write())
    again = await run(acts, write())  # a retry after the activity finished
    (lead,) = salesforce.leads_with("o'brien@northwind.io")
    assert lead["OwnerId"] == id18(GITA)  # not the assignment rule's queue
    assert lead["LastName"] == "[not provided]" and lead["Company"] == "Northwind"
    (task,) = salesforce.tasks_of(lead["Id"])
    assert task["OwnerId"] == id18(GITA) and task["ActivityDate"] == "2026-11-24"
    assert task["ReminderDateTime"] == "2026-11-24T15:00:00Z" and task["Status"] == "Not Started"
    assert sync == again and sync.status == "written" and sync.record_id == lead["Id"]
    assert await database.crm.lead_of_record("salesforce", lead["Id"]) == "lead-abc123"
    writes = [
        r for r in salesforce.requests if r.method in ("POST", "PATCH") and "sobjects" in r.path
    ]
    assert writes and all(r.headers["sforce-auto-assign"] == "FALSE" for r in writes)
    assert len(salesforce.calls("/oauth2/token")) == 1  # one token for every call
    token = salesforce.calls("/oauth2/token")[0].body
    assert token == {"grant_type": "client_credentials", "client_id": CLIENT_ID,
                     "client_secret": CLIENT_SECRET}  # fmt: skip


async def test_an_existing_lead_is_found_by_email_and_an_escalation_moves_its_owner(
    salesforce: FakeSalesforce, database: Database
) -> None:
    salesforce.leads["00Q5e0000099999AAA"] = {
        "Id": "00Q5e0000099999AAA", "Email": "o'brien@northwind.io", "LastName": "O'Brien",
        "Company": "Northwind", "OwnerId": ASSIGNMENT_QUEUE, "IsConverted": False,
        "CreatedDate": "00000000",
    }  # fmt: skip
    acts = CrmActivities(client_for(salesforce), database.crm)
    await run(acts, write(step=1))
    await run(acts, write(step=2, owner_crm_id=HANA))
    (lead,) = salesforce.leads_with("o'brien@northwind.io")
    assert lead["Id"] == "00Q5e0000099999AAA" and lead["OwnerId"] == id18(HANA)
    assert [t["OwnerId"] for t in salesforce.tasks_of(lead["Id"])] == [id18(GITA), id18(HANA)]
    assert len(salesforce.calls("sobjects/Lead/00Q5e0000099999AAA")) == 2  # PATCH, PATCH


@pytest.mark.parametrize("fault", ["500", "503", "timeout", "drop", "limit"])
async def test_a_failing_salesforce_fails_the_attempt_and_the_retry_writes_once(
    salesforce: FakeSalesforce, database: Database, fault: str
) -> None:
    acts = CrmActivities(client_for(salesforce), database.crm)
    await client_token(acts)
    salesforce.fail_next(fault)
    with pytest.raises(ApplicationError) as failed:
        await run(acts, write())
    assert not failed.value.non_retryable
    if fault == "limit":  # REQUEST_LIMIT_EXCEEDED: every call waits the pause out
        assert "REQUEST_LIMIT_EXCEEDED" in str(failed.value)
        assert failed.value.next_retry_delay == timedelta(seconds=60)
        sent = len(salesforce.requests)
        with pytest.raises(ApplicationError, match="allocation"):
            await run(acts, write())
        assert len(salesforce.requests) == sent
        acts.client._paused_until = 0.0  # type: ignore[union-attr]  # the pause is over
    sync = await run(acts, write())
    assert sync.status == "written"
    (lead,) = salesforce.leads_with("o'brien@northwind.io")
    assert len(salesforce.tasks_of(lead["Id"])) == 1


async def client_token(acts: CrmActivities) -> None:
    assert isinstance(acts.client, SalesforceClient)
    await acts.client.users()  # the token first: the fault then hits a data call


async def test_a_task_created_but_unanswered_is_found_not_created_again(
    salesforce: FakeSalesforce, database: Database
) -> None:
    acts = CrmActivities(client_for(salesforce), database.crm)
    await client_token(acts)
    salesforce.fail_next("none", "none", "timeout")  # query, create; the Task times out
    with pytest.raises(ApplicationError):
        await run(acts, write())
    from tests.helpers import until_true

    await until_true(lambda: len(salesforce.tasks) == 1, "the task in the fake Salesforce")
    sync = await run(acts, write())
    (lead,) = salesforce.leads_with("o'brien@northwind.io")
    (task,) = salesforce.tasks_of(lead["Id"])
    assert sync.task_id == task["Id"]


async def test_an_owner_salesforce_refuses_is_a_warning_naming_the_field(
    salesforce: FakeSalesforce, database: Database
) -> None:
    salesforce.users[1]["IsActive"] = False  # Hana left the company
    acts = CrmActivities(client_for(salesforce), database.crm)
    sync = await run(acts, write(owner_crm_id=HANA))
    assert sync.status == "rejected"
    assert "INVALID_CROSS_REFERENCE_KEY" in str(sync.warning)
    assert "(fields: OwnerId)" in str(sync.warning)
    (lead,) = salesforce.leads_with("o'brien@northwind.io")  # kept, without our owner
    assert salesforce.tasks == {} and sync.record_id == lead["Id"]


async def test_an_expired_session_asks_for_a_new_token_once(
    salesforce: FakeSalesforce, database: Database
) -> None:
    client = client_for(salesforce)
    await client.users()
    salesforce.expire_tokens()
    assert [u["id"] for u in await client.users()] == [id18(GITA), id18(HANA)]
    statuses = [r.status for r in salesforce.requests]
    assert statuses == [200, 200, 401, 200, 200]  # token, query, 401, token, query
    bad = SalesforceLogin(client_id=CLIENT_ID, client_secret="wrong")
    sync = await run(CrmActivities(client_for(salesforce, bad), database.crm), write())
    assert sync.status == "rejected" and "invalid_client" in str(sync.warning)


async def test_calls_at_once_share_one_token_request(salesforce: FakeSalesforce) -> None:
    client = client_for(salesforce)
    await asyncio.gather(*(client.users() for _ in range(8)))  # a worker's first leads
    assert len(salesforce.calls("/oauth2/token")) == 1
    salesforce.expire_tokens()
    await asyncio.gather(*(client.users() for _ in range(8)))
    assert len(salesforce.calls("/oauth2/token")) == 2  # one refresh for all eight


async def test_the_daily_allocation_is_respected(
    salesforce: FakeSalesforce, database: Database
) -> None:
    salesforce.api_allocation, salesforce.api_used = 100, 88
    client = client_for(salesforce)
    await client.users()  # 89/100: under the 90 left to lead-router
    assert client.api_usage == (89, 100)
    await client.users()  # 90/100: the reserve reached, calls wait from now on
    sent = len(salesforce.requests)
    with pytest.raises(CrmUnavailable) as waiting:
        await client.users()
    assert "allocation 90/100" in str(waiting.value) and waiting.value.retry_after == pytest.approx(
        60, abs=1
    )
    assert len(salesforce.requests) == sent  # nothing was sent
    acts = CrmActivities(client, database.crm)
    with pytest.raises(ApplicationError) as failed:
        await run(acts, write())
    assert failed.value.next_retry_delay is not None
    assert failed.value.next_retry_delay > timedelta(seconds=55)


async def test_the_jwt_bearer_flow_signs_with_the_apps_key(
    salesforce: FakeSalesforce, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "server.key"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))  # fmt: skip
    salesforce.public_key_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    login = SalesforceLogin(client_id=CLIENT_ID, username="router@acme.com", private_key=pem)
    assert len(await client_for(salesforce, login).users()) == 2
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem.write_bytes(other.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))  # fmt: skip
    with pytest.raises(Exception, match="invalid_client"):
        await client_for(salesforce, login).users()


async def test_users_follow_the_next_records_url(salesforce: FakeSalesforce) -> None:
    salesforce.page_size = 1
    users = await client_for(salesforce).users()
    assert [u["name"] for u in users] == ["Gita Berg", "Hana Schmidt"]
    assert len(salesforce.calls("/query/01gFAKE")) == 1
