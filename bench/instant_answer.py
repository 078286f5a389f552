"""The form's instant answer: signed webhooks POSTed with `?wait=assignment` at a fixed
rate, each timed from its POST to the answer naming its owner and next step. The worker
and the API run as separate processes on one embedded dev server, as deployed (the
same services as bench/e2e.py). Target: p99 under 250 ms at 20 leads/s."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from activities.database import Database
from bench.e2e import CONNECTIONS, SECRET, _services
from bench.leads import submissions
from bench.speed import percentile
from domain.providers.forms import sign_generic
from starter.devserver import server_flags
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import data_converter


async def run(seconds: float = 10.0, rate: float = 20.0) -> dict[str, Any]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(), ui=False,
        dev_server_extra_args=["--log-level", "error", *server_flags()],
        data_converter=data_converter(),
    )  # fmt: skip
    queue = f"answer-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.db"
        await (await Database(database).init()).close()
        address = env.client.service_client.config.target_host
        async with env, _services(address, database, queue) as services:
            base = f"http://127.0.0.1:{services['port']}"
            limits = httpx.Limits(max_connections=CONNECTIONS)
            async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
                await _phase(http, 2.0, rate, seed=7)  # warm up: first connections, caches
                return await _phase(http, seconds, rate, seed=8)


async def _phase(http: httpx.AsyncClient, seconds: float, rate: float, seed: int) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    answered: list[float] = []  # ms, 200 with the assignment
    fallen_back: list[float] = []  # ms, the usual 202 past the wait
    errors = 0

    async def one(raw: dict[str, Any]) -> None:
        nonlocal errors
        body = json.dumps(raw).encode()
        headers = {"content-type": "application/json",
                   "x-lead-router-signature": sign_generic(SECRET, body)}  # fmt: skip
        t0 = time.perf_counter()
        try:
            answer = await http.post(
                "/webhooks/forms?wait=assignment", content=body, headers=headers
            )
        except httpx.HTTPError:
            errors += 1
            return
        took = 1000 * (time.perf_counter() - t0)
        if answer.status_code == 200 and "assignment" in answer.json():
            answered.append(took)
        elif answer.status_code == 202:
            fallen_back.append(took)
        else:
            errors += 1

    tasks = []
    start = time.perf_counter()
    for n, raw in enumerate(submissions(max(1, int(seconds * rate)), seed=seed)):
        local, domain = str(raw["email"]).split("@")
        raw = {**raw, "email": f"{local}+{tag}@{domain}", "honeypot": None}
        await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(raw)))
    await asyncio.gather(*tasks)
    every = answered + fallen_back
    return {
        "rate_per_s": rate,
        "leads": len(tasks),
        "answered_with_assignment": len(answered),
        "fell_back_to_202": len(fallen_back),
        "errors": errors,
        "p50_ms": round(percentile(every, 0.5), 1),
        "p99_ms": round(percentile(every, 0.99), 1),
        "max_ms": round(max(every, default=0.0), 1),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run()), indent=2))
