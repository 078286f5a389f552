"""The facts a lead's life leaves for analytics: one row per lead, one per step.

No personal data beyond the lead id (a keyed hash): no email, no name, no company, so
the facts stay readable where the workflow's payloads are encrypted.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

DEMO_REQUEST = "demo_request"
REASSIGN_KINDS = ("escalation", "manual", "owner_unavailable")


class StepFact(BaseModel):
    """One change of hands (kind as `Decision.kind`), or the first action (`action`)."""

    step: int
    kind: str
    at: datetime
    owner: str | None
    team: str | None
    method: str  # account_owner, round_robin, fallback_round_robin, manual, unassigned...
    escalation_level: int
    sla_due_at: datetime | None = None


class LeadFacts(BaseModel):
    """The lead as analytics sees it now; a later `revision` replaces an earlier one."""

    lead_id: str
    revision: int
    submitted_at: datetime
    day: str  # the UTC day of submission, YYYY-MM-DD
    lead_type: str
    source: str
    utm_campaign: str | None
    tier: str | None
    rule: str | None  # the deciding rule
    rules_version: str | None
    account_matched: bool
    size_known: bool
    industry_known: bool
    country_known: bool
    status: str
    team: str | None  # where routing first sent it
    owner: str | None
    method: str | None
    assigned_at: datetime | None  # first owner
    sla_due_at: datetime | None
    escalation_level: int  # the highest reached (4: nobody found, in review)
    escalations: int
    manual_reassigns: int
    away_reassigns: int
    misroutes: int = 0  # rep feedback: routed again, the owner said it was misrouted
    first_action_at: datetime | None = None
    first_action_kind: str | None = None
    action_owner: str | None = None
    time_to_assign_ms: int | None = None
    time_to_first_action_ms: int | None = None  # from the acting owner's assignment
    business_time_to_first_action_ms: int | None = None  # in that owner's hours
    speed_to_lead_ms: int | None = None  # submitted -> first action
    sla_met: bool | None = None  # None: no SLA, or not decided yet
    steps: list[StepFact] = Field(default_factory=list)
