"""`console_pages`: each console page's time with 10,000 open leads in the embedded
Temporal server and 1,000,000 rows of analytics facts (target: p95 <= 300 ms a page).

The open leads are `LeadRoutingWorkflow` executions started with the search attributes a
routed lead carries (status, tier, team, owner, SLA due, escalation level) on a task
queue no worker polls, so they stay open and the queue pages read 10,000 of them from
visibility, as they would in production; a few more leads are routed for real by a
worker, for the lead page's query. The app is the production `create_app`, called
in-process through httpx's ASGI transport with the bearer token.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from activities.database import Database
from activities.database.analytics import write_facts
from activities.lead_activities import LeadActivities
from activities.rules_file import load_rules_file
from bench.analytics import EVERY, fact_rows, fill
from bench.leads import submissions
from domain.analytics.facts import LeadFacts
from domain.intake import parse_submission
from starter.api.app import create_app
from starter.api.config import ApiConfig
from starter.devserver import server_flags
from starter.runtime.binaries import temporal_cli
from starter.runtime.codec import data_converter
from starter.runtime.settings import DEFAULT_RULES, SAMPLE_COMPANIES
from worker import build_worker
from workflows import search_attributes as sa
from workflows.client import lead_status, start_lead
from workflows.lead_routing import LeadRoutingWorkflow

TOKEN = "console-bench-token"
SIZES = {False: (10_000, 1_000_000, 40), True: (500, 20_000, 20)}  # leads, facts, rounds
ROUTED = 20  # leads routed for real, for the lead page
# the facts span the year up to now (bench/analytics.py's spacing), as a live team's do:
# the analytics pages ask for the last 7 and 30 days, spans back from now
PAGES = {
    "queue": "/console",
    "queue_due_soon": "/console?view=due-soon",
    "queue_team": "/console?team=mm-us-east",
    "queue_live_refresh": "/console?rows_only=true",
    "lead": "/console/leads/{lead}",
    "team": "/console/team",
    "analytics_week": "/console/analytics?since=7d",
    "analytics_month_by_team": "/console/analytics?since=30d&by=team",
    "rules": "/console/rules",
    "dead_letters": "/console/dead-letters",
}
CHART = "/console/analytics/charts/speed-to-lead.svg?since=7d"
# the same pages with a new lead's facts written into their range before each request, as
# a live team's leads keep arriving: the report cache must count the range again
AFTER_A_WRITE = {
    "analytics_week_after_a_write": PAGES["analytics_week"],
    "analytics_month_by_team_after_a_write": PAGES["analytics_month_by_team"],
}


async def park(client: Client, queue: str, count: int) -> None:
    """`count` open leads on `queue`, as routed leads look in visibility."""
    rules = load_rules_file(DEFAULT_RULES)
    teams = [(t.id, [m.id for m in t.members]) for t in rules.teams]
    rnd = random.Random(17)
    now = datetime.now(UTC)
    gate = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        team, members = teams[rnd.randrange(len(teams))]
        unowned = rnd.random() < 0.05
        attributes = TypedSearchAttributes([
            SearchAttributePair(sa.LEAD_STATUS, "unowned_review" if unowned else "waiting_first_action"),
            SearchAttributePair(sa.LEAD_TYPE, rnd.choice(("demo_request", "pricing", "contact_sales"))),
            SearchAttributePair(sa.LEAD_SOURCE, rnd.choice(("hubspot", "typeform", "forms"))),
            SearchAttributePair(sa.LEAD_TIER, rnd.choice(("enterprise", "mid_market", "self_serve"))),
            SearchAttributePair(sa.LEAD_TEAM, team),
            SearchAttributePair(sa.LEAD_OWNER, rnd.choice(members)),
            SearchAttributePair(sa.SLA_DUE_AT, now + timedelta(minutes=rnd.randrange(-120, 600))),
            SearchAttributePair(sa.ESCALATION_LEVEL, rnd.choice((0, 0, 0, 1, 2))),
        ])  # fmt: skip
        async with gate:
            await client.start_workflow(
                LeadRoutingWorkflow.__name__, id=f"lead-parked-{i:018x}", task_queue=queue,
                search_attributes=attributes,
            )  # fmt: skip

    await asyncio.gather(*(one(i) for i in range(count)))


async def route_some(client: Client, queue: str, count: int) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    ids = []
    for raw in submissions(count, seed=9):
        local, domain = str(raw["email"]).split("@")
        lead = parse_submission({**raw, "email": f"{local}+{tag}@{domain}", "honeypot": None})
        ids.append((await start_lead(client, lead, queue)).id)
    deadline = time.monotonic() + 120
    for lead_id in ids:
        while (await lead_status(client, lead_id)).status.value == "routing":
            if time.monotonic() > deadline:
                raise RuntimeError(f"{lead_id} was not routed within 120 s")
            await asyncio.sleep(0.05)
    return ids


async def timings(
    http: httpx.AsyncClient,
    path: str,
    rounds: int,
    before: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, float]:
    for _ in range(3):  # warm: the first answers build caches (templates, rules)
        assert (await http.get(path)).status_code == 200, path
    spent = []
    for _ in range(rounds):
        if before is not None:
            await before()
        started = time.perf_counter()
        answer = await http.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    spent.sort()
    p95 = spent[min(len(spent) - 1, round(0.95 * len(spent)) - 1)]
    return {"p50_ms": round(statistics.median(spent), 1), "p95_ms": round(p95, 1)}


async def measure(leads: int, facts: int, rounds: int) -> dict[str, Any]:
    started = time.perf_counter()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        dev_server_extra_args=["--log-level", "error", *server_flags()],
        data_converter=data_converter(),
    )
    async with env:
        with tempfile.TemporaryDirectory() as tmp:
            database = await Database(Path(tmp) / "app.db").init()
            try:
                await fill(database, facts, datetime.now(UTC) - timedelta(seconds=facts * EVERY))
                parked, live = f"parked-{uuid.uuid4().hex[:6]}", f"live-{uuid.uuid4().hex[:6]}"
                await park(env.client, parked, leads - ROUTED)
                acts = LeadActivities(
                    database, rules_path=DEFAULT_RULES, companies_path=SAMPLE_COMPANIES
                )
                async with build_worker(env.client, acts, live):
                    routed = await route_some(env.client, live, ROUTED)
                    setup = time.perf_counter() - started
                    pages = await _pages(env.client, database, parked, routed[0], rounds)
            finally:
                await database.close()
    worst = max(p["p95_ms"] for name, p in pages.items() if name in PAGES)
    return {
        "console_leads": leads,
        "console_fact_rows": facts,
        "console_pages": pages,
        "console_worst_page_p95_ms": worst,
        "console_setup_s": round(setup, 1),
        "console_seconds": round(time.perf_counter() - started, 1),
    }


async def _pages(
    client: Client, database: Database, queue: str, lead: str, rounds: int
) -> dict[str, dict[str, float]]:
    async def source() -> Client:
        return client

    config = ApiConfig(task_queue=queue, id_key="bench", api_token=TOKEN, rules_path=DEFAULT_RULES)
    app = create_app(config, database, source)
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers, timeout=60
    ) as http:
        pages = {}
        for name, path in PAGES.items():
            pages[name] = await timings(http, path.format(lead=lead), rounds)
        pages["chart_svg"] = await timings(http, CHART, max(5, rounds // 4))
        for name, path in AFTER_A_WRITE.items():
            pages[name] = await timings(http, path, max(5, rounds // 4), new_lead(database))
    return pages


def new_lead(database: Database) -> Callable[[], Awaitable[None]]:
    """Write one more lead's facts, submitted now (in both ranges), as a handover does."""
    rnd = random.Random(5)
    one = fact_rows(0, 1, rnd, [("mm-us-east", ["gita.berg"])], datetime.now(UTC))
    template = LeadFacts.model_validate(one[0][0])

    async def write() -> None:
        now = datetime.now(UTC)
        lead = template.model_copy(
            update={"lead_id": f"lead-live-{uuid.uuid4().hex}", "day": now.date().isoformat(),
                    "submitted_at": now}
        )  # fmt: skip
        await database.transactions.write(lambda conn: write_facts(conn, lead))

    return write


def run(leads: int, facts: int, rounds: int) -> dict[str, Any]:
    return asyncio.run(measure(leads, facts, rounds))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(*SIZES["--quick" in sys.argv]), indent=2))
