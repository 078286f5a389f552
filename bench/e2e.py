"""Speed to lead, end to end, against the floor, on one embedded dev server.

Each phase offers leads at a fixed rate for a fixed time by HTTP POST, and times each
from its POST to the assignment recorded in its workflow history. The worker and the
API run as separate processes, as deployed (bench/services.py); this process only
generates load and reads results. Lead phases go through the real webhook (signature,
validation, delivery record, workflow start); floor phases through an endpoint on the
same API that starts FloorWorkflow the same way.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.database import Database
from bench.leads import submissions
from bench.speed import percentile
from domain.identity import lead_id_for
from domain.intake import normalize_email
from domain.providers.forms import sign_generic
from starter.devserver import free_port, server_flags
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import data_converter
from starter.runtime.settings import DEFAULT_RULES, SAMPLE_COMPANIES

SECRET = "bench-secret"
CONNECTIONS = 32
SERVER_FLAGS: list[str] = os.environ.get("BENCH_SERVER_FLAGS", "").split()
ID_KEY = "bench-id-key"


async def _assigned_at(client: Client, workflow_id: str, activity: str) -> dict[str, float] | None:
    """When each step up to the assignment happened (server clock, epoch seconds): the
    workflow started, its first workflow task completed (rules and enrichment, as local
    activities, inside it), the assignment activity started and completed."""
    scheduled: dict[int, str] = {}
    times: dict[str, float] = {}
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        at = event.event_time.ToDatetime().timestamp()
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            times["started"] = at
        elif kind == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
            times.setdefault("first_task_started", at)
        elif kind == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            times.setdefault("first_task_done", at)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            scheduled[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started = event.activity_task_started_event_attributes
            if scheduled.get(started.scheduled_event_id) == activity:
                times["assign_started"] = at
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = event.activity_task_completed_event_attributes
            if scheduled.get(done.scheduled_event_id) == activity:
                return {**times, "assigned": at}
        elif kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            return times  # ended with no assignment: a suppressed lead (no owner to time)
    return None


# the steps from the POST to the assignment, as p50 milliseconds in each phase's result
STEPS = (
    ("post_to_start", "posted", "started"),
    ("first_task_pickup", "started", "first_task_started"),
    ("first_task_run", "first_task_started", "first_task_done"),
    ("assign_pickup", "first_task_done", "assign_started"),
    ("assign_run", "assign_started", "assigned"),
)


Post = Callable[[httpx.AsyncClient, dict[str, Any]], Awaitable[str]]


@dataclass
class Sample:
    """One block of one phase: what was offered, and each lead's times."""

    rate: float
    leads: int = 0
    errors: int = 0
    span: float = 0.0  # first POST to last assignment, seconds
    latencies: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(
        default_factory=lambda: {name: [] for name, _, _ in STEPS}
    )
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process


async def _phase(
    client: Client,
    http: httpx.AsyncClient,
    post: Post,
    activity: str,
    rate: float,
    seconds: float,
    seed: int,
    pids: dict[str, int],
    on_offer: Callable[[bool], None] | None = None,
) -> Sample:
    tag = uuid.uuid4().hex[:8]
    sent: dict[str, float] = {}
    errors = 0
    # at most CONNECTIONS requests in flight: httpx's pool spends CPU on every queued
    # request, which a saturated phase would take from the services it measures
    slots = asyncio.Semaphore(CONNECTIONS)

    async def one(raw: dict[str, Any]) -> None:
        nonlocal errors
        t0 = time.time()  # the form was submitted now, whenever a connection frees up
        try:
            async with slots:
                sent[await post(http, raw)] = t0
        except httpx.HTTPError:
            errors += 1

    sample = Sample(rate, leads=max(1, int(rate * seconds)))
    tasks = []
    cpu0 = _cpu_seconds(pids)
    if on_offer:
        on_offer(True)
    started = time.perf_counter()
    for i, raw in enumerate(submissions(sample.leads, seed=seed)):
        local, domain = str(raw["email"]).split("@")
        raw = {**raw, "email": f"{local}+{tag}@{domain}", "honeypot": None}
        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(raw)))
    await asyncio.gather(*tasks)
    if on_offer:
        on_offer(False)
    # wait on one cheap visibility count, not by fetching every pending history (which
    # loads the server more the further behind a phase falls)
    deadline = time.time() + 120
    while time.time() < deadline and (await client.count_workflows(ROUTING)).count > 0:
        await asyncio.sleep(0.1)
    sample.cpu = {k: v - cpu0[k] for k, v in _cpu_seconds(pids).items()}
    last = 0.0
    pending = dict(sent)
    while pending and time.time() < deadline:
        for workflow_id, t0 in list(pending.items()):
            times = await _assigned_at(client, workflow_id, activity)
            if times is not None and "assigned" not in times:
                del pending[workflow_id]  # suppressed by the rules: nobody to time
                continue
            if times is not None:
                times["posted"] = t0
                sample.latencies.append((times["assigned"] - t0) * 1000)
                for name, begin, end in STEPS:
                    if begin in times and end in times:
                        sample.steps[name].append((times[end] - times[begin]) * 1000)
                last = max(last, times["assigned"])
                del pending[workflow_id]
        if pending:
            await asyncio.sleep(0.25)
    sample.errors = errors + len(pending)
    sample.span = max(last - min(sent.values()), 1e-9) if sent else 1e-9
    return sample


