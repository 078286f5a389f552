"""Types and small helpers the test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from domain.assign import RosterState
from domain.models import Account, Company, RoutingDecision, RoutingPlan
from domain.rules import RoutingRules


class RouteFn(Protocol):
    def __call__(
        self,
        submission: Mapping[str, Any],
        *,
        companies: Iterable[Company] = (),
        accounts: Iterable[Account] = (),
        state: RosterState | None = None,
        rules: RoutingRules | None = None,
    ) -> RoutingDecision: ...


RulesWith = Callable[[Callable[[dict[str, Any]], None]], RoutingRules]


def first_round_robin_pick(rules: RoutingRules, team_id: str) -> str:
    """Smooth weighted round-robin from a fresh state picks the heaviest member, roster order
    breaking ties (the documented algorithm in domain/assign.py)."""
    members = rules.team(team_id).members
    heaviest = max(m.weight for m in members)
    return next(m.id for m in members if m.weight == heaviest)


def set_member(data: dict[str, Any], member_id: str, **changes: Any) -> None:
    """Change one member of the roster in a plain-data copy of the rules."""
    for team in data["teams"]:
        for member in team["members"]:
            if member["id"] == member_id:
                member.update(changes)
                return
    raise AssertionError(f"no member {member_id} in the roster")


async def until_true(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Wait until `check()` holds, looking every 20 ms; fail saying what was awaited."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        await asyncio.sleep(0.02)


def plan_for(team: str = "sdr-pool", owner: str | None = None) -> RoutingPlan:
    """A plan for `team` (sdr-pool: maya.lindqvist weight 2, noah.fischer 1, olga.lindqvist
    1; cap 60), with a preferred owner as an account owner would be."""
    return RoutingPlan(
        rules_version="test", rule_ids=["test"], team=team, preferred_owner=owner,
        owner_method="account_owner" if owner else None, sla_seconds=900, reasons=[],
    )  # fmt: skip
