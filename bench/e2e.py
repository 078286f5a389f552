"""Speed to lead, end to end, against the floor, on one embedded dev server and worker.

Each phase offers leads at a fixed rate for a fixed time by HTTP POST, and times each
from its POST to the assignment recorded in its workflow history. Lead phases go
through the real webhook (signature, validation, delivery record, workflow start);
floor phases through a bare endpoint that starts FloorWorkflow the same way.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.lead_activities import LeadActivities
from activities.store import Store
from bench.floor import ACTIVITIES as FLOOR_ACTIVITIES
from bench.floor import FloorWorkflow, floor_app
from bench.leads import submissions
from bench.speed import percentile
from domain.identity import lead_id_for
from domain.intake import normalize_email
from domain.signatures import sign_generic
from starter.api import ApiConfig, create_app
from starter.binaries import temporal_cli
from starter.codec import data_converter
from starter.config import DEFAULT_RULES, SAMPLE_COMPANIES
from starter.devserver import free_port
from starter.history import local_activity_type
from worker import SANDBOX, activity_list
from workflows.lead_routing import LeadRoutingWorkflow
from workflows.search_attributes import dev_server_flags

SECRET = "bench-secret"
ID_KEY = "bench-id-key"


async def _serve(app: FastAPI) -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task, port


async def _assigned_at(client: Client, workflow_id: str, activity: str) -> float | None:
    """When the assignment activity completed (or, as a local activity, was recorded)."""
    scheduled: dict[int, str] = {}
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = event.activity_task_completed_event_attributes
            if scheduled.get(done.scheduled_event_id) == activity:
                return event.event_time.ToDatetime().timestamp()
        elif (
            event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and local_activity_type(event.marker_recorded_event_attributes) == activity
        ):
            return event.event_time.ToDatetime().timestamp()
    return None


Post = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[str]]


async def _phase(
    client: Client,
    http: httpx.AsyncClient,
    post: Post,
    activity: str,
    rate: float,
    seconds: float,
    seed: int,
) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    sent: dict[str, float] = {}
    errors = 0

    async def one(raw: dict[str, Any]) -> None:
        nonlocal errors
        t0 = time.time()
        try:
            sent[await post(http, raw)] = t0
        except httpx.HTTPError:
            errors += 1

    count = max(1, int(rate * seconds))
    tasks = []
    started = time.perf_counter()
    for i, raw in enumerate(submissions(count, seed=seed)):
        local, domain = str(raw["email"]).split("@")
        raw = {**raw, "email": f"{local}+{tag}@{domain}", "honeypot": None}
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(raw)))
    await asyncio.gather(*tasks)
    latencies, last = [], 0.0
    pending, deadline = dict(sent), time.time() + 120
    while pending and time.time() < deadline:
        for workflow_id, t0 in list(pending.items()):
            at = await _assigned_at(client, workflow_id, activity)
            if at is not None:
                latencies.append((at - t0) * 1000)
                last = max(last, at)
                del pending[workflow_id]
        if pending:
            await asyncio.sleep(0.25)
    first = min(sent.values()) if sent else 0.0
    span = max(last - first, 1e-9)
    return {
        "offered_per_s": rate,
        "leads": count,
        "assigned": len(latencies),
        "errors": errors + len(pending),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "achieved_per_s": round(len(latencies) / span, 1),
    }


async def run(seconds: float, rates: tuple[float, ...], max_rate: float) -> dict[str, Any]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--log-level", "error", *dev_server_flags()],
        data_converter=data_converter(),
    )
    results: dict[str, Any] = {"lead": {}, "floor": {}}
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store(Path(tmp) / "bench.db").init()
        acts = LeadActivities(store, rules_path=DEFAULT_RULES, companies_path=SAMPLE_COMPANIES)
        queue = f"e2e-{uuid.uuid4().hex[:6]}"
        worker = Worker(
            env.client,
            task_queue=queue,
            workflows=[LeadRoutingWorkflow, FloorWorkflow],
            activities=[*activity_list(acts), *FLOOR_ACTIVITIES],
            workflow_runner=SANDBOX,
        )
        config = ApiConfig(
            task_queue=queue,
            id_key=ID_KEY,
            webhook_secret=SECRET,
            hubspot_secret=SECRET,
            typeform_secret=SECRET,
            rate_limit_per_minute=0,
        )

        async def shared() -> Client:
            return env.client

        async with env, worker:
            api, api_task, api_port = await _serve(create_app(config, store, shared))
            floor, floor_task, floor_port = await _serve(floor_app(env.client, queue))

            async def post_lead(http: httpx.AsyncClient, raw: dict[str, Any]) -> str:
                body = json.dumps(raw).encode()
                response = await http.post(
                    f"http://127.0.0.1:{api_port}/webhooks/forms",
                    content=body,
                    headers={
                        "content-type": "application/json",
                        "x-lead-router-signature": sign_generic(SECRET, body),
                    },
                )
                response.raise_for_status()
                return str(response.json()["workflow_id"])

            async def post_floor(http: httpx.AsyncClient, raw: dict[str, Any]) -> str:
                body = json.dumps(raw).encode()
                lead_id = lead_id_for(normalize_email(str(raw["email"])), ID_KEY)
                response = await http.post(
                    f"http://127.0.0.1:{floor_port}/floor/{lead_id}",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                response.raise_for_status()
                return lead_id

            limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
            async with httpx.AsyncClient(timeout=60, limits=limits) as http:
                for n, rate in enumerate((*rates, max_rate)):
                    for kind, post, activity in (
                        ("floor", post_floor, "floor_assign"),
                        ("lead", post_lead, "assign_owner"),
                    ):
                        results[kind][str(int(rate))] = await _phase(
                            env.client, http, post, activity, rate, seconds, seed=100 + n
                        )
            for server, task in ((api, api_task), (floor, floor_task)):
                server.should_exit = True
                await task
        await store.close()
    return results
