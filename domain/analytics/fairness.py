"""Fairness of round-robin: each member's share of a team's round-robin leads against
their weight's share of the team. Account-owner, named-account and manual assignments
are chosen by rule or by a person, not by the rotation, so they are left out."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

ROUND_ROBIN_METHODS = ("round_robin", "fallback_round_robin")


class MemberShare(BaseModel):
    id: str
    leads: int
    share: float  # of the team's round-robin leads
    target: float  # the member's weight over the team's total weight


class TeamFairness(BaseModel):
    team: str
    leads: int
    max_gap: float  # the largest |share - target| in the team
    members: list[MemberShare]


def team_fairness(
    team: str, counts: Mapping[str, int], weights: Mapping[str, float]
) -> TeamFairness:
    """`counts`: round-robin leads per owner; `weights`: the team's active members' weights
    (an owner with leads but no weight now, say someone who left, has a target of 0)."""
    total = sum(counts.values())
    weight_total = sum(w for w in weights.values() if w > 0)
    members = []
    for owner in [*weights, *sorted(set(counts) - set(weights))]:
        leads = counts.get(owner, 0)
        weight = weights.get(owner, 0.0)
        members.append(
            MemberShare(
                id=owner,
                leads=leads,
                share=leads / total if total else 0.0,
                target=weight / weight_total if weight_total and weight > 0 else 0.0,
            )
        )
    gap = max((abs(m.share - m.target) for m in members), default=0.0) if total else 0.0
    return TeamFairness(team=team, leads=total, max_gap=gap, members=members)


def fairness(
    counts: Mapping[str, Mapping[str, int]], weights: Mapping[str, Mapping[str, float]]
) -> list[TeamFairness]:
    """One entry per team that had round-robin leads, by team id."""
    return [team_fairness(t, counts[t], weights.get(t, {})) for t in sorted(counts)]
