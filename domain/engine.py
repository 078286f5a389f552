"""One call that routes an enriched lead end to end, for the CLI, simulate and tests."""

from __future__ import annotations

from domain.assign import RosterState, assign
from domain.classify import classify
from domain.models import Enrichment, Lead, RoutingDecision
from domain.plan import plan
from domain.rules import RoutingRules


def decide(
    lead: Lead, enrichment: Enrichment, rules: RoutingRules, state: RosterState
) -> RoutingDecision:
    cls = classify(lead, enrichment, rules)
    routing = plan(lead, enrichment, cls, rules)
    assignment = assign(routing, rules, state)
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
        reasons=routing.reasons + assignment.reasons,
        warnings=lead.warnings + enrichment.warnings,
    )
