"""CrmActivities.write_owner against the fake HubSpot on loopback and the app database
(SQLite and PostgreSQL): one contact and one task per lead and step whatever fails on
the way; 429, 5xx, timeouts and dropped connections retried (after Retry-After); a
refusal warned."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import pytest_asyncio
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.crm.hubspot import HubSpotClient
from activities.crm.sync import CrmActivities
from activities.database import Database
from domain.crm import CrmSync, CrmTask, CrmWrite
from tests.fakes.hubspot import TOKEN, FakeHubSpot

OWNERS = [{"id": "5001", "userId": 9001, "email": "gita@example.com", "archived": False},
          {"id": "5002", "userId": 9002, "email": "hana@example.com", "archived": False}]  # fmt: skip


@pytest_asyncio.fixture
async def hubspot() -> AsyncIterator[FakeHubSpot]:
    fake = FakeHubSpot(owners=OWNERS, timeout_after=1.0)
    await fake.start()
    yield fake
    await fake.stop()


def acts_for(fake: FakeHubSpot, database: Database) -> CrmActivities:
    http = httpx.AsyncClient(timeout=0.5)  # shorter than the fake's "timeout" fault
    return CrmActivities(HubSpotClient(TOKEN, fake.url, http), database.crm)


def write(step: int = 1, owner_crm_id: str | None = "5001") -> CrmWrite:
    return CrmWrite(
        crm="hubspot", lead_id="lead-abc123", step=step, kind="initial",
        email="Buyer@Northwind.io", company="Northwind", owner="gita.berg",
        owner_crm_id=owner_crm_id,
        task=CrmTask(subject="Follow up", body="Company: Northwind",
                     due_at=datetime(2026, 11, 24, 15, tzinfo=UTC)),
    )  # fmt: skip


async def run(acts: CrmActivities, w: CrmWrite) -> CrmSync:
    return await ActivityEnvironment().run(acts.write_owner, w)


async def test_a_write_upserts_the_contact_with_its_owner_and_one_task(
    hubspot: FakeHubSpot, database: Database
) -> None:
    acts = acts_for(hubspot, database)
    sync = await run(acts, write())
    again = await run(acts, write())  # a retry after the activity finished
    contact = hubspot.contact_by_email("buyer@northwind.io")
    assert contact is not None and contact["properties"]["hubspot_owner_id"] == "5001"
    assert len(hubspot.contacts) == 1 and len(hubspot.tasks_of(contact["id"])) == 1
    task = hubspot.tasks_of(contact["id"])[0]["properties"]
    assert task["hubspot_owner_id"] == "5001" and task["hs_timestamp"] == "2026-11-24T15:00:00Z"
    assert sync == again and sync.status == "written"
    assert sync.record_id == contact["id"]
    assert await database.crm.lead_of_record("hubspot", contact["id"]) == "lead-abc123"
    assert len(hubspot.requests) == 2  # the repeat asked HubSpot nothing
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in hubspot.requests)


async def test_an_escalation_moves_the_owner_and_gives_the_new_owner_a_task(
    hubspot: FakeHubSpot, database: Database
) -> None:
    acts = acts_for(hubspot, database)
    await run(acts, write(step=1))
    await run(acts, write(step=2, owner_crm_id="5002"))
    contact = hubspot.contact_by_email("buyer@northwind.io")
    assert contact is not None and contact["properties"]["hubspot_owner_id"] == "5002"
    owners = [t["properties"]["hubspot_owner_id"] for t in hubspot.tasks_of(contact["id"])]
    assert owners == ["5001", "5002"] and len(hubspot.contacts) == 1


@pytest.mark.parametrize("fault", ["429", "500", "timeout", "drop"])
async def test_a_failing_hubspot_fails_the_attempt_and_the_retry_writes_once(
    hubspot: FakeHubSpot, database: Database, fault: str
) -> None:
    acts = acts_for(hubspot, database)
    hubspot.fail_next(fault)
    with pytest.raises(ApplicationError) as failed:
        await run(acts, write())
    assert not failed.value.non_retryable
    if fault == "429":
        assert failed.value.next_retry_delay == timedelta(seconds=1)  # HubSpot's Retry-After
        assert "RATE_LIMIT" in str(failed.value) or "ten_secondly" in str(failed.value)
    sync = await run(acts, write())
    assert sync.status == "written"
    contact = hubspot.contact_by_email("buyer@northwind.io")
    assert contact is not None and len(hubspot.contacts) == 1
    assert len(hubspot.tasks_of(contact["id"])) == 1


async def test_a_task_created_but_unanswered_is_found_not_created_again(
    hubspot: FakeHubSpot, database: Database
) -> None:
    acts = acts_for(hubspot, database)
    hubspot.fail_next("none", "timeout")  # the upsert answers; the task create times out
    with pytest.raises(ApplicationError):
        await run(acts, write())
    await _until_tasks(hubspot, 1)  # HubSpot made it all the same
    sync = await run(acts, write())
    contact = hubspot.contact_by_email("buyer@northwind.io")
    assert contact is not None and len(hubspot.tasks_of(contact["id"])) == 1
    assert sync.task_id == hubspot.tasks_of(contact["id"])[0]["id"]
    assert len(hubspot.calls("/tasks/search")) == 1


async def test_an_owner_hubspot_refuses_is_a_warning_and_the_contact_is_still_kept(
    hubspot: FakeHubSpot, database: Database
) -> None:
    acts = acts_for(hubspot, database)
    sync = await run(acts, write(owner_crm_id="7777"))  # deleted in HubSpot
    assert sync.status == "rejected"
    assert "7777 is not a valid owner id" in str(sync.warning)
    contact = hubspot.contact_by_email("buyer@northwind.io")
    assert contact is not None and "hubspot_owner_id" not in contact["properties"]
    assert hubspot.tasks == {}
    missing = await run(acts, write(step=2, owner_crm_id=None))
    assert "gita.berg has no hubspot_owner_id in the rules file" in str(missing.warning)


async def test_the_client_stays_under_the_rate_limit(
    hubspot: FakeHubSpot, database: Database
) -> None:
    hubspot.limit = (5, 1.0)
    client = HubSpotClient(TOKEN, hubspot.url, httpx.AsyncClient(timeout=5))
    client.limit.requests, client.limit.seconds = 4, 1.0  # with a margin, as RATE has
    for n in range(12):
        await client.upsert_record(write().model_copy(update={"email": f"b{n}@northwind.io"}))
    assert all(r.status == 200 for r in hubspot.requests), [r.status for r in hubspot.requests]


async def _until_tasks(fake: FakeHubSpot, count: int) -> None:
    from tests.helpers import until_true

    await until_true(lambda: len(fake.tasks) >= count, f"{count} task(s) in the fake HubSpot")
