"""Properties over random lives: any order of missed deadlines, offered actions, owners
going away, resubmissions, manual reassigns and trial activations, at any times."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import lead_life
from domain.acceptance import first_action_refusal, reassign_refusal
from domain.lifecycle import (
    FirstAction,
    LeadStatus,
    OwnerUnavailable,
    ReassignRequest,
    Submission,
)
from domain.rules import RoutingRules
from tests.domain.lives import MONDAY_9AM_NY, Driver, new_life

LIVES = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RESTARTS = {"reassign", "trial"}  # the only events that may lower the escalation level

EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["deadline", "action", "away", "resubmit", "reassign", "trial"]),
        st.integers(min_value=0, max_value=3 * 24 * 3600),  # seconds since the last event
        st.sampled_from(["wen.fischer", "gita.berg", "maya.lindqvist", "ghost.owner", "owner"]),
        st.sampled_from(["demo_request", "pricing", "webinar", "trial_signup"]),
    ),
    max_size=14,
)
LEADS = st.sampled_from(
    [{}, {"lead_type": "trial_signup"}, {"email": "jo@gmail.com"}, {"lead_type": "webinar"}]
)


@LIVES
@given(form=LEADS, events=EVENTS)
def test_a_lead_is_never_both_actioned_and_escalated_and_levels_only_rise_until_a_restart(
    rules: RoutingRules, form: dict[str, str], events: list[tuple[str, int, str, str]]
) -> None:
    driver = Driver(rules, new_life(**form))
    life = driver.life
    now = MONDAY_9AM_NY
    driver.route(now)
    actioned_at = None
    for kind, gap, who, lead_type in events:
        now += timedelta(seconds=gap)
        level_before = life.level
        owner = life.owner if who == "owner" else who
        if kind == "deadline" and life.deadline is not None:
            now = max(now, life.deadline)
        if lead_life.overdue(life, now):
            # an overdue lead refuses its owner's action: it can only escalate
            late = FirstAction(owner_id=life.owner or "nobody")
            assert first_action_refusal(life, late, now, parked=True) is not None
            driver.escalate(now)
        elif kind == "action" and owner is not None:
            reason = first_action_refusal(life, FirstAction(owner_id=owner), now, parked=True)
            if reason is None:
                life.action = FirstAction(owner_id=owner)
                lead_life.actioned(life, MONDAY_9AM_NY, now)
                actioned_at = now
                break
            assert reason  # a refusal always says why
        elif kind == "away" and owner is not None:
            driver.away(OwnerUnavailable(owner_id=owner), now)
        elif kind == "resubmit":
            again = new_life(lead_type=lead_type).lead
            lead_life.resubmitted(life, Submission(submission_id=str(now), lead=again), now)
        elif kind == "reassign" and owner is not None:
            request = ReassignRequest(owner_id=owner, reason="manager")
            refused = reassign_refusal(life, request, now, parked=True, reassigning=False)
            if refused is None:
                driver.reassign(request, now)
            else:
                assert owner in refused or "actioned" in refused
        elif kind == "trial" and lead_life.is_trial_signup(life):
            driver.activate_trial(now)
        if kind not in RESTARTS or life.level != 0:
            assert life.level >= level_before, (kind, level_before, life.level)
        assert life.deadline is None or life.deadline >= now
    kinds = [d.kind for d in life.decisions]
    if actioned_at is not None:
        assert life.status is LeadStatus.actioned
        assert not lead_life.overdue(life, actioned_at + timedelta(days=365))
        assert all(d.at <= actioned_at for d in life.decisions)
    assert kinds[0] == "initial" and "actioned" not in kinds
    steps = [d.step for d in life.decisions]
    assert steps == sorted(set(steps))  # one decision per owner change, in order


@LIVES
@given(gap=st.integers(min_value=-3600, max_value=3600), parked=st.booleans())
def test_an_action_is_accepted_exactly_when_the_lead_is_not_overdue(
    rules: RoutingRules, gap: int, parked: bool
) -> None:
    driver = Driver(rules, new_life())
    driver.route(MONDAY_9AM_NY)
    life = driver.life
    assert life.deadline is not None and life.owner is not None
    now = life.deadline + timedelta(seconds=gap)
    refusal = first_action_refusal(life, FirstAction(owner_id=life.owner), now, parked=parked)
    assert (refusal is None) == (parked and not lead_life.overdue(life, now))
    if lead_life.overdue(life, now):
        assert refusal is not None and f"{life.deadline:%Y-%m-%d %H:%M:%S} UTC" in refusal
    elif not parked:
        assert refusal == "the lead is changing hands right now; try again in a moment"