def _summary(samples: list[Sample]) -> dict[str, Any]:
    """A phase's figures, over all its blocks' leads."""
    leads = sum(s.leads for s in samples)
    latencies = [x for s in samples for x in s.latencies]
    steps = {name: [x for s in samples for x in s.steps[name]] for name, _, _ in STEPS}
    cpu = {k: sum(s.cpu.get(k, 0.0) for s in samples) for k in samples[0].cpu}
    return {
        "offered_per_s": samples[0].rate,
        "leads": leads,
        "assigned": len(latencies),
        "errors": sum(s.errors for s in samples),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "achieved_per_s": round(len(latencies) / sum(s.span for s in samples), 1),
        "steps_p50_ms": {name: round(percentile(v, 0.50), 1) for name, v in steps.items()},
        # CPU per lead while offering and draining, by process
        "cpu_ms_per_lead": {k: round(1000 * v / leads, 1) for k, v in cpu.items()},
    }


ROUTING = 'LeadStatus = "routing"'


def _processes() -> Iterator[tuple[int, list[str], bytes]]:
    """Each process's pid, /proc stat fields (after the name) and command line."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        yield int(stat.parent.name), fields, cmdline


def _is_our_server(fields: list[str], cmdline: bytes) -> bool:
    return int(fields[1]) == os.getpid() and b"start-dev" in cmdline


def dev_server_pid() -> int | None:
    """The dev server this process started."""
    return next((pid for pid, f, cmd in _processes() if _is_our_server(f, cmd)), None)


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each benchmark process and by the dev server."""
    tick = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys([*pids, "server"], 0.0)
    names = {pid: name for name, pid in pids.items()}
    for pid, fields, cmdline in _processes():
        name = names.get(pid) or ("server" if _is_our_server(fields, cmdline) else None)
        if name:
            used[name] += (int(fields[11]) + int(fields[12])) / tick
    return used


@asynccontextmanager
async def _services(address: str, database: Path, queue: str) -> AsyncIterator[dict[str, Any]]:
    """The worker and the API, each its own process (as deployed), on this dev server."""
    port = free_port()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "LEAD_ROUTER_DATABASE_URL": str(database),
        "LEAD_ROUTER_TASK_QUEUE": queue,
        "LEAD_ROUTER_ID_KEY": ID_KEY,
        "LEAD_ROUTER_RULES": str(DEFAULT_RULES),
        "LEAD_ROUTER_COMPANIES": str(SAMPLE_COMPANIES),
        "LEAD_ROUTER_RATE_LIMIT_PER_MINUTE": "0",
        **{name: SECRET for name in SECRET_NAMES},
    }
    root = Path(__file__).resolve().parents[1]
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "bench.services", name, "--port", str(port)], cwd=root, env=env
        )
        for name in ("worker", "api")
    }
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(300):
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                if any(p.poll() is not None for p in procs.values()):
                    raise RuntimeError("a benchmark service exited at start")
                await asyncio.sleep(0.1)
        yield {"port": port, "pids": {name: p.pid for name, p in procs.items()}}
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


SECRET_NAMES = (
    "LEAD_ROUTER_WEBHOOK_SECRET",
    "LEAD_ROUTER_HUBSPOT_SECRET",
    "LEAD_ROUTER_TYPEFORM_SECRET",
)


async def run(
    seconds: float,
    rates: tuple[float, ...],
    max_rate: float,
    kinds: tuple[str, ...] = ("floor", "lead"),
    blocks: int = 1,
    on_offer: Callable[[bool], None] | None = None,
) -> dict[str, Any]:
    """Each offered rate is one phase per kind, run as `blocks` alternating blocks of
    `seconds / blocks` (floor, lead, lead, floor, ...), each drained before the next.
    `on_offer(True)` is called as each block starts offering leads, `on_offer(False)`
    when it has sent them all (before it waits for the last to be assigned)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--log-level", "error", *server_flags(), *SERVER_FLAGS],
        data_converter=data_converter(),
    )
    results: dict[str, Any] = {"lead": {}, "floor": {}}
    queue = f"e2e-{uuid.uuid4().hex[:6]}"
    address = env.client.service_client.config.target_host
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "bench.db"
        await (await Database(database).init()).close()
        async with env, _services(address, database, queue) as services:
            base = f"http://127.0.0.1:{services['port']}"
            pids = {**services["pids"], "load": os.getpid()}

            async def post_lead(http: httpx.AsyncClient, raw: dict[str, Any]) -> str:
                body = json.dumps(raw).encode()
                response = await http.post(
                    f"{base}/webhooks/forms",
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
                    f"{base}/floor/{lead_id}",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                response.raise_for_status()
                return lead_id

            routes: dict[str, tuple[Post, str]] = {
                "floor": (post_floor, "floor_assign"),
                "lead": (post_lead, "assign_owner"),
            }
            limits = httpx.Limits(
                max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS
            )
            async with httpx.AsyncClient(timeout=60, limits=limits) as http:
                for n, rate in enumerate((*rates, max_rate)):
                    samples: dict[str, list[Sample]] = {kind: [] for kind in kinds}
                    for block in range(blocks):
                        # alternate which kind goes first: a machine that drifts
                        # faster or slower during a phase moves both kinds alike
                        order = kinds if block % 2 == 0 else kinds[::-1]
                        for kind in order:
                            post, activity = routes[kind]
                            samples[kind].append(
                                await _phase(
                                    env.client, http, post, activity, rate,
                                    seconds / blocks, 100 + n * blocks + block, pids,
                                    on_offer,
                                )
                            )  # fmt: skip
                    for kind in kinds:
                        results[kind][str(int(rate))] = _summary(samples[kind])
    return results
