"""`lead-router qa-sample`: the weekly QA sample by hand, the same draw, CSV and ops-channel
post as the weekly schedule (`workflows/qa_sample.py`), straight from the app database."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from starter.cli.common import DatabaseOpt, DataDirOpt, err, fail, open_database, settings_for

if TYPE_CHECKING:
    from domain.qa_sample import QaSample, QaSampleRequest
    from starter.runtime.settings import Settings


def qa_sample(
    since: Annotated[
        str, typer.Option("--since", help="From: 7d, 12h, 2026-11-01 or an ISO time (UTC).")
    ] = "7d",
    until: Annotated[
        str | None, typer.Option("--until", help="Before: same forms as --since. Default: now.")
    ] = None,
    size: Annotated[int, typer.Option("--size", min=1, max=1000, help="Submissions to draw.")] = 20,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Draw the same sample again (printed each run).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the CSV. Default: DATA_DIR/qa-samples.")
    ] = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Draw N random submissions of the window with their decision and outcome, write them
    as a CSV and post it to the ops channel (LEAD_ROUTER_OPS_SLACK_WEBHOOK_URL and/or
    LEAD_ROUTER_OPS_EMAIL), as the weekly schedule does on Mondays."""
    from domain.analytics.window import window
    from domain.qa_sample import QaSampleRequest

    now = datetime.now(UTC)
    try:
        start, end = window(since, until, now)
    except ValueError as exc:
        raise fail(str(exc)) from None
    settings = settings_for(database=database, data_dir=data_dir)
    chosen = secrets.randbelow(2**31) if seed is None else seed
    request = QaSampleRequest(since=start or now, until=end or now, size=size, seed=chosen)
    result = asyncio.run(_draw(settings, request, out or settings.paths.data_dir / "qa-samples"))
    err.print(f"wrote {result.file} (seed {chosen}): {result.population} submissions in the window")
    typer.echo(result.csv_text, nl=False)


async def _draw(settings: Settings, request: QaSampleRequest, out: Path) -> QaSample:
    import httpx
    from temporalio.exceptions import ApplicationError

    from activities.notifications import OpsChannel
    from activities.qa_sample import QaSampleActivities
    from starter.runtime.channels import ops_channels

    database = await open_database(settings).init()
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            ops = OpsChannel(database.outbox, ops_channels(settings), http)
            activities = QaSampleActivities(database.analytics, ops, out)
            try:
                return await activities.draw_qa_sample(request)
            except ApplicationError as exc:  # the Slack or SMTP call: the CSV is written
                raise fail(
                    f"the sample was written but not posted to the ops channel: {exc}"
                ) from None
    finally:
        await database.close()


def register(app: typer.Typer) -> None:
    app.command("qa-sample")(qa_sample)
