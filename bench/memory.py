"""Worker resident memory with N leads waiting on SLA timers.

The worker runs as its own process (`python worker.py`), as in production, so its
resident set is measured alone; leads get a one-business-day SLA and no caps, so
every one of them sits on a timer.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import yaml
from temporalio.testing import WorkflowEnvironment

from bench.leads import submissions
from domain.intake import parse_submission
from starter.devserver import server_flags
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import data_converter
from starter.runtime.settings import DEFAULT_RULES
from workflows.client import start_lead

ROOT = Path(__file__).resolve().parents[1]
WAVE = 500


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def waiting_rules() -> str:
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    data["default_hours"] = {
        "timezone": "UTC",
        "start": "00:00",
        "end": "24:00",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    }
    for team in data["teams"]:
        for member in team["members"]:
            member.pop("hours", None)
            member["max_open_leads"] = 10**6
    for rule in data["rules"]:
        if "suppress" not in rule:  # a suppressed lead waits on nothing
            rule["sla"] = "1bd"
    return yaml.safe_dump(data, sort_keys=False)


async def run(count: int) -> dict[str, Any]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--log-level", "error", *server_flags()],
        data_converter=data_converter(),
    )
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.yaml"
        rules.write_text(waiting_rules())
        queue = f"memory-{uuid.uuid4().hex[:6]}"
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py")],
            env={
                **os.environ,
                "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
                "LEAD_ROUTER_TASK_QUEUE": queue,
                "LEAD_ROUTER_RULES": str(rules),
                "LEAD_ROUTER_DATABASE_URL": str(Path(tmp) / "app.db"),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            async with env:
                await asyncio.sleep(2)
                idle = rss_mb(worker.pid)
                tag = uuid.uuid4().hex[:6]
                started = time.perf_counter()
                gate = asyncio.Semaphore(32)

                async def one(raw: dict[str, Any]) -> None:
                    local, domain = str(raw["email"]).split("@")
                    raw = {
                        **raw,
                        "email": f"{local}+{tag}@{domain}",
                        "lead_type": "demo_request",
                        "honeypot": None,
                    }
                    async with gate:
                        await start_lead(env.client, parse_submission(raw, source="bench"), queue)

                # leads arrive in waves, as forms do, not all in the same second: each
                # wave is routed and waiting before the next arrives
                leads = list(submissions(count, seed=5))
                waiting = 0
                for first in range(0, count, WAVE):
                    await asyncio.gather(*(one(raw) for raw in leads[first : first + WAVE]))
                    waiting = await _wait_all_waiting(
                        env, worker, min(count, first + WAVE), started
                    )
                peak = rss_mb(worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    return {
        "memory_leads": count,
        "memory_leads_waiting": waiting,
        "worker_rss_idle_mb": round(idle, 1),
        "worker_rss_mb": round(peak, 1),
        "memory_setup_seconds": round(time.perf_counter() - started, 1),
    }


async def _wait_all_waiting(
    env: WorkflowEnvironment, worker: subprocess.Popen[bytes], count: int, started: float
) -> int:
    """Poll visibility until `count` leads wait on their SLA timers (or 30 minutes pass)."""
    query = 'WorkflowType="LeadRoutingWorkflow" AND ExecutionStatus="Running"'
    waiting = 0
    while time.perf_counter() - started < 1800:
        if worker.poll() is not None:
            raise RuntimeError(
                f"the worker exited ({worker.returncode}) before {count} leads waited"
            )
        try:
            waiting = (
                await env.client.count_workflows(query + ' AND LeadStatus="waiting_first_action"')
            ).count
        except Exception:
            waiting = 0
        if waiting >= count:
            break
        await asyncio.sleep(1)
    return waiting
