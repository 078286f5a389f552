"""Assignment: direct owners, then weighted round-robin through the fallback chain.

Round-robin is smooth weighted round-robin (as in nginx): each pick, every
eligible member gains its weight, the highest wins (ties go to roster order)
and pays back the total. Members who are away or at their cap neither gain nor
pay, so they get no burst of leads when they come back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.models import Assignment, RoutingPlan
from domain.rules import Member, RoutingRules, Team


@dataclass
class OwnerState:
    open_leads: int = 0
    away: bool = False


def away_at(away: bool, start: datetime | None, until: datetime | None, at: datetime) -> bool:
    """Whether an owner marked `away` is away at `at`: always without a window, else only
    from `start` (open: already) until `until` (open: until they are back)."""

    def utc(moment: datetime) -> datetime:  # SQLite hands back naive UTC
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    if not away:
        return False
    if start is not None and utc(at) < utc(start):
        return False
    return until is None or utc(at) < utc(until)


@dataclass
class RosterState:
    """The mutable side of the roster: load, availability and round-robin position."""

    owners: dict[str, OwnerState] = field(default_factory=dict)
    rr: dict[str, dict[str, int]] = field(default_factory=dict)
    # company domain -> (lead id, owner) of its latest assignment (owner: domain_owner)
    domains: dict[str, tuple[str, str]] = field(default_factory=dict)

    def owner(self, owner_id: str) -> OwnerState:
        state = self.owners.get(owner_id)
        if state is None:
            state = self.owners[owner_id] = OwnerState()
        return state


def _blocked(member: Member, state: RosterState, exclude: Collection[str]) -> str | None:
    if not member.active:
        return "inactive"
    if member.id in exclude:
        return "already missed the SLA"
    owner = state.owner(member.id)
    if owner.away:
        return "away"
    if owner.open_leads >= member.max_open_leads:
        return "at cap"
    return None


def pick_round_robin(
    team: Team, state: RosterState, exclude: Collection[str] = ()
) -> tuple[Member | None, list[str]]:
    """Choose the next member of `team`; also says why each skipped member was skipped."""
    eligible: list[Member] = []
    skipped: list[str] = []
    for member in team.members:
        why = _blocked(member, state, exclude)
        if why:
            skipped.append(f"{member.id} {why}")
        else:
            eligible.append(member)
    if not eligible:
        return None, skipped
    current = state.rr.setdefault(team.id, {})
    total = 0
    best: Member | None = None
    best_value = 0
    for member in eligible:
        value = current.get(member.id, 0) + member.weight
        current[member.id] = value
        total += member.weight
        if best is None or value > best_value:
            best, best_value = member, value
    assert best is not None
    current[best.id] -= total
    return best, skipped


def assign(
    plan: RoutingPlan,
    rules: RoutingRules,
    state: RosterState,
    *,
    exclude: Collection[str] = (),
    teams: Iterable[str] | None = None,
    lead_id: str | None = None,
) -> Assignment:
    """Pick an owner for the plan and record the load in `state` (the caller persists it).

    `exclude` holds owners who may not get the lead (they already missed its SLA);
    `teams` overrides the teams to try, in order (the default: the plan's fallback chain).
    """
    result = _choose(plan, rules, state, exclude, teams, lead_id)
    if plan.company_domain and result.owner and lead_id:
        state.domains[plan.company_domain] = (lead_id, result.owner)
    return result


def _same_company(
    plan: RoutingPlan,
    rules: RoutingRules,
    state: RosterState,
    lead_id: str | None,
    exclude: Collection[str],
) -> Assignment | None:
    """`owner: domain_owner`: the owner of the company's latest other lead keeps it."""
    known = state.domains.get(plan.company_domain) if plan.company_domain else None
    if known is None or known[0] == lead_id:
        return None
    other, owner_id = known
    member = rules.member(owner_id)
    if member is None or not member.active or owner_id in exclude or state.owner(owner_id).away:
        return None
    state.owner(owner_id).open_leads += 1
    why = f"Same company as {other} ({plan.company_domain}): kept with {owner_id}"
    return Assignment(
        owner=owner_id, team=rules.team_of(owner_id), method="domain_owner", reasons=[why]
    )


def _choose(
    plan: RoutingPlan,
    rules: RoutingRules,
    state: RosterState,
    exclude: Collection[str],
    teams: Iterable[str] | None,
    lead_id: str | None,
) -> Assignment:
    if plan.owner_method == "domain_owner" and teams is None:
        kept = _same_company(plan, rules, state, lead_id, exclude)
        if kept is not None:
            return kept
    reasons: list[str] = []
    owner_id = plan.preferred_owner
    if owner_id and owner_id not in exclude:
        member = rules.member(owner_id)
        owner = state.owner(owner_id)
        if member is not None and member.active and not owner.away:
            owner.open_leads += 1
            method = plan.owner_method or "direct"
            reasons.append(f"Assigned to {owner_id}, the {method.replace('_', ' ')}")
            return Assignment(owner=owner_id, team=plan.team, method=method, reasons=reasons)
        reasons.append(f"{owner_id} is away; round-robin in {plan.team} instead")
    chain = list(teams) if teams is not None else rules.fallback_chain(plan.team)
    for step, team_id in enumerate(chain):
        team = rules.team(team_id)
        member, skipped = pick_round_robin(team, state, exclude)
        if member is None:
            reasons.append(f"No one in {team_id} can take it ({'; '.join(skipped)})")
            continue
        owner = state.owner(member.id)
        owner.open_leads += 1
        method = "round_robin" if step == 0 else "fallback_round_robin"
        reasons.append(
            f"Round-robin in {team_id} chose {member.id} "
            f"(weight {member.weight}, {owner.open_leads}/{member.max_open_leads} open leads)"
        )
        return Assignment(owner=member.id, team=team_id, method=method, reasons=reasons)
    reasons.append("No one in the fallback chain can take the lead; it needs review")
    return Assignment(owner=None, team=plan.team, method="unassigned", reasons=reasons)


def release(state: RosterState, owner_id: str | None) -> None:
    """The owner actioned the lead or lost it: one fewer open lead."""
    if owner_id:
        owner = state.owner(owner_id)
        owner.open_leads = max(0, owner.open_leads - 1)
