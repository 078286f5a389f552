"""The team page's view: each member's load against their cap, weight, hours and
availability, and the team's fairness (actual against target share of round-robin)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.analytics.fairness import TeamFairness
from domain.assign import RosterState
from domain.rules import RoutingRules


@dataclass(frozen=True)
class MemberRow:
    id: str
    name: str
    weight: int
    open_leads: int
    cap: int
    hours: str
    timezone: str
    away: bool
    active: bool
    share: float | None  # of the team's round-robin leads; None before any
    target: float | None

    @property
    def load(self) -> float:
        """Open leads over the cap, for the load bar (0..1)."""
        return min(1.0, self.open_leads / self.cap) if self.cap else 1.0


@dataclass(frozen=True)
class TeamRow:
    id: str
    name: str
    fallback: str | None
    members: list[MemberRow]
    round_robin_leads: int
    max_gap: float | None


def team_view(
    rules: RoutingRules, state: RosterState, fairness: list[TeamFairness]
) -> list[TeamRow]:
    shares = {f.team: f for f in fairness}
    teams = []
    for team in rules.teams:
        fair = shares.get(team.id)
        by_member = {m.id: m for m in fair.members} if fair else {}
        members = []
        for member in team.members:
            owner = state.owners.get(member.id)
            hours = rules.hours_of_member(member.id)
            share = by_member.get(member.id)
            members.append(
                MemberRow(
                    id=member.id,
                    name=member.name,
                    weight=member.weight,
                    open_leads=owner.open_leads if owner else 0,
                    cap=member.max_open_leads,
                    hours=f"{hours.start:%H:%M}-{hours.end:%H:%M}",
                    timezone=hours.timezone,
                    away=owner.away if owner else False,
                    active=member.active,
                    share=share.share if share else None,
                    target=share.target if share else None,
                )
            )
        teams.append(
            TeamRow(
                id=team.id,
                name=team.name,
                fallback=team.fallback,
                members=members,
                round_robin_leads=fair.leads if fair else 0,
                max_gap=fair.max_gap if fair else None,
            )
        )
    return teams
