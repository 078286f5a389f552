"""The nouns of lead routing: leads, enrichment, classification and decisions.

Everything here is plain data that crosses activity and workflow boundaries, so
it stays JSON-friendly and small.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class LeadType(StrEnum):
    demo_request = "demo_request"
    contact_sales = "contact_sales"
    pricing = "pricing"
    trial_signup = "trial_signup"
    webinar = "webinar"
    content_download = "content_download"
    newsletter = "newsletter"
    partner_inquiry = "partner_inquiry"


class Tier(StrEnum):
    enterprise = "enterprise"
    mid_market = "mid_market"
    self_serve = "self_serve"


class Intent(StrEnum):
    high = "high"
    low = "low"
    neutral = "neutral"


class Fit(StrEnum):
    strong = "strong"
    medium = "medium"
    weak = "weak"
    unknown = "unknown"


class FieldSource(StrEnum):
    """Where an enriched value came from; the form always wins over a lookup."""

    form = "form"
    companies = "companies"
    crm = "crm"
    email = "email"


class Lead(BaseModel):
    """A normalized form submission: the input of every routing step."""

    model_config = ConfigDict(frozen=True)

    lead_id: str
    email: str
    email_domain: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    company_size: int | None = None
    industry: str | None = None
    country: str | None = None
    state: str | None = None
    job_title: str | None = None
    lead_type: LeadType = LeadType.contact_sales
    product_interest: str | None = None
    page_url: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    form_id: str | None = None
    language: str | None = None
    annual_revenue: int | None = None
    message: str | None = None
    honeypot: str | None = None
    submitted_at: datetime | None = None
    source: str = "api"
    warnings: list[str] = Field(default_factory=list)


class Company(BaseModel):
    """One row of the firmographics directory (companies CSV)."""

    domain: str
    name: str | None = None
    employees: int | None = None
    industry: str | None = None
    country: str | None = None


class Account(BaseModel):
    """One CRM account, as imported from the accounts CSV."""

    domain: str
    name: str
    owner_id: str | None = None
    is_customer: bool = False
    open_opportunity_owner_id: str | None = None
    named_account: bool = False


class AccountMatch(BaseModel):
    account: Account
    matched_by: str  # "domain" or "company_name"


class Firmographics(BaseModel):
    company_name: str | None = None
    employees: int | None = None
    industry: str | None = None
    country: str | None = None
    state: str | None = None
    sources: dict[str, FieldSource] = Field(default_factory=dict)


class Enrichment(BaseModel):
    """What the enrich step learned about a lead, as it was when the lead arrived."""

    company_domain: str | None
    free_email: bool
    disposable_email: bool
    spam_signals: list[str] = Field(default_factory=list)
    firmographics: Firmographics = Field(default_factory=Firmographics)
    account: AccountMatch | None = None
    warnings: list[str] = Field(default_factory=list)


class Classification(BaseModel):
    lead_type: LeadType
    intent: Intent
    tier: Tier | None
    fit: Fit
    territory: str | None
    vertical: str | None
    spam: bool
    free_email: bool
    named_account: bool
    reasons: list[str] = Field(default_factory=list)


class RoutingPlan(BaseModel):
    """Which team (and possibly which owner) a lead should go to, and its SLA."""

    rules_version: str
    rule_ids: list[str]
    team: str
    preferred_owner: str | None = None
    owner_method: str | None = None
    sla_seconds: int | None
    reasons: list[str]
    score: int | None = None
    score_band: str | None = None
    suppressed: bool = False
    track: str | None = None
    company_domain: str | None = None  # remembered with the assignment (owner: domain_owner)


class Assignment(BaseModel):
    owner: str | None
    team: str | None
    method: str
    reasons: list[str] = Field(default_factory=list)


class RoutingDecision(BaseModel):
    """The full answer for one lead: what `route` prints and the workflow records."""

    lead_id: str
    email: str
    rules_version: str
    lead_type: LeadType
    intent: Intent
    tier: Tier | None
    fit: Fit
    territory: str | None
    team: str | None
    owner: str | None
    method: str
    sla_seconds: int | None
    rule_ids: list[str]
    reasons: list[str]
    warnings: list[str]
    score: int | None = None
    score_band: str | None = None
    suppressed: bool = False
    track: str | None = None
