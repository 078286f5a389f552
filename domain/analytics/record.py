"""The facts of a lead, read off its life: what a notification (at each handover) and
the last release (at the first action) carry to the app database."""

from __future__ import annotations

from datetime import datetime

from domain.analytics.facts import LeadFacts, StepFact
from domain.lifecycle import LeadLife
from domain.sla import business_seconds


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def lead_facts(life: LeadLife, acted_at: datetime | None = None) -> LeadFacts | None:
    """None until the lead is routed and has a submission time."""
    if life.submitted_at is None or life.rules is None or life.plan is None:
        return None
    if not life.decisions or life.enrichment is None:
        return None
    lead, plan, enrichment, decisions = life.lead, life.plan, life.enrichment, life.decisions
    first = decisions[0]
    owned = next((d for d in decisions if d.owner is not None), None)
    kinds = [d.kind for d in decisions]
    steps = [
        StepFact(
            step=d.step,
            kind=d.kind,
            at=d.at,
            owner=d.owner,
            team=d.team,
            method=d.method,
            escalation_level=d.escalation_level,
            sla_due_at=d.sla_due_at,
        )
        for d in decisions
    ]
    facts = LeadFacts(
        lead_id=lead.lead_id,
        revision=2 * len(decisions),
        submitted_at=life.submitted_at,
        day=life.submitted_at.date().isoformat(),
        lead_type=lead.lead_type.value,
        source=lead.source,
        utm_campaign=lead.utm_campaign,
        tier=life.classification.tier.value
        if life.classification and life.classification.tier
        else None,
        rule=plan.rule_ids[0] if plan.rule_ids else None,
        rules_version=life.rules.version,
        account_matched=enrichment.account is not None,
        size_known=enrichment.firmographics.employees is not None,
        industry_known=enrichment.firmographics.industry is not None,
        country_known=enrichment.firmographics.country is not None,
        status=life.status.value,
        team=first.team,
        owner=first.owner,
        method=first.method,
        assigned_at=owned.at if owned else None,
        sla_due_at=first.sla_due_at,
        escalation_level=max(d.escalation_level for d in decisions),
        escalations=kinds.count("escalation"),
        manual_reassigns=kinds.count("manual"),
        away_reassigns=kinds.count("owner_unavailable"),
        misroutes=kinds.count("misrouted"),
        time_to_assign_ms=_ms((owned.at - life.submitted_at).total_seconds()) if owned else None,
        sla_met=False if "escalation" in kinds else None,
        steps=steps,
    )
    if life.action is None or acted_at is None:
        return facts
    return _with_action(life, facts, acted_at)


def _with_action(life: LeadLife, facts: LeadFacts, acted_at: datetime) -> LeadFacts:
    assert life.rules is not None and life.action is not None
    current = life.decisions[-1]
    owner = life.action.owner_id
    due = current.sla_due_at
    facts.revision += 1
    facts.status = "actioned"
    facts.first_action_at = acted_at
    facts.first_action_kind = life.action.action.value
    facts.action_owner = owner
    facts.time_to_first_action_ms = _ms((acted_at - current.at).total_seconds())
    hours = life.rules.hours_of_member(owner)
    facts.business_time_to_first_action_ms = _ms(business_seconds(current.at, acted_at, hours))
    facts.speed_to_lead_ms = _ms((acted_at - facts.submitted_at).total_seconds())
    if facts.sla_met is None and due is not None:
        facts.sla_met = acted_at <= due
    facts.steps.append(
        StepFact(
            step=current.step,
            kind="action",
            at=acted_at,
            owner=owner,
            team=current.team,
            method=facts.first_action_kind,
            escalation_level=current.escalation_level,
        )
    )
    return facts
