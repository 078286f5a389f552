"""`lead-router report`: the figures as JSON and CSV, the charts, and errors that say
what to type instead."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from typer.testing import CliRunner, Result

from activities.database import Database
from starter.cli.main import app
from tests.activities.test_analytics import actioned, fact


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def filled(tmp_path: Path) -> str:
    path = tmp_path / "app.db"

    async def fill() -> None:
        db = await Database(path).init()
        await db.analytics.record([actioned(0, 2), actioned(1, 30), fact(2, team="ent")])
        await db.close()

    asyncio.run(fill())
    return str(path)


def test_json_has_the_issues_keys_and_by_rows(tmp_path: Path) -> None:
    result = run("report", "--database", filled(tmp_path), "--json", "--by", "team",
                 "--since", "2026-11-01", "--until", "2026-11-03")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("since", "until", "leads", "assigned", "actioned", "unowned", "escalated",
                "reassigned", "time_to_assign_s", "time_to_first_action_s", "sla_met_rate",
                "demo_within_5m_rate", "reassignment_rate", "account_match_rate", "fairness", "by"):  # fmt: skip
        assert key in data, key
    assert data["leads"] == 3 and data["time_to_first_action_s"]["p50"] == 120.0
    assert [(row["group"], row["leads"]) for row in data["by"]] == [("ent", 1), ("mm", 2)]


def test_csv_and_charts(tmp_path: Path) -> None:
    result = run(
        "report", "--database", filled(tmp_path), "--csv", "--plot", str(tmp_path / "charts")
    )
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if line.startswith("group,"))
    assert "time_to_first_action_s.p95" in header
    written = sorted(p.name for p in (tmp_path / "charts").iterdir())
    assert "speed-to-lead.png" in written and "fairness.svg" in written and len(written) == 10
    assert all(p.stat().st_size > 1000 for p in (tmp_path / "charts").iterdir())


def test_bad_input_says_what_to_type(tmp_path: Path) -> None:
    database = filled(tmp_path)
    result = run("report", "--database", database, "--since", "last tuesday")
    assert result.exit_code == 2 and "--since 'last tuesday' is not a time" in result.output
    result = run("report", "--database", database, "--by", "colour")
    assert result.exit_code == 2 and "choose one of team, tier" in result.output
    result = run("report", "--database", str(tmp_path / "none.db"))
    assert result.exit_code == 2 and "no app database" in result.output
