"""One real Temporal dev server with per-workflow time skipping for the whole session;
a fresh task queue, SQLite app database and worker for each test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
import yaml
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.testing._timeskipping import TimeSkippingConfig
from temporalio.worker import Worker

from activities.crm.sync import CrmClient
from activities.database import Database
from activities.lead_activities import LeadActivities
from activities.notifications import Channels
from domain.crm import Crm
from domain.intake import parse_submission
from domain.lifecycle import LeadState
from domain.models import Account
from starter.devserver import server_flags
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import LEAD_DATA_CONVERTER
from starter.runtime.lead_codec import lead_data_converter
from starter.runtime.settings import DEFAULT_RULES, SAMPLE_COMPANIES
from worker import build_worker
from workflows.client import LeadHandle, lead_status, start_lead

SKIP_PAST = timedelta(milliseconds=5)  # past a deadline, well short of the next step
ALWAYS_OPEN = {"timezone": "UTC", "start": "00:00", "end": "24:00",
               "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}  # fmt: skip


def rules_yaml(hours: dict[str, Any] | None = None, **changes: Any) -> str:
    """The shipped policy with every member on the given hours (default: always open)."""
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    data["default_hours"] = hours or ALWAYS_OPEN
    for team in data["teams"]:
        for member in team["members"]:
            member.pop("hours", None)
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping_v2(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=[
            "--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true",
            *server_flags(),
        ],
        data_converter=LEAD_DATA_CONVERTER,
        # no skipping unless a test fast-forwards: otherwise every idle SLA timer fires at once
        ts_config=TimeSkippingConfig(enabled=False),
    )  # fmt: skip
    async with environment:
        yield environment


@dataclass
class Lab:
    """Everything one test needs: client, store, activities, worker, task queue."""

    env: WorkflowEnvironment
    client: Client
    store: Database
    acts: LeadActivities
    task_queue: str
    rules_path: Path
    workers: list[Worker] = field(default_factory=list)
    crm: Crm | None = None  # the CRM its leads write owners to

    async def submit(
        self, submission: dict[str, Any], submission_id: str | None = None
    ) -> LeadHandle:
        # every lab gets its own addresses: lead ids derive from the email, and a lead
        # still open from another test would be joined instead of started
        local, domain = str(submission["email"]).strip().split("@")
        tagged = {**submission, "email": f"{local}+{self.task_queue}@{domain}"}
        lead = parse_submission(tagged, source="test")
        return await start_lead(
            self.client, lead, self.task_queue, submission_id=submission_id, crm=self.crm
        )

    async def until(
        self, handle: LeadHandle, check: Callable[[LeadState], bool], timeout: float = 20.0
    ) -> LeadState:
        """Poll the status query until `check` holds; fail with the last state."""
        deadline = asyncio.get_running_loop().time() + timeout
        state = await lead_status(self.client, handle.id)
        while not check(state):
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not reached; last state: {state.model_dump()}")
            await asyncio.sleep(0.05)
            state = await lead_status(self.client, handle.id)
        return state

    async def routed(self, handle: LeadHandle) -> LeadState:
        return await self.until(handle, lambda s: s.status.value != "routing" and bool(s.decisions))

    async def miss_sla(self, handle: LeadHandle, state: LeadState) -> LeadState:
        """Skip past the current SLA deadline and wait for the next decision."""
        assert state.sla_due_at is not None, state
        decisions = len(state.decisions)
        # to just past the deadline on the workflow's own clock: a skip that ends later
        # can run on into the next owner's SLA timer once the escalation is idle (seen on
        # a loaded box: the escalated owner's SLA lapsed before they could act)
        now = await self.env.get_current_time(handle)
        await self.env.fast_forward(handle, max(state.sla_due_at - now, timedelta(0)) + SKIP_PAST)  # type: ignore[attr-defined]
        return await self.until(handle, lambda s: len(s.decisions) > decisions)


LabFactory = Callable[..., Awaitable[Lab]]


@pytest_asyncio.fixture(loop_scope="session")
async def lab(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[LabFactory]:
    labs: list[Lab] = []

    async def make(
        rules_text: str | None = None,
        accounts: list[Account] | None = None,
        slack_webhook_url: str | None = None,
        start_worker: bool = True,
        crm: CrmClient | None = None,
        sealed: bool = True,
        channels: Channels | None = None,
        ops: Channels | None = None,
    ) -> Lab:
        rules_path = tmp_path / f"rules-{len(labs)}.yaml"
        rules_path.write_text(rules_text or rules_yaml())
        store = await Database(tmp_path / f"app-{len(labs)}.db").init()
        if accounts:
            await store.accounts.upsert(accounts)
        acts = LeadActivities(
            store, rules_path=rules_path, companies_path=SAMPLE_COMPANIES,
            slack_webhook_url=slack_webhook_url, crm=crm, channels=channels, ops=ops,
        )  # fmt: skip
        # as deployed: each lead's payloads sealed with its key from the app database
        client = env.client
        if sealed:
            config = env.client.config()
            config["data_converter"] = lead_data_converter(store.lead_keys, None)
            client = Client(**config)
        made = Lab(env, client, store, acts, f"tq-{uuid.uuid4().hex[:8]}", rules_path)
        made.crm = None if crm is None else "salesforce" if crm.crm == "salesforce" else "hubspot"
        if start_worker:
            worker = build_worker(client, acts, made.task_queue)
            await worker.__aenter__()
            made.workers.append(worker)
        labs.append(made)
        return made

    yield make
    for made in labs:
        for worker in made.workers:
            await worker.__aexit__(None, None, None)
        await made.store.close()
