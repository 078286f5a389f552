"""LeadRoutingWorkflow on the real dev server, with time skipped per workflow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.lifecycle import (
    FirstAction,
    FirstActionKind,
    LeadStatus,
    OwnerUnavailable,
    ReassignRequest,
)
from domain.models import Account
from domain.rules_check import load_rules_text
from tests.workflows.conftest import LabFactory, rules_yaml
from workflows.client import activate_trial
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")

MM_EAST = {
    "email": "buyer@northwind.io",
    "lead_type": "demo_request",
    "country": "US",
    "state": "NY",
}
MM_EAST_TEAM = ["felix.alvarez", "gita.berg", "hana.schmidt"]
SDR_POOL = ["maya.lindqvist", "noah.fischer", "olga.lindqvist"]
REVIEW = ["priya.haddad", "quinn.silva"]


async def open_leads(lab_store, owner: str) -> int:  # type: ignore[no-untyped-def]
    state = await lab_store.roster.load_state()
    return state.owners[owner].open_leads if owner in state.owners else 0


async def test_first_action_in_time_ends_the_lead(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    assert state.status is LeadStatus.waiting_first_action
    assert state.team == "mm-us-east" and state.owner in MM_EAST_TEAM
    assert state.sla_due_at is not None
    assert state.sla_due_at - state.decisions[0].at == timedelta(minutes=15)
    assert await open_leads(lab_.store, state.owner) == 1

    outcome = await handle.execute_update(
        LeadRoutingWorkflow.record_first_action,
        FirstAction(owner_id=state.owner, action=FirstActionKind.meeting_booked),
    )
    assert outcome.status is LeadStatus.actioned
    assert outcome.owner == state.owner and outcome.action == "meeting_booked"
    assert outcome.reassignments == []
    assert 0 <= outcome.time_to_first_action_seconds < 60
    assert (await handle.result()).owner == state.owner
    assert await open_leads(lab_.store, state.owner) == 0


async def test_every_escalation_level_then_unowned_review(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    first = state.owner
    assert first in MM_EAST_TEAM

    state = await lab_.miss_sla(handle, state)
    assert state.escalation_level == 1 and state.team == "mm-us-east"
    assert state.owner in MM_EAST_TEAM and state.owner != first
    second = state.owner

    state = await lab_.miss_sla(handle, state)
    assert state.escalation_level == 2 and state.team == "sdr-pool" and state.owner in SDR_POOL
    third = state.owner

    state = await lab_.miss_sla(handle, state)
    assert state.escalation_level == 3 and state.team == "inbound-sdr-review"
    assert state.owner in REVIEW
    assert state.sla_due_at is not None
    assert state.sla_due_at - state.decisions[-1].at == timedelta(minutes=30)  # the review SLA

    state = await lab_.miss_sla(handle, state)
    assert state.status is LeadStatus.unowned_review and state.owner is None
    assert state.missed_by == [first, second, third, state.decisions[-2].owner]
    # every owner who missed it has their count back
    for owner in state.missed_by:
        assert await open_leads(lab_.store, owner) == 0
    # it keeps waiting, never silently ends: a long time later it is still there
    await lab_.env.fast_forward(handle, timedelta(days=30))  # type: ignore[attr-defined]
    state = await lab_.until(handle, lambda s: True)
    assert state.status is LeadStatus.unowned_review
    notes = await lab_.store.outbox.for_lead(handle.id)
    kinds = [n.kind for n in notes]
    assert kinds.count("assigned") == 4
    assert "escalation_alert" in kinds and "unowned_alert" in kinds
    assert all(n.recipient == "priya.haddad" for n in notes if n.kind.endswith("_alert"))

    # a manual assignment brings it back, and the new owner can close it
    state = await handle.execute_update(
        LeadRoutingWorkflow.reassign, ReassignRequest(owner_id="rosa.schmidt", reason="picked up")
    )
    assert state.owner == "rosa.schmidt" and state.status is LeadStatus.waiting_first_action
    outcome = await handle.execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id="rosa.schmidt")
    )
    assert [d.kind for d in outcome.reassignments] == ["escalation"] * 4 + ["manual"]


async def test_manual_reassign_moves_the_lead_and_the_load(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    before = state.owner
    assert before is not None
    state = await handle.execute_update(
        LeadRoutingWorkflow.reassign,
        ReassignRequest(owner_id="zane.ivanova", reason="speaks the customer's language"),
    )
    assert state.owner == "zane.ivanova" and state.team == "enterprise-emea"
    assert state.decisions[-1].kind == "manual"
    assert "speaks the customer's language" in state.decisions[-1].reasons[0]
    assert await open_leads(lab_.store, before) == 0
    assert await open_leads(lab_.store, "zane.ivanova") == 1
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            LeadRoutingWorkflow.reassign, ReassignRequest(owner_id="nobody", reason="x")
        )
    assert "not an active member" in str(refused.value.cause)


async def test_owner_going_away_mid_sla_reassigns_at_once(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    away = state.owner
    assert away is not None
    # a signal for someone who does not hold the lead changes nothing
    await handle.signal(
        LeadRoutingWorkflow.owner_unavailable, OwnerUnavailable(owner_id="noah.fischer")
    )
    await handle.signal(LeadRoutingWorkflow.owner_unavailable, OwnerUnavailable(owner_id=away))
    state = await lab_.until(handle, lambda s: len(s.decisions) == 2)
    assert state.owner in MM_EAST_TEAM and state.owner != away
    assert state.decisions[-1].kind == "owner_unavailable"
    assert state.escalation_level == 0
    assert await open_leads(lab_.store, away) == 0


async def test_duplicate_submission_joins_and_may_tighten_the_sla(lab: LabFactory) -> None:
    lab_ = await lab()
    first = await lab_.submit({"email": "reader@unknown-co.io", "lead_type": "webinar"}, "sub-1")
    state = await lab_.routed(first)
    assert state.team == "growth-nurture" and state.decisions[0].sla_seconds == 28800
    # the very same delivery again: nothing recorded
    again = await lab_.submit({"email": "reader@unknown-co.io", "lead_type": "webinar"}, "sub-1")
    assert again.id == first.id
    # a new, higher-intent submission: recorded, same owner, tighter SLA
    await lab_.submit({"email": " Reader@Unknown-Co.io", "lead_type": "demo_request"}, "sub-2")
    state = await lab_.until(first, lambda s: len(s.resubmissions) == 1)
    assert state.resubmissions[0].tightened_sla is True
    assert state.resubmissions[0].lead_type == "demo_request"
    assert len(state.decisions) == 1 and state.owner == state.decisions[0].owner
    assert state.sla_due_at is not None
    assert state.sla_due_at - state.resubmissions[0].at == timedelta(minutes=30)
    assignments = await lab_.store.roster.assignments_for(first.id)
    assert len(assignments) == 1


async def test_trial_activation_routes_again_as_a_demo_request(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit({"email": "dev@sakura-systems.jp", "lead_type": "trial_signup"})
    state = await lab_.routed(handle)
    assert state.status is LeadStatus.onboarding and state.team == "growth-onboarding"
    assert state.sla_due_at is None
    onboarding_owner = state.owner
    await activate_trial(lab_.client, handle.id)
    state = await lab_.until(handle, lambda s: len(s.decisions) == 2)
    assert state.lead_type == "demo_request" and state.status is LeadStatus.waiting_first_action
    assert state.team == "enterprise-apac" and state.tier == "enterprise"
    assert state.decisions[-1].kind == "trial_activation" and state.decisions[-1].sla_seconds == 300
    assert onboarding_owner is not None
    assert await open_leads(lab_.store, onboarding_owner) == 0


async def test_validator_refuses_a_non_owner_and_a_second_action(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    stranger = next(o for o in MM_EAST_TEAM if o != state.owner)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=stranger)
        )
    assert "not the current owner" in str(refused.value.cause)
    assert state.owner is not None
    await handle.execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
    )
    with pytest.raises(Exception) as late:
        await handle.execute_update(
            LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=state.owner)
        )
    assert (
        "already" in str(late.value.__cause__ or late.value)
        or "completed" in str(late.value).lower()
    )


async def test_after_hours_arrival_starts_the_clock_when_the_day_opens(lab: LabFactory) -> None:
    from datetime import UTC, datetime

    from domain.sla import business_deadline

    now = datetime.now(UTC)
    opens = (now + timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
    hours = {"timezone": "UTC", "start": opens.strftime("%H:%M"),
             "end": (opens + timedelta(hours=2)).strftime("%H:%M"),
             "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}  # fmt: skip
    if hours["end"] <= hours["start"]:  # the window would cross midnight: use the next hour
        hours["start"], hours["end"] = "01:00", "03:00"
    text = rules_yaml(hours)
    lab_ = await lab(text)
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    arrived = state.decisions[0].at
    rules = load_rules_text(text)
    expected = business_deadline(arrived, 900, rules.hours_of_member(state.owner or ""))
    assert state.sla_due_at == expected
    assert state.sla_due_at - arrived > timedelta(minutes=15)  # it did not start at once
    assert state.sla_due_at.astimezone(UTC).strftime("%H:%M") == f"{hours['start'][:2]}:15"


async def test_weekend_arrival_waits_for_the_next_working_day(lab: LabFactory) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    # the team works two days from now only: today and tomorrow are its "weekend"
    workday = names[(now.weekday() + 2) % 7]
    text = rules_yaml({"timezone": "UTC", "start": "09:00", "end": "17:00", "days": [workday]})
    lab_ = await lab(text)
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    assert state.sla_due_at is not None
    due = state.sla_due_at.astimezone(UTC)
    assert due.date() == (now + timedelta(days=2)).date()
    assert due.strftime("%H:%M") == "09:15"


async def test_account_owner_lead_records_the_plan(lab: LabFactory) -> None:
    accounts = [Account(domain="vandelay.com", name="Vandelay", owner_id="gita.berg")]
    lab_ = await lab(accounts=accounts)
    handle = await lab_.submit({"email": "art@vandelay.com", "country": "US", "state": "NY"})
    state = await lab_.routed(handle)
    assert state.owner == "gita.berg" and state.rule_ids == ["account-owner"]
    assert state.decisions[0].method == "account_owner"
    assert any("Rule account-owner" in r for r in state.decisions[0].reasons)
