"""Rep feedback: a lead `rejected` (closed with a reason code) or `misrouted` (routed
again with the rep's override: a team, or a territory for the deciding rule's team
template). Both are corrections: analytics counts them toward the correction rate the
routing guides hold under 3%. The reason codes are the rules file's `feedback_reasons`."""

from __future__ import annotations

from datetime import datetime

from domain.lifecycle import LeadLife, Misroute
from domain.models import Assignment
from domain.ownership import AssignAsk, NotifyAsk, ask_assignment, pinned, take
from domain.rules import RoutingRules

MISROUTED = "misrouted"  # the decision's kind


def reason_refusal(rules: RoutingRules | None, reason: str | None) -> str | None:
    """None when `reason` is one of the rules' reason codes."""
    codes = rules.feedback_reasons if rules is not None else []
    if reason in codes:
        return None
    given = "no reason" if not reason else f"reason {reason!r}"
    return f"{given}: give one of {', '.join(codes)} (the rules file's feedback_reasons)"


def override_team(life: LeadLife, misroute: Misroute) -> str | None:
    """The team the rep's override names, or None (then `override_refusal` says why)."""
    rules, routing = pinned(life)
    if misroute.team:
        return misroute.team if rules.has_team(misroute.team) else None
    template = _deciding_template(rules, routing.rule_ids)
    if misroute.territory and template and "{territory}" in template:
        team = template.replace("{territory}", misroute.territory)
        return team if rules.has_team(team) else None
    return None


def override_refusal(life: LeadLife, misroute: Misroute) -> str | None:
    """Why the override cannot route the lead (None: it can)."""
    rules, routing = pinned(life)
    if not misroute.team and not misroute.territory:
        return "name where it belongs: a team, or a territory"
    if misroute.team and not rules.has_team(misroute.team):
        return f"team {misroute.team!r} is not in the roster"
    if misroute.team is None:
        template = _deciding_template(rules, routing.rule_ids)
        if not template or "{territory}" not in template:
            rule = routing.rule_ids[0] if routing.rule_ids else "no rule"
            return f"the deciding rule ({rule}) does not route by territory: name a team"
        known = [t.id for t in rules.territories]
        if misroute.territory not in known:
            return f"territory {misroute.territory!r} is not one of {', '.join(known)}"
        if override_team(life, misroute) is None:
            return f"no team {template.replace('{territory}', str(misroute.territory))}"
    if override_team(life, misroute) == life.team:
        return f"the lead is with {life.team} already"
    return None


def reroute(life: LeadLife, misroute: Misroute) -> AssignAsk:
    """Round-robin in the team the rep named (then its fallbacks), never back to them."""
    rules, routing = pinned(life)
    team = override_team(life, misroute)
    assert team is not None, "refused by the update's validator"
    life.step += 1
    chain = rules.fallback_chain(team)
    return ask_assignment(
        life,
        routing.model_copy(update={"team": team, "preferred_owner": None}),
        f"misrouted ({misroute.reason}): round-robin in {' -> '.join(chain)}",
        teams=chain,
        exclude=life.missed + life.unavailable,
    )


def rerouted(
    life: LeadLife, misroute: Misroute, assignment: Assignment, now: datetime
) -> NotifyAsk:
    """The new owner gets the lead with the SLA it had; the correction is its decision."""
    said = f": {misroute.note}" if misroute.note else ""
    why = f"Misrouted per {misroute.owner_id} ({misroute.reason}){said}"
    return take(life, assignment, MISROUTED, life.sla_seconds, [why], now)


def _deciding_template(rules: RoutingRules, rule_ids: list[str]) -> str | None:
    deciding = next((rule for rule in rules.rules if rule_ids and rule.id == rule_ids[0]), None)
    return deciding.team if deciding is not None else None
