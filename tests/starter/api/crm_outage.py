"""The CRM down for a minute of the leads' (skipped) time, shared by the HubSpot and
Salesforce tests: routing and the SLA never wait, each write is retried at 2, 4, 8, 16
and 32 s, then the CRM is back and the next retry lands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tests.fakes.http import FakeCrm
from tests.helpers import until_true
from tests.starter.api.conftest import Api, unique_email

MM_EAST = {"lead_type": "demo_request", "country": "US", "state": "NY", "company": "Northwind"}


async def down_for_a_minute(
    one: Api, fake: FakeCrm, tries: Callable[[], int], leads: int = 3
) -> list[tuple[str, dict[str, Any]]]:
    """Each lead's email and its state as routed while the CRM was down; the CRM is back
    (and a minute and more has passed for each lead) when this returns."""
    fake.down, before = True, len(fake.requests)
    emails = [unique_email() for _ in range(leads)]
    lead_ids = [(await one.forms({"email": e, **MM_EAST})).json()["lead_id"] for e in emails]
    states = [await one.routed(lead_id, timeout=10) for lead_id in lead_ids]
    assert all(s["status"] == "waiting_first_action" for s in states)
    assert all(s["crm_sync"]["status"] == "writing" for s in states)
    handles = [one.lab.client.get_workflow_handle(lead_id) for lead_id in lead_ids]
    await _skip(one, handles, timedelta(seconds=62))
    await until_true(lambda: tries() >= 5 * leads, "5 tries a lead", 20)
    assert all(r.status == 503 for r in fake.requests[before:])  # nothing got through
    for lead_id in lead_ids:  # the SLA clock ran on, untouched
        state = (await one.lead(lead_id)).json()
        assert state["status"] == "waiting_first_action"
        assert state["crm_sync"]["status"] == "writing"
    fake.down = False
    await _skip(one, handles, timedelta(seconds=65))  # the next retry, at 64 s
    return list(zip(emails, states, strict=True))


async def _skip(one: Api, handles: list[Any], by: timedelta) -> None:
    await asyncio.gather(*(one.lab.env.fast_forward(h, by) for h in handles))  # type: ignore[attr-defined]
