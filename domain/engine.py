"""One call that routes an enriched lead end to end, for the CLI, simulate and tests."""

from __future__ import annotations

from datetime import datetime

from domain.assign import RosterState, assign
from domain.classify import classify
from domain.models import Assignment, Enrichment, Lead, RoutingDecision
from domain.plan import plan
from domain.rules import RoutingRules

SUPPRESSED = Assignment(owner=None, team=None, method="suppressed")


def decide(
    lead: Lead,
    enrichment: Enrichment,
    rules: RoutingRules,
    state: RosterState,
    at: datetime | None = None,
) -> RoutingDecision:
    """`at`: when the lead reached us (time-boxed rules read `submitted_at` first)."""
    cls = classify(lead, enrichment, rules)
    routing = plan(lead, enrichment, cls, rules, at)
    if routing.suppressed:
        assignment = SUPPRESSED
    else:
        assignment = assign(routing, rules, state, lead_id=lead.lead_id)
    # each field named (not copied by name lists through getattr): this runs for every lead
    return RoutingDecision(
        lead_id=lead.lead_id,
        email=lead.email,
        rules_version=rules.version,
        lead_type=cls.lead_type,
        intent=cls.intent,
        tier=cls.tier,
        fit=cls.fit,
        territory=cls.territory,
        team=assignment.team,
        owner=assignment.owner,
        method=assignment.method,
        sla_seconds=routing.sla_seconds,
        rule_ids=routing.rule_ids,
        score=routing.score,
        score_band=routing.score_band,
        suppressed=routing.suppressed,
        track=routing.track,
        reasons=routing.reasons + assignment.reasons,
        warnings=lead.warnings + enrichment.warnings,
    )
