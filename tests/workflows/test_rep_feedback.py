"""Rep feedback on the embedded server: `misrouted` routes the lead again with the rep's
override (a territory for the deciding rule's team template, or a team) and records the
correction; `rejected` closes the lead with a reason code; both refused with a reason
the rep can act on."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.lifecycle import FirstAction, FirstActionKind, LeadStatus, Misroute
from domain.texts import describe_state
from tests.workflows.conftest import LabFactory
from workflows.client import LeadClosed, LeadHandle, report_misrouted
from workflows.lead_routing import LeadRoutingWorkflow

pytestmark = pytest.mark.asyncio(loop_scope="session")

MM_EAST = {"email": "buyer@rep-feedback.io", "lead_type": "demo_request", "country": "US",
           "state": "NY", "company": "Feedback Inc", "company_size": 350}  # fmt: skip
MM_EAST_TEAM = {"felix.alvarez", "gita.berg", "hana.schmidt"}
MM_WEST_TEAM = {"diego.novak", "esme.okafor"}


async def refused(handle: LeadHandle, misroute: Misroute) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await handle.execute_update(LeadRoutingWorkflow.report_misrouted, misroute)
    return str(error.value.cause)


async def test_misrouted_routes_again_to_the_territory_named(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit(MM_EAST)
    state = await lab_.routed(handle)
    assert state.team == "mm-us-east" and state.rule_ids[0] == "mid-market"
    owner = state.owner
    assert owner in MM_EAST_TEAM

    state = await report_misrouted(lab_.client, handle.id, Misroute(
        owner_id=owner, reason="wrong_territory", note="HQ moved to Seattle",
        territory="us-west"))  # fmt: skip
    assert state.team == "mm-us-west" and state.owner in MM_WEST_TEAM
    assert state.status is LeadStatus.waiting_first_action and state.sla_due_at is not None
    last = state.decisions[-1]
    assert last.kind == "misrouted" and last.step == 1
    assert f"Misrouted per {owner} (wrong_territory): HQ moved to Seattle" in last.reasons
    load = (await lab_.store.roster.load_state()).owners
    assert load[owner].open_leads == 0 and load[str(state.owner)].open_leads == 1

    # the new owner works it: the facts count one misroute (the correction rate's)
    await handle.execute_update(
        LeadRoutingWorkflow.record_first_action, FirstAction(owner_id=str(state.owner))
    )
    await handle.result()
    facts = await lab_.store.analytics.facts_of(handle.id)
    assert facts is not None and facts.misroutes == 1


async def test_misrouted_refusals_say_what_to_do(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit({**MM_EAST, "email": "cfo@rep-feedback.io"})
    state = await lab_.routed(handle)
    owner = str(state.owner)
    stranger = next(m for m in sorted(MM_EAST_TEAM) if m != owner)
    cases = [
        (Misroute(owner_id=stranger, reason="wrong_territory", territory="us-west"),
         f"{stranger} is not the current owner ({owner} is)"),
        (Misroute(owner_id=owner, reason="wrong_colour", territory="us-west"),
         "reason 'wrong_colour': give one of wrong_territory, wrong_segment, existing_customer"),
        (Misroute(owner_id=owner, reason="wrong_territory"),
         "name where it belongs: a team, or a territory"),
        (Misroute(owner_id=owner, reason="wrong_territory", territory="mars"),
         "territory 'mars' is not one of us-west, us-east, emea, apac"),
        (Misroute(owner_id=owner, reason="wrong_territory", territory="us-east"),
         "the lead is with mm-us-east already"),
        (Misroute(owner_id=owner, reason="wrong_segment", team="no-such-team"),
         "team 'no-such-team' is not in the roster"),
    ]  # fmt: skip
    for misroute, says in cases:
        assert says in await refused(handle, misroute), misroute
    assert len((await lab_.routed(handle)).decisions) == 1  # nothing changed hands

    state = await report_misrouted(lab_.client, handle.id, Misroute(
        owner_id=owner, reason="existing_customer", team="customer-success"))  # fmt: skip
    assert state.team == "customer-success" and state.decisions[-1].kind == "misrouted"


async def test_rejected_closes_the_lead_with_its_reason(lab: LabFactory) -> None:
    lab_ = await lab()
    handle = await lab_.submit({**MM_EAST, "email": "bot@rep-feedback.io"})
    state = await lab_.routed(handle)
    owner = str(state.owner)
    with pytest.raises(WorkflowUpdateFailedError) as error:
        await handle.execute_update(
            LeadRoutingWorkflow.record_first_action,
            FirstAction(owner_id=owner, action=FirstActionKind.rejected),
        )
    assert "no reason: give one of wrong_territory" in str(error.value.cause)
    outcome = await handle.execute_update(
        LeadRoutingWorkflow.record_first_action,
        FirstAction(owner_id=owner, action=FirstActionKind.rejected, reason="spam",
                    note="a bot filled the form"),
    )  # fmt: skip
    assert (outcome.status, outcome.action, outcome.reason) == (
        LeadStatus.actioned, "rejected", "spam")  # fmt: skip
    await handle.result()
    facts = await lab_.store.analytics.facts_of(handle.id)
    assert facts is not None and facts.first_action_kind == "rejected" and facts.misroutes == 0
    state = await lab_.until(handle, lambda s: s.first_action == "rejected")
    assert "  first action: rejected (spam)" in describe_state(state)
    with pytest.raises(LeadClosed) as closed:
        await report_misrouted(lab_.client, handle.id,
                               Misroute(owner_id=owner, reason="spam", team="sdr-pool"))  # fmt: skip
    assert str(closed.value).startswith(f"already actioned by {owner} on ")
    assert str(closed.value).endswith("(rejected: spam)")
