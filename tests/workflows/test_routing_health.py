"""Routing-health alerts on the embedded server: an incident over its threshold is
alerted once to the ops channel (Slack and email), stays quiet while it lasts, and gets
one recovery message when it clears; the worker's schedule is created idempotently."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from activities.database.tables import DeadLetterRow
from activities.email import SmtpMailer
from activities.notifications import Channels
from domain.health import HealthChange
from tests.fakes.slack import FakeSlack
from tests.fakes.smtp import FakeSmtp
from tests.helpers import until_true
from tests.workflows.conftest import Lab, LabFactory, rules_yaml
from workflows.routing_health import RoutingHealthWorkflow
from workflows.schedules import HEALTH_EVERY, ensure_schedules, health_schedule_id

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def check(lab_: Lab) -> HealthChange:
    return await lab_.client.execute_workflow(
        RoutingHealthWorkflow.run, id=f"health-{uuid.uuid4().hex[:8]}", task_queue=lab_.task_queue
    )


async def test_an_incident_is_alerted_once_and_cleared_once(
    lab: LabFactory, slack: FakeSlack, smtp: FakeSmtp
) -> None:
    ops = Channels(
        slack_webhook_url=slack.url, mailer=SmtpMailer(smtp.url, "router@example.com"),
        to="ops@example.com",
    )  # fmt: skip
    lab_ = await lab(rules_yaml(alerts={"dead_letters": 2}), ops=ops)
    for n in range(3):  # more than 2 failed submissions in a day
        await lab_.store.dead_letters.add("forms", f"bad email {n}", "{}")

    opened = await check(lab_)
    assert [(i.check, i.value, i.threshold) for i in opened.opened] == [("dead_letters", 3, 2)]
    await until_true(lambda: len(slack.posts) == 1 and len(smtp.messages) == 1, "the alert")
    text = str(slack.posts[0]["text"])
    assert text.startswith("Routing health: dead_letters is 3, more than its threshold 2")
    assert "`alerts.dead_letters`" in text
    assert smtp.messages[0]["To"] == "ops@example.com"

    again = await check(lab_)  # still over: no second alert
    assert (again.opened, again.cleared) == ([], [])
    assert [r.value for r in again.readings if r.check == "dead_letters"] == [3]

    # the letters age past a day: the incident clears, with one recovery message
    old = opened.at - timedelta(days=2)
    await lab_.store.transactions.write(
        lambda conn: conn.execute(update(DeadLetterRow).values(received_at=old))
    )
    cleared = await check(lab_)
    assert [i.check for i in cleared.cleared] == ["dead_letters"] and cleared.opened == []
    await until_true(lambda: len(slack.posts) == 2, "the recovery message")
    assert str(slack.posts[1]["text"]).startswith("Routing health recovered: dead_letters")
    quiet = await check(lab_)
    assert (quiet.opened, quiet.cleared) == ([], [])
    assert len(slack.posts) == 2 and len(smtp.messages) == 2
    assert await lab_.store.health.open_incidents() == []


async def test_the_worker_ensures_the_schedule_once(lab: LabFactory) -> None:
    lab_ = await lab()
    client = lab_.client
    ensured = await ensure_schedules(client, lab_.task_queue)
    assert health_schedule_id(lab_.task_queue) in ensured
    await ensure_schedules(client, lab_.task_queue)  # a second worker start: no error, one schedule
    handle = client.get_schedule_handle(health_schedule_id(lab_.task_queue))
    try:
        described = await handle.describe()
        [interval] = described.schedule.spec.intervals
        assert interval.every == HEALTH_EVERY
        await handle.trigger()
        for _ in range(200):  # the listing (visibility) and the run both lag a little
            ids = [s.id async for s in await client.list_schedules()]
            if (await handle.describe()).info.recent_actions and health_schedule_id(
                lab_.task_queue
            ) in ids:
                break
            await asyncio.sleep(0.05)
        assert ids.count(health_schedule_id(lab_.task_queue)) == 1, ids
        assert (await handle.describe()).info.recent_actions, "the triggered routing-health run"
    finally:
        for schedule_id in ensured:
            await client.get_schedule_handle(schedule_id).delete()
