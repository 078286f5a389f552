"""The 2026.12.0 policy's features that live in the workflow and the roster, on the real
dev server: holiday calendars inside the sandbox, one owner per company."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
import yaml

from domain import holidays
from domain.lifecycle import LeadStatus
from domain.sla import business_deadline
from tests.workflows.conftest import ALWAYS_OPEN, LabFactory, rules_yaml

pytestmark = pytest.mark.asyncio(loop_scope="session")

# a mid-market company of the us-east territory, not in the companies file
ZENITH = {"lead_type": "demo_request", "company": "Zenith Labs", "company_size": 300,
          "country": "US", "state": "NY"}  # fmt: skip
MM_EAST_TEAM = {"felix.alvarez", "gita.berg", "hana.schmidt"}


async def test_a_holiday_calendar_is_built_outside_the_sandbox(lab: LabFactory) -> None:
    # building a calendar reads gettext translations, which the sandbox forbids: a
    # worker's first lead of a team with holidays must still get its deadline
    holidays._calendar.cache_clear()
    lab_ = await lab(rules_yaml({**ALWAYS_OPEN, "holidays": "GB-SCT"}))
    handle = await lab_.submit({**ZENITH, "email": "ops@zenith-labs.io"})
    state = await lab_.routed(handle)
    assert state.status is LeadStatus.waiting_first_action and state.owner in MM_EAST_TEAM
    rules = await lab_.acts.rules.load_rules()
    opened = state.decisions[0].at
    assert state.sla_due_at == business_deadline(opened, 900, rules.hours_of_member(state.owner))


def without_domain_owner(text: str) -> str:
    data: dict[str, Any] = yaml.safe_load(text)
    for rule in data["rules"]:
        if rule.get("owner") == "domain_owner":
            del rule["owner"]
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize("keep_company", [True, False], ids=["domain_owner", "round_robin"])
async def test_two_leads_of_one_company_at_once_end_with_one_owner(
    lab: LabFactory, keep_company: bool
) -> None:
    text = rules_yaml()
    lab_ = await lab(text if keep_company else without_domain_owner(text))
    handles = await asyncio.gather(
        lab_.submit({**ZENITH, "email": "ana@zenith-labs.io"}),
        lab_.submit({**ZENITH, "email": "bo@zenith-labs.io"}),
    )
    states = await asyncio.gather(*(lab_.routed(h) for h in handles))
    owners = {s.owner for s in states}
    assert all(s.team == "mm-us-east" for s in states) and owners <= MM_EAST_TEAM
    methods = sorted(s.decisions[0].method for s in states)
    if not keep_company:  # the control: round-robin alone splits them
        assert len(owners) == 2 and methods == ["round_robin", "round_robin"]
        return
    assert len(owners) == 1 and methods == ["domain_owner", "round_robin"]
    first, second = sorted(states, key=lambda s: s.decisions[0].method, reverse=True)
    assert f"Same company as {first.lead_id} (zenith-labs.io): kept with {second.owner}" in (
        second.decisions[0].reasons
    )
    assert second.sla_due_at is not None and second.sla_due_at - second.decisions[0].at == (
        timedelta(minutes=15)
    )
