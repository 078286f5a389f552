"""The weekly QA sample on the embedded server: the past week's submissions, N drawn,
written as a CSV and posted to the ops channel once; the schedule runs it on Mondays."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from pathlib import Path

import pytest

from activities.notifications import Channels
from domain.qa_sample import COLUMNS
from tests.fakes.slack import FakeSlack
from tests.helpers import until_true
from tests.workflows.conftest import LabFactory
from workflows.qa_sample import QaSampleWorkflow
from workflows.schedules import QA_SAMPLE_AT, ensure_schedules, qa_sample_schedule_id

pytestmark = pytest.mark.asyncio(loop_scope="session")

LEADS = [
    {"email": f"buyer{n}@northwind.io", "lead_type": "demo_request", "country": "US", "state": "NY"}
    for n in range(3)
]


async def test_the_sample_is_drawn_written_and_posted(lab: LabFactory, slack: FakeSlack) -> None:
    lab_ = await lab(ops=Channels(slack_webhook_url=slack.url))
    ids = []
    for lead in LEADS:
        handle = await lab_.submit(lead)
        await lab_.routed(handle)
        ids.append(handle.id)
    for _ in range(200):  # the facts are written with the notification, just after
        if all([await lab_.store.analytics.facts_of(i) for i in ids]):
            break
        await asyncio.sleep(0.05)
    drawn = await lab_.client.execute_workflow(
        QaSampleWorkflow.run, 2, id=f"qa-{uuid.uuid4().hex[:8]}", task_queue=lab_.task_queue
    )
    assert drawn.population == 3
    rows = list(csv.DictReader(io.StringIO(drawn.csv_text)))
    assert len(rows) == 2 and {r["lead_id"] for r in rows} <= set(ids)
    assert tuple(rows[0]) == COLUMNS
    assert all(r["team"] == "mm-us-east" and r["status"] == "waiting_first_action" for r in rows)
    assert drawn.file is not None and Path(drawn.file).read_text() == drawn.csv_text
    await until_true(lambda: len(slack.posts) == 1, "the sample's post to the ops channel")
    post = slack.posts[0]
    assert str(post["text"]).startswith("Weekly QA sample: 2 of 3 submissions from ")
    assert drawn.file in str(post["text"])
    assert "lead_id,submitted_at" in str(post["blocks"])


async def test_the_weekly_schedule_runs_on_mondays(lab: LabFactory) -> None:
    lab_ = await lab()
    ensured = await ensure_schedules(lab_.client, lab_.task_queue)
    handle = lab_.client.get_schedule_handle(qa_sample_schedule_id(lab_.task_queue))
    try:
        described = await handle.describe()
        assert described.schedule.spec.calendars == [QA_SAMPLE_AT]
        upcoming = described.info.next_action_times
        assert upcoming and all((t.weekday(), t.hour, t.minute) == (0, 8, 0) for t in upcoming)
    finally:
        for schedule_id in ensured:
            await lab_.client.get_schedule_handle(schedule_id).delete()
