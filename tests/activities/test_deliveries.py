"""The deliveries, dead letters and outbox repositories on SQLite and PostgreSQL: one
claim per key, one notification per (lead, step, kind), dead letters kept until retried."""

from __future__ import annotations

import asyncio

from activities.database import Database
from activities.database.tables import DeliveryRow


async def test_twenty_identical_deliveries_at_once_claim_exactly_once(database: Database) -> None:
    rows = [
        DeliveryRow(key="forms:id:abc", source="forms", lead_id="lead-1", submission_id=f"s{i}",
                    lead_json="{}")
        for i in range(20)
    ]  # fmt: skip
    claims = await asyncio.gather(*(database.deliveries.claim(row, None) for row in rows))
    fresh = [c for c in claims if c is None]
    assert len(fresh) == 1
    winners = {c.submission_id for c in claims if c is not None}
    assert len(winners) == 1  # every twin is answered with the one recorded delivery
    assert (await database.deliveries.count_by_status()) == {"accepted": 1}


async def test_a_notification_is_written_once_per_lead_step_and_kind(database: Database) -> None:
    outbox = database.outbox
    first = await outbox.record("lead-1", 0, "assigned", "maya", "yours", slack=True)
    again = await outbox.record("lead-1", 0, "assigned", "maya", "changed text", slack=True)
    other = await outbox.record("lead-1", 0, "sla_warning", "maya", "hurry", slack=False)
    assert again.id == first.id and again.text == "yours"
    await outbox.mark_slack(first.id or 0, sent=True)
    rows = await outbox.for_lead("lead-1")
    assert [(r.kind, r.slack_status, r.slack_attempts) for r in rows] == [
        ("assigned", "sent", 1),
        (other.kind, "not_configured", 0),
    ]


async def test_a_dead_letter_is_listed_until_it_is_retried(database: Database) -> None:
    letters = database.dead_letters
    first = await letters.add("forms", "no email", '{"name": "x"}')
    second = await letters.add("hubspot", "bad json", "{")
    await letters.mark_retried(first, "lead-9")
    assert [row.id for row in await letters.all()] == [second]
    assert [row.id for row in await letters.all(include_retried=True)] == [first, second]
    retried = await letters.get(first)
    assert retried is not None and retried.lead_id == "lead-9" and retried.retried_at
