"""Webhook -> owner written in the (fake) CRM, at a fixed rate: HubSpot, then Salesforce.

Signed form webhooks are POSTed at `rate` leads/s for `seconds`; each lead is timed from
its POST to the fake CRM receiving the write that carries its owner (HubSpot's contact
upsert, Salesforce's Lead create or update). The
embedded dev server, the worker (with the HubSpot client), the API and the fake run in
this one process (bench/e2e.py runs the worker and API in processes of their own: its
speed to lead is the figure for the assignment itself).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import yaml
from temporalio.testing import WorkflowEnvironment

from activities.crm.http import RateLimit
from activities.crm.hubspot import HubSpotClient
from activities.crm.salesforce import SalesforceClient
from activities.crm.salesforce_auth import SalesforceLogin
from activities.crm.sync import CrmClient
from activities.database import Database
from activities.lead_activities import LeadActivities
from bench.leads import submissions
from bench.speed import percentile
from domain.providers.forms import sign_generic
from starter.api.app import create_app
from starter.api.config import ApiConfig
from starter.devserver import free_port, server_flags
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import LEAD_DATA_CONVERTER
from starter.runtime.settings import DEFAULT_RULES, SAMPLE_COMPANIES, CrmSettings
from tests.fakes.http import FakeCrm
from tests.fakes.hubspot import TOKEN, FakeHubSpot, give_crm_ids
from tests.fakes.salesforce import CLIENT_ID, CLIENT_SECRET, FakeSalesforce, give_salesforce_ids
from worker import build_worker

SECRET = "bench-secret"


async def run(seconds: float = 10.0, rate: float = 20.0) -> dict[str, Any]:
    """At HubSpot's own rate limit (190 requests per 10 s: two requests a lead, so about
    nine leads/s), and with the limit lifted (what lead-router itself adds)."""
    return {
        "hubspot_limited": await run_once(seconds, rate, limited=True),
        "unlimited": await run_once(seconds, rate, limited=False),
        "salesforce": await run_once(seconds, rate, limited=False, vendor="salesforce"),
    }


def _crm(fake: FakeCrm, data: dict[str, Any], limited: bool) -> tuple[CrmClient, CrmSettings]:
    """The vendor's client and settings against its fake; the rules get its ids."""
    if isinstance(fake, FakeSalesforce):
        fake.users = give_salesforce_ids(data)
        login = SalesforceLogin(CLIENT_ID, CLIENT_SECRET)
        client = SalesforceClient(login, fake.url, limit=RateLimit(100_000, 1.0))
        settings = CrmSettings(salesforce_instance_url=fake.url, salesforce_client_id=CLIENT_ID)
        return client, settings
    assert isinstance(fake, FakeHubSpot)
    fake.owners = give_crm_ids(data)
    hubspot = HubSpotClient(TOKEN, fake.url)
    if not limited:
        hubspot.limit.requests = 100_000
    return hubspot, CrmSettings(hubspot_token=TOKEN, hubspot_api_url=fake.url)


async def run_once(
    seconds: float, rate: float, *, limited: bool, vendor: str = "hubspot"
) -> dict[str, Any]:
    fake: FakeCrm = (
        FakeSalesforce()
        if vendor == "salesforce"
        else FakeHubSpot(limit=(190, 10.0) if limited else (100_000, 10.0))
    )
    await fake.start()
    with tempfile.TemporaryDirectory() as work:
        data = yaml.safe_load(DEFAULT_RULES.read_text())
        crm, settings = _crm(fake, data, limited)
        rules = Path(work) / "rules.yaml"
        rules.write_text(yaml.safe_dump(data))
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_cli(), ui=False,
            dev_server_extra_args=server_flags(), data_converter=LEAD_DATA_CONVERTER,
        )  # fmt: skip
        database = await Database(Path(work) / "app.db").init()
        acts = LeadActivities(database, rules_path=rules, companies_path=SAMPLE_COMPANIES, crm=crm)
        config = ApiConfig(
            task_queue="bench-crm", id_key="bench", rules_path=rules, webhook_secret=SECRET,
            hubspot_secret=SECRET, typeform_secret=SECRET,
            rate_limit_per_minute=0, crm=settings,
        )  # fmt: skip

        async def client() -> Any:
            return env.client

        app = create_app(config, database, client)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
        serving = asyncio.create_task(server.serve())
        try:
            async with env, build_worker(env.client, acts, "bench-crm"):
                while not server.started:
                    await asyncio.sleep(0.01)
                return await _phase(fake, f"http://127.0.0.1:{port}", seconds, rate)
        finally:
            server.should_exit = True
            await serving
            await database.close()
            await fake.stop()


async def _phase(fake: FakeCrm, base: str, seconds: float, rate: float) -> dict[str, Any]:
    sent: dict[str, float] = {}
    count = int(seconds * rate)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:

        async def one(raw: dict[str, Any]) -> None:
            body = httpx.Request("POST", "/", json=raw).content
            headers = {"content-type": "application/json",
                       "x-lead-router-signature": sign_generic(SECRET, body)}  # fmt: skip
            sent[str(raw["email"]).lower()] = time.perf_counter()
            answer = await http.post("/webhooks/forms", content=body, headers=headers)
            answer.raise_for_status()

        tasks = []
        start = time.perf_counter()
        for n, raw in enumerate(submissions(count, seed=15)):
            raw = {**raw, "email": f"crm{n}.{raw['email']}"}
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(raw)))
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 60
        while len(_written(fake, sent)) < len(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
    latencies = [1000 * (at - sent[email]) for email, at in _written(fake, sent).items()]
    return {
        "crm": "salesforce" if isinstance(fake, FakeSalesforce) else "hubspot",
        "hubspot_limit": isinstance(fake, FakeHubSpot) and fake.limit[0] < 100_000,
        "rate_per_s": rate,
        "leads": len(sent),
        "written": len(latencies),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
    }


def _written(fake: FakeCrm, sent: dict[str, float]) -> dict[str, float]:
    """Each lead's first write that carried an owner, by email."""
    first: dict[str, float] = {}
    if isinstance(fake, FakeSalesforce):  # the Lead created with its owner
        for record in fake.calls("sobjects/Lead"):
            email = str((record.body or {}).get("Email", "")).lower()
            if record.status == 201 and "OwnerId" in record.body and email in sent:
                first.setdefault(email, record.at)
        return first
    for record in fake.calls("batch/upsert"):
        if record.status != 200:
            continue
        for item in record.body["inputs"]:
            email = str(item["id"]).lower()
            if email in sent and "hubspot_owner_id" in item["properties"]:
                first.setdefault(email, record.at)
    return first


if __name__ == "__main__":
    print(asyncio.run(run(seconds=3.0)))
