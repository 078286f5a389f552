"""`lead-router qa-sample`: the weekly sample by hand, from the app database."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

from typer.testing import CliRunner, Result

from activities.database import Database
from starter.cli.main import app
from tests.activities.test_analytics import actioned, fact
from tests.fakes.slack import FakeSlack


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def filled(tmp_path: Path) -> str:
    path = tmp_path / "app.db"

    async def fill() -> None:
        db = await Database(path).init()
        await db.analytics.record([actioned(i, 5) for i in range(6)] + [fact(40)])
        await db.close()

    asyncio.run(fill())
    return str(path)


def test_it_draws_writes_and_posts_the_sample(tmp_path: Path, slack: FakeSlack) -> None:
    database, out = filled(tmp_path), tmp_path / "samples"
    args = ["qa-sample", "--since", "2026-11-02", "--until", "2026-11-03", "--size", "4",
            "--seed", "3", "--database", database, "--out", str(out)]  # fmt: skip
    result = run(*args, env={"LEAD_ROUTER_OPS_SLACK_WEBHOOK_URL": slack.url})
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4 and all(r["status"] == "actioned" for r in rows)
    [written] = list(out.iterdir())
    assert written.read_text() == result.stdout
    assert "(seed 3): 6 submissions in the window" in result.stderr
    assert len(slack.posts) == 1 and str(slack.posts[0]["text"]).startswith(
        "Weekly QA sample: 4 of 6 submissions"
    )
    again = run(*args[:-2], "--out", str(tmp_path / "again"))
    assert again.stdout == result.stdout  # the same seed, the same sample


def test_a_bad_window_says_what_to_type(tmp_path: Path) -> None:
    result = run("qa-sample", "--since", "last week", "--database", filled(tmp_path))
    assert result.exit_code == 2
    assert "--since" in result.output and "7d" in result.output
