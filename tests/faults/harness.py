"""A small production-like cluster for fault tests: the real `temporal` dev server on a
SQLite file, worker processes (`python worker.py`), the app database on a SQLite file,
and rules with SLAs of seconds so escalations happen in real time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from activities.database import Database
from domain.intake import parse_submission
from domain.lifecycle import FirstAction, LeadState
from domain.models import Lead
from starter.devserver import DevServer, free_port
from starter.replay.history import event_name, fetch_history, write_history
from starter.runtime.settings import DEFAULT_RULES
from workflows.client import lead_status, start_lead
from workflows.lead_routing import LeadRoutingWorkflow

ROOT = Path(__file__).resolve().parents[2]
TERMINAL = ("actioned", "unowned_review", "suppressed")  # suppressed: no owner by design


def fast_rules(sla: str = "3s") -> str:
    """The shipped policy, always open, every SLA a few seconds."""
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    data["default_hours"] = {"timezone": "UTC", "start": "00:00", "end": "24:00",
                             "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}  # fmt: skip
    for team in data["teams"]:
        for member in team["members"]:
            member.pop("hours", None)
    for rule in data["rules"]:
        if rule.get("sla") is not None:  # a suppress rule has none
            rule["sla"] = sla
    data["escalation"]["review_sla"] = sla
    return yaml.safe_dump(data, sort_keys=False)


@dataclass
class Cluster:
    root: Path
    server: DevServer = field(init=False)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    task_queue: str = field(default_factory=lambda: f"faults-{uuid.uuid4().hex[:6]}")

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.server = DevServer(self.root / "temporal", free_port(), free_port())
        self.rules = self.root / "rules.yaml"
        self.rules.write_text(fast_rules())
        self.database = self.root / "app.db"

    async def start_server(self) -> Client:
        """Start (or restart, on the same file and ports) the server. On the first start,
        a port another process took between free_port() and the bind is picked again
        (the dev server also binds ports of its own choosing); any other failure fails."""
        first = self.server.process is None
        for _ in range(3):
            try:
                self.server.start()
                return await self.server.connect()
            except RuntimeError as failed:
                taken = "is in use" in str(failed) or self.server.bind_failed()
                if not (first and taken):
                    raise
                self.server.port, self.server.ui_port = free_port(), free_port()
        raise AssertionError("the dev server found no free ports in 3 tries")

    def stop_server(self) -> None:
        self.server.stop()

    def start_worker(self, **extra: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "TEMPORAL_ADDRESS": self.server.address,
            "LEAD_ROUTER_TASK_QUEUE": self.task_queue,
            "LEAD_ROUTER_DATABASE_URL": str(self.database),
            "LEAD_ROUTER_RULES": str(self.rules),
            **extra,
        }
        log = (self.root / f"worker-{len(self.workers)}.log").open("ab")
        process = subprocess.Popen([sys.executable, str(ROOT / "worker.py")], env=env, cwd=ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        self.workers.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen[bytes]) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stop_server()


async def submit(client: Client, task_queue: str, count: int, tag: str) -> list[str]:
    from bench.leads import submissions

    ids = []
    for raw in submissions(count, seed=99):
        local, domain = str(raw["email"]).split("@")
        raw = {**raw, "email": f"{local}+{tag}@{domain}", "honeypot": None}
        lead = parse_submission(raw, source="faults")
        await start_lead(client, lead, task_queue, submission_id=f"faults-{lead.lead_id}")
        ids.append(lead.lead_id)
    return ids


async def evidence(client: Client, lead_id: str, failure: Exception, keep: Path | None) -> str:
    """What a failed query leaves to read: the lead's history (kept under `keep`) and its
    events in one line, so that a CI log alone shows where a replay went wrong."""
    history = await fetch_history(client, lead_id)
    if keep is not None:
        write_history(history, keep / f"{lead_id}.json")
    events = " ".join(f"{e.event_id}:{event_name(e.event_type)}" for e in history.events)
    return f"query on {lead_id} failed: {failure}; history kept in {keep}; events: {events}"


async def drive_to_the_end(
    client: Client,
    lead_ids: list[str],
    timeout: float = 300.0,
    act_every: int = 3,
    keep: Path | None = None,
) -> dict[str, LeadState]:
    """Every third lead's owner acts once it has one, trials get activated, and the rest
    escalate to review. Returns the last state seen of each lead; raises if one never
    gets there, or if a query fails (with the lead's history, kept under `keep`)."""
    deadline = time.monotonic() + timeout
    last: dict[str, LeadState] = {}
    acts = {lead_id for n, lead_id in enumerate(lead_ids) if n % act_every == 0}
    gate = asyncio.Semaphore(16)

    async def step(lead_id: str) -> bool:
        async with gate:
            try:
                state = await lead_status(client, lead_id)
            except RPCError:
                return False  # the server may be restarting: look again next round
            except WorkflowQueryFailedError as failed:
                raise AssertionError(await evidence(client, lead_id, failed, keep)) from failed
            last[lead_id] = state
            if state.status.value in TERMINAL:
                return True
            handle = client.get_workflow_handle(lead_id)
            # refused, or no answer in time (a dead worker's task waits out its timeout):
            # the next round reads the lead again and acts again if it must
            quiet = (WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, RPCError)
            with contextlib.suppress(*quiet):
                if state.status.value == "onboarding":
                    await handle.signal(LeadRoutingWorkflow.trial_activated)
                elif lead_id in acts and state.owner:
                    await handle.execute_update(
                        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
                    )
            return False

    pending = list(lead_ids)
    while pending:
        if time.monotonic() > deadline:
            stuck = Counter(last[i].status.value if i in last else "never seen" for i in pending)
            raise AssertionError(f"{len(pending)} leads never finished their path: {dict(stuck)}")
        done = await asyncio.gather(*(step(lead_id) for lead_id in pending))
        pending = [lead_id for lead_id, finished in zip(pending, done, strict=True) if not finished]
        if pending:
            await asyncio.sleep(1.0)
    return last


async def audit(database: Path, states: dict[str, LeadState]) -> dict[str, Any]:
    """Counts for the closing note, from the workflows and the app database."""
    store = await Database(database).init()
    try:
        held: Counter[str] = Counter()
        double = 0
        mismatched = 0
        for lead_id, state in states.items():
            rows = await store.roster.assignments_for(lead_id)
            steps = Counter(r.step for r in rows)
            double += sum(1 for c in steps.values() if c > 1)
            recorded = {d.step: d.owner for d in state.decisions}
            ledger = {r.step: r.owner_id for r in rows}
            if any(recorded.get(step) != owner for step, owner in ledger.items()):
                mismatched += 1
            for row in rows:
                if not row.released and row.owner_id:
                    held[row.owner_id] += 1
        roster = await store.roster.load_state()
        loads = Counter({o: s.open_leads for o, s in roster.owners.items() if s.open_leads})
    finally:
        await store.close()
    statuses = Counter(s.status.value for s in states.values())
    return {
        "leads": len(states),
        "completed": sum(statuses[s] for s in TERMINAL),
        "actioned": statuses["actioned"],
        "unowned_review": statuses["unowned_review"],
        "suppressed": statuses["suppressed"],
        "lost": len([s for s in states.values() if s.status.value not in TERMINAL]),
        "double_assigned": double,
        "ledger_mismatch": mismatched,
        "open_lead_counts_match": loads == held,
    }


async def assert_replays(client: Client, lead_ids: list[str], database: Path, keep: Path) -> None:
    """Every history written under the fault replays on today's code: a worker that
    picks a lead up later (or a query on it) must not meet a nondeterminism error."""
    from starter.replay.replayer import replay_files

    keep.mkdir(parents=True, exist_ok=True)
    paths = []
    for lead_id in lead_ids:
        paths.append(keep / f"{lead_id}.json")
        write_history(await fetch_history(client, lead_id), paths[-1])
    store = await Database(database).init()
    try:
        outcomes = await replay_files(paths, database=store, processes=1)
    finally:
        await store.close()
    failed = [outcome.line() for outcome in outcomes if outcome.error]
    assert not failed, f"{len(failed)} of {len(paths)} histories do not replay:\n" + "\n".join(
        failed[:5]
    )


def report(name: str, counts: dict[str, Any]) -> None:
    print(f"\n[{name}] " + json.dumps(counts))


def crm_leads(count: int) -> list[Lead]:
    """Leads for the CRM kill tests: one email each, all routed to the mid-market team."""
    tag = uuid.uuid4().hex[:6]
    return [
        parse_submission({"email": f"buyer{n}+{tag}@northwind.io", "country": "US",
                          "state": "NY", "lead_type": "demo_request"}, source="faults")
        for n in range(count)
    ]  # fmt: skip


async def until_crm_written(client: Client, leads: list[Lead]) -> dict[str, LeadState]:
    """Each lead's state (by email) once every one's CRM write is written (240 s at most)."""
    states: dict[str, LeadState] = {}
    deadline = asyncio.get_running_loop().time() + 240
    while True:
        for lead in leads:
            states[lead.email] = await lead_status(client, lead.lead_id)
        if all(s.crm_sync and s.crm_sync.status == "written" for s in states.values()):
            return states
        assert asyncio.get_running_loop().time() < deadline, {
            e: s.crm_sync for e, s in states.items()
        }
        await asyncio.sleep(1)
