"""Who holds a lead: the assignment, release and notification steps the workflow
runs for it, and what a new owner means for the lead's status and SLA deadline.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain import texts
from domain.analytics.record import lead_facts
from domain.handoff import address_of, handoff
from domain.lifecycle import (
    AssignRequest,
    Decision,
    EscalationStep,
    LeadLife,
    LeadStatus,
    ManualAssignment,
    Notification,
    ReleaseRequest,
)
from domain.models import Assignment, RoutingPlan
from domain.rules import RoutingRules
from domain.sla import business_deadline


class AssignAsk(BaseModel):
    """An assignment for the workflow to make, and how the Web UI names it."""

    request: AssignRequest
    summary: str


class ManualAsk(BaseModel):
    request: ManualAssignment
    summary: str


class ReleaseAsk(BaseModel):
    request: ReleaseRequest
    summary: str


class NotifyAsk(BaseModel):
    notification: Notification
    summary: str


class EscalationAttempt(BaseModel):
    """One step of the ladder being tried: kept only if it finds an owner."""

    step: EscalationStep
    ask: AssignAsk


def pinned(life: LeadLife) -> tuple[RoutingRules, RoutingPlan]:
    """The lead's pinned rules and its plan, once routed."""
    if life.rules is None or life.plan is None:
        raise ValueError(f"lead {life.lead.lead_id} is not routed yet")
    return life.rules, life.plan


def release(life: LeadLife, now: datetime | None = None) -> ReleaseAsk | None:
    """Free the current owner's open-lead count, if anyone holds the lead; once the
    owner acted (at `now`), the release carries the lead's final facts."""
    if life.owner is None:
        return None
    facts = lead_facts(life, now) if life.action is not None else None
    return ReleaseAsk(
        request=ReleaseRequest(lead_id=life.lead.lead_id, step=life.step, facts=facts),
        summary=texts.release_summary(life.owner),
    )


def ask_assignment(
    life: LeadLife,
    routing: RoutingPlan,
    summary: str,
    *,
    teams: list[str] | None = None,
    exclude: list[str] | None = None,
) -> AssignAsk:
    request = AssignRequest(
        lead_id=life.lead.lead_id, step=life.step, plan=routing, exclude=exclude or [], teams=teams
    )
    return AssignAsk(request=request, summary=summary)


def ask_notification(
    life: LeadLife, kind: str, recipient: str | None, text: str, summary: str | None = None
) -> NotifyAsk:
    note = Notification(
        lead_id=life.lead.lead_id,
        step=life.step,
        kind=kind,
        recipient=recipient,
        text=text,
        facts=lead_facts(life),
        context=handoff(life),
        address=address_of(life.rules, recipient),
    )
    return NotifyAsk(notification=note, summary=texts.notify_summary(recipient, kind, summary))


def take(
    life: LeadLife,
    assignment: Assignment,
    kind: str,
    sla_seconds: int | None,
    extra_reasons: list[str],
    now: datetime,
) -> NotifyAsk:
    """Record who holds the lead now and start their SLA clock; whom to tell."""
    rules, routing = pinned(life)
    life.owner, life.team = assignment.owner, assignment.team
    life.sla_seconds = sla_seconds
    if assignment.owner is None:
        life.status, life.deadline = LeadStatus.unowned_review, None
    elif sla_seconds is None:
        life.status, life.deadline = LeadStatus.onboarding, None
    else:
        life.status = LeadStatus.waiting_first_action
        life.deadline = business_deadline(now, sla_seconds, rules.hours_of_member(assignment.owner))
    reasons = extra_reasons + assignment.reasons
    life.decisions.append(
        Decision(
            step=life.step,
            kind=kind,
            at=now,
            owner=assignment.owner,
            team=assignment.team,
            method=assignment.method,
            escalation_level=life.level,
            sla_seconds=sla_seconds,
            sla_due_at=life.deadline,
            rules_version=rules.version,
            rule_ids=routing.rule_ids,
            reasons=reasons,
        )
    )
    if assignment.owner is None:
        review_lead = rules.team(rules.escalation.review_team).lead
        text = texts.unowned_text(life.lead.lead_id, reasons[-1])
        return ask_notification(life, "unowned_alert", review_lead, text)
    due = texts.due_text(life.deadline, rules.hours_of_member(assignment.owner).timezone)
    return ask_notification(
        life,
        "assigned",
        assignment.owner,
        texts.assigned_text(
            life.lead, assignment, due, kind, life.missed[-1] if life.missed else None
        ),
        texts.assigned_summary(assignment, due),
    )
