"""The lead's life without a server: what each event does to a lead routed to a
mid-market team in New York (mm-us-east, then sdr-pool, then review)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from domain import lead_life
from domain.acceptance import first_action_refusal, reassign_refusal
from domain.lifecycle import (
    FirstAction,
    LeadStatus,
    OwnerUnavailable,
    ReassignRequest,
    Submission,
)
from domain.ownership import release
from domain.rules import RoutingRules
from domain.sla import business_deadline
from tests.domain.lives import MONDAY_9AM_NY, Driver, new_life

NOW = MONDAY_9AM_NY


@pytest.fixture
def routed(rules: RoutingRules) -> Driver:
    driver = Driver(rules, new_life())
    driver.route(NOW)
    return driver


def test_the_first_owner_gets_the_plans_sla_in_business_time(routed: Driver) -> None:
    life = routed.life
    assert life.plan is not None and life.plan.sla_seconds is not None and life.owner
    assert life.team == life.home_team == "mm-us-east"
    assert life.status is LeadStatus.waiting_first_action
    hours = routed.rules.hours_of_member(life.owner)
    assert life.deadline == business_deadline(NOW, life.plan.sla_seconds, hours)
    [decision] = life.decisions
    assert (decision.kind, decision.step, decision.escalation_level) == ("initial", 0, 0)
    [notice] = routed.notices
    note = notice.notification
    assert (note.kind, note.recipient, note.step) == ("assigned", life.owner, 0)
    # the deadline in the owner's own zone (New York for mm-us-east), UTC beside it
    local = life.deadline.astimezone(ZoneInfo("America/New_York"))
    assert note.text.endswith(
        f"for you (mm-us-east); first action due {local:%Y-%m-%d %H:%M %Z} "
        f"(America/New_York; {life.deadline:%H:%M} UTC)"
    )
    assert notice.summary.startswith(f"notify {life.owner}: assigned by round robin in mm-us-east;")


def test_missed_deadlines_walk_the_ladder_then_wait_in_review(routed: Driver) -> None:
    life = routed.life
    first = life.owner
    seen: list[tuple[int, str | None]] = []
    for _ in range(5):
        assert life.deadline is not None and lead_life.overdue(life, life.deadline)
        routed.escalate(life.deadline)
        seen.append((life.level, life.team))
        if life.status is LeadStatus.unowned_review:
            break
    assert [level for level, _ in seen] == sorted(level for level, _ in seen)
    assert seen[0] == (1, "mm-us-east") and life.missed[0] == first
    handed = routed.notices[1].notification  # the level-1 owner's: not a "new lead"
    assert (handed.kind, handed.recipient) == ("assigned", life.decisions[1].owner)
    assert handed.text.startswith(f"Escalated to you: demo_request lead {life.lead.lead_id} (")
    assert f", {first} missed its SLA; first action due " in handed.text
    assert seen[-1] == (lead_life.EXHAUSTED_LEVEL, routed.rules.escalation.review_team)
    assert life.owner is None and life.deadline is None
    assert not lead_life.overdue(life, NOW + timedelta(days=30))
    assert len(set(life.missed)) == len(life.missed)  # nobody gets a lead they missed
    last = routed.notices[-1].notification
    assert last.kind == "unowned_alert"
    assert last.text.endswith("missed the SLA and every escalation step is exhausted")


def test_an_escalation_excludes_who_missed_and_counts_steps(routed: Driver) -> None:
    life = routed.life
    first = life.owner
    assert release(life) is not None
    missed_by = lead_life.miss_deadline(life)
    attempt = lead_life.next_escalation(life, missed_by)
    assert attempt is not None
    assert attempt.ask.request.exclude == [first] and attempt.ask.request.teams == ["mm-us-east"]
    assert attempt.ask.request.step == life.step == 1 and life.level == 1
    assert attempt.ask.request.plan.preferred_owner is None
    assert attempt.ask.summary == (
        f"escalate to level 1: {first} missed the SLA; round-robin in mm-us-east"
    )


def test_a_manual_reassign_restarts_the_ladder_from_the_new_team(routed: Driver) -> None:
    life = routed.life
    assert life.deadline is not None
    routed.escalate(life.deadline)
    routed.escalate(life.deadline)
    assert life.level == 2
    routed.reassign(ReassignRequest(owner_id="wen.fischer", reason="named account"), NOW)
    assert (life.owner, life.home_team, life.level, life.ladder_index) == (
        "wen.fischer", "enterprise-us-east", 0, 0,
    )  # fmt: skip
    assert life.decisions[-1].kind == "manual"
    assert routed.notices[-1].notification.text.startswith("Reassigned to you: ")
    assert life.decisions[-1].reasons == ["Manual reassign: named account"]


def test_a_manual_reassign_carries_the_company_domain_for_domain_owner(routed: Driver) -> None:
    life = routed.life
    assert life.plan is not None and life.plan.company_domain == life.lead.email_domain
    ask = lead_life.reassign_manually(life, ReassignRequest(owner_id="wen.fischer", reason="x"))
    assert ask.request.company_domain == life.plan.company_domain
    assert ask.request.assignment.owner == "wen.fischer"


def test_owner_away_hands_over_at_once_keeping_the_level(routed: Driver) -> None:
    life = routed.life
    away_owner = life.owner
    assert away_owner is not None
    routed.away(OwnerUnavailable(owner_id="someone.else"), NOW)
    assert life.owner == away_owner and life.step == 0  # not the owner: nothing happens
    routed.away(OwnerUnavailable(owner_id=away_owner, reason="sick"), NOW)
    assert life.owner not in (None, away_owner) and life.level == 0 and life.step == 1
    assert life.unavailable == [away_owner]
    assert (
        life.decisions[-1].reasons[0]
        == f"{away_owner} became unavailable (sick); reassigned at once"
    )


def test_a_trial_activation_routes_again_as_a_demo_request(rules: RoutingRules) -> None:
    driver = Driver(rules, new_life(lead_type="trial_signup"))
    driver.route(NOW)
    assert lead_life.is_trial_signup(driver.life)
    driver.activate_trial(NOW)
    life = driver.life
    assert not lead_life.is_trial_signup(driver.life)
    assert life.lead.lead_type.value == "demo_request" and life.level == 0
    assert life.decisions[-1].kind == "trial_activation"
    assert life.decisions[-1].reasons[0] == "Trial activated: routed again as a demo request"


def test_a_resubmission_may_tighten_the_deadline_never_loosen_it(routed: Driver) -> None:
    life = routed.life
    before = life.deadline
    later = NOW + timedelta(minutes=1)
    same = Submission(submission_id="again", lead=life.lead)
    assert not lead_life.resubmitted(life, same, later)
    assert life.deadline == before and life.resubmissions[-1].tightened_sla is False
    assert life.owner == routed.notices[-1].notification.recipient


def test_an_action_is_accepted_only_from_the_owner_before_the_deadline(routed: Driver) -> None:
    life = routed.life
    assert life.owner is not None and life.deadline is not None
    mine, theirs = FirstAction(owner_id=life.owner), FirstAction(owner_id="gita.nobody")
    assert first_action_refusal(life, mine, NOW, parked=True) is None
    assert first_action_refusal(life, theirs, NOW, parked=True) == (
        f"gita.nobody is not the current owner ({life.owner} is)"
    )
    assert first_action_refusal(life, mine, NOW, parked=False) == (
        "the lead is changing hands right now; try again in a moment"
    )
    assert first_action_refusal(life, mine, life.deadline, parked=True) == (
        f"the SLA deadline passed at {life.deadline:%Y-%m-%d %H:%M:%S} UTC; "
        "the lead is being escalated"
    )
    life.action = mine
    assert first_action_refusal(life, mine, NOW, parked=True) == "the lead was already actioned"
    outcome = lead_life.actioned(life, NOW, NOW + timedelta(minutes=5))
    assert outcome.status is LeadStatus.actioned and outcome.time_to_first_action_seconds == 300
    assert not lead_life.overdue(life, life.deadline)


def test_refusals_before_routing(rules: RoutingRules) -> None:
    life = new_life()
    assert first_action_refusal(life, FirstAction(owner_id="x"), NOW, parked=True) == (
        "the lead has no owner yet (status routing)"
    )
    request = ReassignRequest(owner_id="wen.fischer", reason="r")
    assert reassign_refusal(life, request, NOW, parked=True, reassigning=False) == (
        "the lead is still being routed; try again in a moment"
    )
    with pytest.raises(ValueError, match="is not routed yet"):
        lead_life.next_escalation(life, None)


@pytest.mark.parametrize(
    ("owner_id", "reassigning", "reason"),
    [
        ("wen.fischer", True, "another reassignment is in progress"),
        ("ghost.owner", False, "ghost.owner is not an active member of the roster"),
        ("wen.fischer", False, None),
    ],
)
def test_reassign_refusals(
    routed: Driver, owner_id: str, reassigning: bool, reason: str | None
) -> None:
    request = ReassignRequest(owner_id=owner_id, reason="r")
    got = reassign_refusal(routed.life, request, NOW, parked=True, reassigning=reassigning)
    assert got == reason


def test_reassign_to_the_owner_is_refused(routed: Driver) -> None:
    owner = routed.life.owner
    assert owner is not None
    request = ReassignRequest(owner_id=owner, reason="r")
    got = reassign_refusal(routed.life, request, NOW, parked=True, reassigning=False)
    assert got == f"{owner} already owns the lead"
