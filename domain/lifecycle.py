"""The lead's life after routing: workflow inputs, messages, the lead's state, status
and outcome, and the escalation ladder walked when an owner misses the SLA.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from domain.analytics.facts import LeadFacts
from domain.crm import Crm, CrmSync
from domain.models import Assignment, Classification, Enrichment, Lead, RoutingPlan
from domain.rules import RoutingRules


class LeadStatus(StrEnum):
    routing = "routing"
    waiting_first_action = "waiting_first_action"
    onboarding = "onboarding"
    unowned_review = "unowned_review"
    actioned = "actioned"
    suppressed = "suppressed"  # no owner, no SLA: on a nurture track


class FirstActionKind(StrEnum):
    first_touch = "first_touch"
    meeting_booked = "meeting_booked"
    disqualified = "disqualified"
    rejected = "rejected"  # rep feedback: not theirs to work, with a reason code


class Submission(BaseModel):
    """One delivery of a form: the workflow's input, and the signal for a resubmission."""

    submission_id: str
    lead: Lead
    received_at: datetime | None = None
    crm: Crm | None = None  # the CRM the edge that took it writes owners to


class FirstAction(BaseModel):
    owner_id: str
    action: FirstActionKind = FirstActionKind.first_touch
    via: str | None = None  # where it was seen, say "hubspot event 42"
    reason: str | None = None  # `rejected`: a reason code of the rules' feedback_reasons
    note: str | None = None  # the rep's own words


class Misroute(BaseModel):
    """Rep feedback: the lead should have gone elsewhere; routed again with the override
    (a team, or a territory for the deciding rule's team template)."""

    owner_id: str
    reason: str
    note: str | None = None
    team: str | None = None
    territory: str | None = None


class ReassignRequest(BaseModel):
    owner_id: str
    reason: str = Field(min_length=1)


class OwnerUnavailable(BaseModel):
    owner_id: str
    reason: str = "owner unavailable"


class AssignRequest(BaseModel):
    lead_id: str
    step: int
    plan: RoutingPlan
    exclude: list[str] = Field(default_factory=list)
    teams: list[str] | None = None


class ManualAssignment(BaseModel):
    lead_id: str
    step: int
    assignment: Assignment
    company_domain: str | None = None  # remembered with it, as the routed owner's is


class ReleaseRequest(BaseModel):
    lead_id: str
    step: int
    facts: LeadFacts | None = None  # at the first action: written with the release


class Address(BaseModel):
    """Where a roster member hears of a lead: their Slack user and email, and which of
    those channels they chose (`notify_via` in the roster)."""

    slack_user_id: str | None = None
    email: str | None = None
    via: Literal["slack", "email", "both"] = "slack"


class Handoff(BaseModel):
    """What a rep needs to act on a lead in one glance: the assignment notification,
    `lead-router status` and `GET /leads/{id}` all carry it (`domain.handoff` builds it,
    `domain.texts.handoff_lines` words it)."""

    lead_id: str
    name: str | None
    title: str | None
    email: str
    company: str | None
    company_size: int | None
    industry: str | None
    country: str | None
    lead_type: str
    tier: str | None
    source: str
    utm_campaign: str | None
    page: str | None
    message: str | None
    rule_ids: list[str]
    reasons: list[str]
    owner: str | None
    owner_timezone: str | None  # the SLA deadline is shown in this zone
    due_at: datetime | None
    missed_by: str | None = None  # on an escalation: who missed it, and since when
    missed_since: datetime | None = None
    crm: str | None = None
    crm_record_id: str | None = None


class Notification(BaseModel):
    """A message to an owner (or an alert to a team lead), sent once per key."""

    lead_id: str
    step: int
    kind: str  # "assigned", "escalation_alert", "unowned_alert", "reassigned"
    recipient: str | None
    text: str
    facts: LeadFacts | None = None  # the lead's analytics facts, written with the outbox row
    context: Handoff | None = None
    address: Address | None = None


