"""Speed to lead on the embedded dev server: submit -> owner assigned.

"Assigned" is the time the assign_owner activity completed, read from the
workflow's history (the server's clock, on this same machine).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.database import Database
from activities.lead_activities import LeadActivities
from bench.leads import submissions
from domain.intake import parse_submission
from domain.providers.forms import sign_generic
from starter.api.app import create_app
from starter.api.config import ApiConfig
from starter.devserver import free_port, server_flags
from starter.replay.history import local_activity_type
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import LEAD_DATA_CONVERTER
from starter.runtime.settings import DEFAULT_RULES, SAMPLE_COMPANIES, Settings
from worker import build_worker
from workflows.client import start_lead

EXTRA: list[str] = []


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def assigned_at(client: Client, workflow_id: str) -> float | None:
    scheduled: dict[int, str] = {}
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            scheduled[event.event_id] = attrs.activity_type.name
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = event.activity_task_completed_event_attributes
            if scheduled.get(done.scheduled_event_id) == "assign_owner":
                return event.event_time.ToDatetime().timestamp()
    return await _assigned_by_marker(client, workflow_id)


async def _assigned_by_marker(client: Client, workflow_id: str) -> float | None:
    """Epoch seconds when the first assignment was recorded in the history (the
    assign_owner local activity's marker), or None if not yet."""
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        marker = event.marker_recorded_event_attributes
        if (
            event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and local_activity_type(marker) == "assign_owner"
        ):
            return event.event_time.ToDatetime().timestamp()
    return None


async def run(count: int, rate: float, via: str = "client") -> dict[str, Any]:
    """Offer `count` leads at `rate` per second, by `via` "client" (start_workflow) or
    "webhook" (signed POSTs to the HTTP service on loopback), and time each to its owner."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--log-level", "error", *server_flags(), *EXTRA],
        data_converter=LEAD_DATA_CONVERTER,
    )
    with tempfile.TemporaryDirectory() as tmp:
        database = await Database(Path(tmp) / "bench.db").init()
        acts = LeadActivities(database, rules_path=DEFAULT_RULES, companies_path=SAMPLE_COMPANIES)
        queue = f"bench-{uuid.uuid4().hex[:6]}"
        tag = uuid.uuid4().hex[:6]
        async with env, build_worker(env.client, acts, queue):
            submit, close = await _submitter(via, env.client, database, queue)
            sent: dict[str, float] = {}
            started = time.perf_counter()
            tasks: list[asyncio.Future[None]] = []
            for i, raw in enumerate(submissions(count, seed=11)):
                local, domain = str(raw["email"]).split("@")
                raw = {**raw, "email": f"{local}+{tag}@{domain}"}
                target = started + i / rate
                await asyncio.sleep(max(0.0, target - time.perf_counter()))
                tasks.append(asyncio.ensure_future(submit(raw, sent)))
            await asyncio.gather(*tasks)
            offered_s = time.perf_counter() - started
            latencies = await _collect(env.client, sent)
            await close()
        await database.close()
    return {
        "via": via,
        "leads": count,
        "offered_per_s": rate,
        "offered_seconds": round(offered_s, 1),
        "assigned": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
    }


Submit = Callable[[dict[str, Any], dict[str, float]], Awaitable[None]]


async def _submitter(
    via: str, client: Client, database: Database, queue: str
) -> tuple[Submit, Callable[[], Awaitable[None]]]:
    if via == "client":

        async def by_client(raw: dict[str, Any], sent: dict[str, float]) -> None:
            lead = parse_submission(raw, source="bench")
            sent[lead.lead_id] = time.time()
            await start_lead(client, lead, queue)

        async def nothing() -> None:
            return None

        return by_client, nothing
    secret = "bench-secret"
    config = ApiConfig(
        rate_limit_per_minute=0,
        task_queue=queue,
        id_key=Settings().routing.id_key,
        webhook_secret=secret,
        hubspot_secret=secret,
        typeform_secret=secret,
    )

    async def shared() -> Client:
        return client

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, database, shared), host="127.0.0.1", port=port, log_level="error"
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    http = httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=30, limits=httpx.Limits(max_connections=32)
    )

    async def by_webhook(raw: dict[str, Any], sent: dict[str, float]) -> None:
        body = json.dumps(raw).encode()
        headers = {
            "content-type": "application/json",
            "x-lead-router-signature": sign_generic(secret, body),
        }
        t0 = time.time()
        response = await http.post("/webhooks/forms", content=body, headers=headers)
        response.raise_for_status()
        sent[response.json()["lead_id"]] = t0

    async def close() -> None:
        await http.aclose()
        server.should_exit = True
        await serving

    return by_webhook, close


async def _collect(client: Client, sent: dict[str, float]) -> list[float]:
    latencies: list[float] = []
    deadline = time.time() + 120
    pending = dict(sent)
    while pending and time.time() < deadline:
        for lead_id, t0 in list(pending.items()):
            at = await assigned_at(client, lead_id)
            if at is not None:
                latencies.append((at - t0) * 1000)
                del pending[lead_id]
        if pending:
            await asyncio.sleep(0.2)
    return latencies


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    r = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    v = sys.argv[3] if len(sys.argv) > 3 else "client"
    print(json.dumps(asyncio.run(run(n, r, v)), indent=2))
