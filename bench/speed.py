"""Speed to lead on the embedded dev server: submit -> owner assigned.

"Assigned" is the time the assign_owner activity completed, read from the
workflow's history (the server's clock, on this same machine).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from activities.lead_activities import LeadActivities
from activities.store import Store
from bench.leads import submissions
from domain.intake import parse_submission
from starter.binaries import temporal_cli
from starter.config import DEFAULT_RULES, SAMPLE_COMPANIES
from starter.leads import start_lead
from worker import build_worker
from workflows.search_attributes import dev_server_flags


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def assigned_at(client: Client, workflow_id: str) -> float | None:
    """Epoch seconds when the first assign_owner activity completed, or None yet."""
    scheduled: dict[int, str] = {}
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            attrs = event.activity_task_completed_event_attributes
            if scheduled.get(attrs.scheduled_event_id) == "assign_owner":
                return event.event_time.ToDatetime().timestamp()
    return None


async def run(count: int, rate: float) -> dict[str, Any]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--log-level", "error", *dev_server_flags()],
        data_converter=pydantic_data_converter,
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store(Path(tmp) / "bench.db").init()
        acts = LeadActivities(store, rules_path=DEFAULT_RULES, companies_path=SAMPLE_COMPANIES)
        queue = f"bench-{uuid.uuid4().hex[:6]}"
        tag = uuid.uuid4().hex[:6]
        async with env, build_worker(env.client, acts, queue):
            sent: dict[str, float] = {}
            started = time.perf_counter()
            for i, raw in enumerate(submissions(count, seed=11)):
                local, domain = str(raw["email"]).split("@")
                lead = parse_submission({**raw, "email": f"{local}+{tag}@{domain}"}, source="bench")
                target = started + i / rate
                await asyncio.sleep(max(0.0, target - time.perf_counter()))
                sent[lead.lead_id] = time.time()
                await start_lead(env.client, lead, queue)
            latencies: list[float] = []
            deadline = time.time() + 60
            pending = dict(sent)
            while pending and time.time() < deadline:
                for lead_id, t0 in list(pending.items()):
                    at = await assigned_at(env.client, lead_id)
                    if at is not None:
                        latencies.append((at - t0) * 1000)
                        del pending[lead_id]
                if pending:
                    await asyncio.sleep(0.2)
        await store.close()
    return {
        "leads": count,
        "offered_per_s": rate,
        "assigned": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
    }


if __name__ == "__main__":
    import json
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    r = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    print(json.dumps(asyncio.run(run(n, r)), indent=2))
