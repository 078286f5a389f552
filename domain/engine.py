"""One call that routes an enriched lead end to end, for the CLI, simulate and tests."""

from __future__ import annotations

from domain.assign import RosterState, assign
from domain.classify import classify
from domain.models import Enrichment, Lead, RoutingDecision
from domain.plan import plan
from domain.rules import RoutingRules

_FROM_CLASSIFICATION = ("lead_type", "intent", "tier", "fit", "territory")
_FROM_ASSIGNMENT = ("team", "owner", "method")


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
        **{name: getattr(cls, name) for name in _FROM_CLASSIFICATION},
        **{name: getattr(assignment, name) for name in _FROM_ASSIGNMENT},
        sla_seconds=routing.sla_seconds,
        rule_ids=routing.rule_ids,
        reasons=routing.reasons + assignment.reasons,
        warnings=lead.warnings + enrichment.warnings,
    )