class Decision(BaseModel):
    """One entry of the lead's story: who got it, why, and until when."""

    step: int
    kind: str  # initial, escalation, manual, owner_unavailable, trial_activation
    at: datetime
    owner: str | None
    team: str | None
    method: str
    escalation_level: int
    sla_seconds: int | None
    sla_due_at: datetime | None
    rules_version: str
    rule_ids: list[str]
    reasons: list[str]


class Resubmission(BaseModel):
    submission_id: str
    at: datetime
    lead_type: str
    tightened_sla: bool


class LeadState(BaseModel):
    """What the `status` query answers."""

    lead_id: str
    status: LeadStatus
    lead_type: str
    tier: str | None
    team: str | None
    owner: str | None
    sla_due_at: datetime | None
    escalation_level: int
    rule_ids: list[str]
    rules_version: str | None
    missed_by: list[str]
    decisions: list[Decision]
    resubmissions: list[Resubmission]
    first_action: str | None = None
    first_action_reason: str | None = None  # a rejection's reason code
    warnings: list[str] = Field(default_factory=list)  # the input's, as `route` reports them
    crm_sync: CrmSync | None = None
    score: int | None = None
    score_band: str | None = None
    track: str | None = None
    handoff: Handoff | None = None


class Outcome(BaseModel):
    lead_id: str
    status: LeadStatus
    owner: str | None
    team: str | None
    action: str
    reason: str | None = None  # a rejection's reason code
    time_to_first_action_seconds: float
    escalation_level: int
    reassignments: list[Decision]
    decisions: list[Decision]


class LeadLife(BaseModel):
    """Everything the lead's workflow knows about it; `domain.lead_life` says how each
    event changes it. `rules` are the lead's pinned rules, shared (frozen) between leads."""

    lead: Lead
    submitted_at: datetime | None = None
    status: LeadStatus = LeadStatus.routing
    arrived_at: datetime | None = None  # when it reached us: time-boxed rules judge it then
    rules: RoutingRules | None = None
    enrichment: Enrichment | None = None
    classification: Classification | None = None
    plan: RoutingPlan | None = None
    owner: str | None = None
    team: str | None = None
    home_team: str | None = None  # where the escalation ladder starts
    deadline: datetime | None = None
    sla_seconds: int | None = None
    step: int = 0  # one per owner change: the key of its ledger row and notifications
    level: int = 0
    ladder_index: int = 0
    missed: list[str] = Field(default_factory=list)
    unavailable: list[str] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    resubmissions: list[Resubmission] = Field(default_factory=list)
    action: FirstAction | None = None
    crm: Crm | None = None
    crm_sync: CrmSync | None = None


class EscalationStep(BaseModel):
    level: int
    teams: list[str]
    alert_team_lead: bool = False
    reason: str


def escalation_ladder(rules: RoutingRules, team: str) -> list[EscalationStep]:
    """Where a lead goes after each missed SLA, starting from the team that holds it.

    1. the next eligible member of the same team, 2. the team's fallback teams,
    3. the review team, with an alert to its team lead. Empty steps are left out.
    """
    review = rules.escalation.review_team
    fallbacks = [t for t in rules.fallback_chain(team)[1:] if t != review]
    steps = [
        EscalationStep(level=1, teams=[team], reason=f"next eligible member of {team}"),
        EscalationStep(level=2, teams=fallbacks, reason=f"fallback team(s) of {team}"),
        EscalationStep(
            level=3,
            teams=[review],
            alert_team_lead=True,
            reason=f"{review}, with an alert to its team lead",
        ),
    ]
    if team == review:
        steps = steps[:1]
        steps[0].alert_team_lead = True
    return [s for s in steps if s.teams]


def escalation_sla(rules: RoutingRules, plan: RoutingPlan, step: EscalationStep) -> int | None:
    """Each step keeps the lead's SLA; the review step uses the review SLA."""
    if step.alert_team_lead:
        return rules.review_sla_seconds()
    return plan.sla_seconds


def classification_summary(lead: Lead, cls: Classification, enrichment: Enrichment) -> str:
    company = enrichment.firmographics.company_name or enrichment.company_domain or "unknown"
    tier = cls.tier.value if cls.tier else "unknown tier"
    return f"{lead.lead_type.value} from {company} ({tier})"
