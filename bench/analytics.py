"""`analytics_report_s`: `lead-router report` and `report --by team` over a table of
generated leads (a year of a busy inbound team at 1,000,000), on SQLite."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from activities.database import Database
from activities.database.analytics import Analytics
from activities.database.tables import LeadFactRow, StepFactRow
from activities.rules_file import load_rules_file
from starter.analytics import routing_report
from starter.runtime.settings import DEFAULT_RULES

START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 20_000
EVERY = 31.5  # seconds between leads: a million over a year


def fact_rows(
    first: int,
    count: int,
    rnd: random.Random,
    teams: list[tuple[str, list[str]]],
    start: datetime = START,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    leads, steps = [], []
    for i in range(first, first + count):
        at = start + timedelta(seconds=i * EVERY)
        team, members = teams[rnd.randrange(len(teams))]
        owner = rnd.choice(members)
        level = rnd.choice((0, 0, 0, 0, 0, 0, 1, 2, 3, 4))
        acted = level < 4 and rnd.random() < 0.8
        human = rnd.randrange(10_000, 7_200_000) if acted else None
        assigned = at + timedelta(milliseconds=rnd.randrange(20, 400))
        leads.append(dict(
            lead_id=f"lead-{i:024x}", revision=3, submitted_at=at, day=at.date().isoformat(),
            lead_type=rnd.choice(("demo_request", "contact_sales", "trial_signup", "pricing")),
            source=rnd.choice(("hubspot", "typeform", "api")), utm_campaign=None,
            tier=rnd.choice(("enterprise", "mid_market", "self_serve")), rule=f"rule-{rnd.randrange(12)}",
            rules_version="2026.11.1", account_matched=rnd.random() < 0.85, size_known=True,
            industry_known=rnd.random() < 0.9, country_known=True,
            status="actioned" if acted else "unowned_review" if level == 4 else "waiting_first_action",
            team=team, owner=owner, method="round_robin", assigned_at=assigned,
            sla_due_at=assigned + timedelta(minutes=15), escalation_level=level, escalations=int(level > 0),
            manual_reassigns=int(rnd.random() < 0.02), away_reassigns=0,
            first_action_at=assigned + timedelta(milliseconds=human) if human else None,
            first_action_kind="first_touch" if acted else None, action_owner=owner if acted else None,
            time_to_assign_ms=(assigned - at) // timedelta(milliseconds=1), time_to_first_action_ms=human,
            business_time_to_first_action_ms=human, speed_to_lead_ms=human,
            sla_met=(human or 0) <= 900_000 if acted and level == 0 else (False if level else None),
        ))  # fmt: skip
        steps.append(dict(lead_id=f"lead-{i:024x}", step=0, kind="initial", at=assigned,
                          owner=owner, team=team, method="round_robin", escalation_level=0,
                          sla_due_at=None))  # fmt: skip
    return leads, steps


async def fill(database: Database, count: int, start: datetime = START) -> None:
    rules = load_rules_file(DEFAULT_RULES)
    teams = [(t.id, [m.id for m in t.members]) for t in rules.teams]
    rnd = random.Random(16)
    for first in range(0, count, BATCH):
        leads, steps = fact_rows(first, min(BATCH, count - first), rnd, teams, start)

        def work(conn: Any, leads: Any = leads, steps: Any = steps) -> None:
            conn.execute(LeadFactRow.__table__.insert(), leads)  # type: ignore[attr-defined]
            conn.execute(StepFactRow.__table__.insert(), steps)  # type: ignore[attr-defined]

        await database.transactions.write(work)


async def measure(count: int) -> dict[str, Any]:
    rules = load_rules_file(DEFAULT_RULES)
    with tempfile.TemporaryDirectory() as tmp:
        database = await Database(Path(tmp) / "analytics.db").init()
        try:
            started = time.perf_counter()
            await fill(database, count)
            filled = time.perf_counter() - started
            timings: dict[str, float] = {}
            for label, by in (("report", None), ("report_by_team", "team")):
                best = float("inf")
                for _ in range(3):
                    # as `lead-router report` runs: a new process, nothing in the report cache
                    database.analytics = Analytics(database.transactions)
                    started = time.perf_counter()
                    result = await routing_report(database, rules, None, None, by)
                    best = min(best, time.perf_counter() - started)
                assert result.leads == count
                timings[f"analytics_{label}_s"] = round(best, 3)
        finally:
            await database.close()
    return {"analytics_leads": count, "analytics_fill_s": round(filled, 1), **timings}


def run(count: int) -> dict[str, Any]:
    return asyncio.run(measure(count))


if __name__ == "__main__":
    import sys

    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
