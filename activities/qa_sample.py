"""The weekly QA sample: draw it from the analytics facts, write the CSV, post it to the
ops channel once per window (the outbox key is the window's end)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio import activity

from activities.database.analytics import Analytics
from activities.notifications import OpsChannel
from domain import texts
from domain.qa_sample import QaSample, QaSampleRequest, sample


class QaSampleActivities:
    def __init__(self, analytics: Analytics, ops: OpsChannel, out_dir: Path) -> None:
        self.analytics, self.ops, self.out_dir = analytics, ops, out_dir

    @activity.defn
    async def draw_qa_sample(self, request: QaSampleRequest) -> QaSample:
        """Also what `lead-router qa-sample` runs, outside any workflow."""
        population = await self.analytics.submitted_between(request.since, request.until)
        drawn = sample(population, request)
        path = self.out_dir / f"qa-sample-{request.until:%Y-%m-%d-%H%M}.csv"
        await asyncio.to_thread(_write, path, drawn.csv_text)
        rows = drawn.csv_text.count("\n") - 1
        text = texts.qa_sample_text(rows, drawn.population, request.since, request.until, str(path))
        subject = f"Weekly QA sample: {rows} submissions"
        step = int(request.until.timestamp())
        await self.ops.post("qa-sample", step, "qa_sample", text, subject, drawn.csv_text)
        return drawn.model_copy(update={"file": str(path)})


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
