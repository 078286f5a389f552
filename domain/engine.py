"""One call that routes an enriched lead end to end, for the CLI, simulate and tests."""

from __future__ import annotations

from datetime import datetime

from domain.assign import RosterState, assign
from domain.classify import classify
from domain.models import Assignment, Enrichment, Lead, RoutingDecision
from domain.plan import plan
from domain.rules import RoutingRules

_FROM_CLASSIFICATION = ("lead_type", "intent", "tier", "fit", "territory")
_FROM_ASSIGNMENT = ("team", "owner", "method")
_FROM_PLAN = ("sla_seconds", "rule_ids", "score", "score_band", "suppressed", "track")
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
    return RoutingDecision(
        lead_id=lead.lead_id,
        email=lead.email,
        rules_version=rules.version,
        **{name: getattr(cls, name) for name in _FROM_CLASSIFICATION},
        **{name: getattr(assignment, name) for name in _FROM_ASSIGNMENT},
        **{name: getattr(routing, name) for name in _FROM_PLAN},
        reasons=routing.reasons + assignment.reasons,
        warnings=lead.warnings + enrichment.warnings,
    )
