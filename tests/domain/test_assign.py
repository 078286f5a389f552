"""Assignment: direct owners, weighted round-robin, caps, away, exclusions and fallbacks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from domain.assign import RosterState, assign, pick_round_robin, release
from domain.models import RoutingPlan
from domain.rules import RoutingRules
from tests.helpers import RulesWith, set_member

TEAM = "sdr-pool"  # members maya.lindqvist, noah.fischer, olga.lindqvist; falls back to review
REVIEW = "inbound-sdr-review"  # priya.haddad, quinn.silva; the end of every chain
WEIGHTS = {"maya.lindqvist": 3, "noah.fischer": 2, "olga.lindqvist": 1}


def plan_for(team: str, owner: str | None = None, method: str | None = None) -> RoutingPlan:
    return RoutingPlan(
        rules_version="test", rule_ids=["test"], team=team, preferred_owner=owner,
        owner_method=method, sla_seconds=900, reasons=[],
    )  # fmt: skip


@pytest.fixture(scope="module")
def weighted(rules_with: RulesWith) -> RoutingRules:
    """sdr-pool weighted 3/2/1 with caps high enough never to matter."""

    def change(data: dict[str, Any]) -> None:
        for member_id, weight in WEIGHTS.items():
            set_member(data, member_id, weight=weight, max_open_leads=100_000)

    return rules_with(change)


def test_shares_follow_weights_over_1000_assignments(weighted: RoutingRules) -> None:
    state = RosterState()
    picks = Counter(assign(plan_for(TEAM), weighted, state).owner for _ in range(1000))
    total_weight = sum(WEIGHTS.values())
    assert sum(picks.values()) == 1000
    for member_id, weight in WEIGHTS.items():
        share = picks[member_id] / 1000
        assert abs(share - weight / total_weight) <= 0.02, picks
        assert state.owners[member_id].open_leads == picks[member_id]


def test_round_robin_interleaves_rather_than_bursts(weighted: RoutingRules) -> None:
    state = RosterState()
    owners = [assign(plan_for(TEAM), weighted, state).owner for _ in range(60)]
    # With weights 3/2/1 every window of 6 consecutive picks holds exactly 3/2/1.
    for start in range(0, 60, 6):
        assert Counter(owners[start : start + 6]) == Counter(WEIGHTS), owners[start : start + 6]
    longest_run = max(
        len(run)
        for run in "".join("x" if o == "maya.lindqvist" else "." for o in owners).split(".")
    )
    assert longest_run <= 2


def test_a_fresh_round_robin_is_method_round_robin(rules: RoutingRules) -> None:
    result = assign(plan_for(TEAM), rules, RosterState())
    assert result.method == "round_robin"
    assert result.team == TEAM
    assert result.owner == "maya.lindqvist"  # heaviest member (weight 2) goes first
    assert any("Round-robin in sdr-pool chose maya.lindqvist" in r for r in result.reasons)


def test_away_members_are_skipped(weighted: RoutingRules) -> None:
    state = RosterState()
    state.owner("maya.lindqvist").away = True
    picks = Counter(assign(plan_for(TEAM), weighted, state).owner for _ in range(30))
    assert picks["maya.lindqvist"] == 0
    assert picks == Counter({"noah.fischer": 20, "olga.lindqvist": 10})


def test_members_at_their_cap_are_skipped(rules_with: RulesWith) -> None:
    capped = rules_with(lambda data: set_member(data, "maya.lindqvist", max_open_leads=2))
    state = RosterState()
    owners = [assign(plan_for(TEAM), capped, state).owner for _ in range(20)]
    assert owners.count("maya.lindqvist") == 2
    assert state.owners["maya.lindqvist"].open_leads == 2
    result = assign(plan_for(TEAM), capped, state)
    assert result.owner != "maya.lindqvist"
    assert pick_round_robin(capped.team(TEAM), state)[1] == ["maya.lindqvist at cap"]


def test_a_release_frees_a_capped_member(rules_with: RulesWith) -> None:
    capped = rules_with(lambda data: set_member(data, "maya.lindqvist", max_open_leads=1))
    state = RosterState()
    state.owner("maya.lindqvist").open_leads = 1
    assert "maya.lindqvist" not in {assign(plan_for(TEAM), capped, state).owner for _ in range(6)}
    release(state, "maya.lindqvist")
    assert state.owners["maya.lindqvist"].open_leads == 0
    assert "maya.lindqvist" in {assign(plan_for(TEAM), capped, state).owner for _ in range(4)}


def test_release_never_goes_below_zero() -> None:
    state = RosterState()
    release(state, "noah.fischer")
    release(state, None)
    assert state.owner("noah.fischer").open_leads == 0


def test_inactive_members_are_skipped(rules_with: RulesWith) -> None:
    changed = rules_with(lambda data: set_member(data, "maya.lindqvist", active=False))
    state = RosterState()
    picks = {assign(plan_for(TEAM), changed, state).owner for _ in range(12)}
    assert picks == {"noah.fischer", "olga.lindqvist"}


def test_exclude_skips_the_members_named(rules: RoutingRules) -> None:
    state = RosterState()
    excluded = {"maya.lindqvist", "noah.fischer"}
    picks = {assign(plan_for(TEAM), rules, state, exclude=excluded).owner for _ in range(8)}
    assert picks == {"olga.lindqvist"}


def test_exclude_also_blocks_the_preferred_owner(rules: RoutingRules) -> None:
    plan = plan_for("mm-us-east", owner="gita.berg", method="account_owner")
    result = assign(plan, rules, RosterState(), exclude={"gita.berg"})
    assert result.owner != "gita.berg"
    assert result.method == "round_robin"
    assert result.team == "mm-us-east"


def test_a_preferred_owner_gets_the_lead_directly(rules: RoutingRules) -> None:
    state = RosterState()
    plan = plan_for("mm-us-east", owner="gita.berg", method="account_owner")
    result = assign(plan, rules, state)
    assert (result.owner, result.team, result.method) == (
        "gita.berg",
        "mm-us-east",
        "account_owner",
    )
    assert state.owners["gita.berg"].open_leads == 1


def test_an_away_preferred_owner_falls_back_to_round_robin(rules: RoutingRules) -> None:
    state = RosterState()
    state.owner("gita.berg").away = True
    plan = plan_for("mm-us-east", owner="gita.berg", method="account_owner")
    result = assign(plan, rules, state)
    assert result.owner in {"felix.alvarez", "hana.schmidt"}
    assert result.method == "round_robin"
    assert any("gita.berg is away" in r for r in result.reasons)


def block_team(rules: RoutingRules, team: str, state: RosterState) -> None:
    for member in rules.team(team).members:
        state.owner(member.id).away = True


def test_a_blocked_team_uses_its_fallback_chain(rules: RoutingRules) -> None:
    state = RosterState()
    block_team(rules, TEAM, state)
    result = assign(plan_for(TEAM), rules, state)
    assert result.team == REVIEW
    assert result.owner in {m.id for m in rules.team(REVIEW).members}
    assert result.method == "fallback_round_robin"
    assert any(r.startswith(f"No one in {TEAM} can take it") for r in result.reasons)


def test_a_long_chain_skips_every_blocked_team(rules: RoutingRules) -> None:
    assert rules.fallback_chain("enterprise-emea") == ["enterprise-emea", "enterprise-pool", REVIEW]
    state = RosterState()
    block_team(rules, "enterprise-emea", state)
    block_team(rules, "enterprise-pool", state)
    result = assign(plan_for("enterprise-emea"), rules, state)
    assert result.team == REVIEW
    assert result.method == "fallback_round_robin"


def test_a_fully_blocked_chain_leaves_the_lead_unassigned(rules: RoutingRules) -> None:
    state = RosterState()
    block_team(rules, TEAM, state)
    block_team(rules, REVIEW, state)
    result = assign(plan_for(TEAM), rules, state)
    assert result.owner is None
    assert result.method == "unassigned"
    assert result.reasons[-1] == "No one in the fallback chain can take the lead; it needs review"
    assert all(s.open_leads == 0 for s in state.owners.values())


def test_explicit_teams_replace_the_chain(rules: RoutingRules) -> None:
    result = assign(plan_for(TEAM), rules, RosterState(), teams=["partnerships"])
    assert result.team == "partnerships"
    assert result.owner in {"farid.rossi", "grace.liu"}


def test_a_returning_member_gets_no_burst(rules: RoutingRules) -> None:
    """After an absence the member rejoins the rotation at its share, not with a backlog."""
    state = RosterState()
    team = "growth-onboarding"  # two members of weight 1
    for _ in range(7):
        assign(plan_for(team), rules, state)
    state.owner("hugo.rossi").away = True
    while_away = [assign(plan_for(team), rules, state).owner for _ in range(25)]
    assert set(while_away) == {"iris.kim"}
    state.owner("hugo.rossi").away = False
    after = [assign(plan_for(team), rules, state).owner for _ in range(10)]
    assert after.count("hugo.rossi") == 5
    assert "hugo.rossi, hugo.rossi" not in ", ".join(after)


def test_a_returning_heavy_member_gets_no_burst(weighted: RoutingRules) -> None:
    state = RosterState()
    for _ in range(5):
        assign(plan_for(TEAM), weighted, state)
    state.owner("olga.lindqvist").away = True
    for _ in range(50):
        assign(plan_for(TEAM), weighted, state)
    state.owner("olga.lindqvist").away = False
    after = [assign(plan_for(TEAM), weighted, state).owner for _ in range(12)]
    # weight 1 of 6: two of the next twelve, never two in a row
    assert after.count("olga.lindqvist") == 2
    assert "olga.lindqvist, olga.lindqvist" not in ", ".join(after)
    assert after[:6].count("olga.lindqvist") <= 1
