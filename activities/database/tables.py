"""The app database's tables. A change here needs a migration beside it
(`migrations/versions/`): tests/activities/test_migrations.py fails until it has one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

TIMESTAMP = DateTime(timezone=True)  # PostgreSQL keeps the zone; SQLite stores UTC text


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AccountRow(SQLModel, table=True):
    __tablename__ = "accounts"
    domain: str = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)
    owner_id: str | None = None
    is_customer: bool = False
    open_opportunity_owner_id: str | None = None
    named_account: bool = False


class OwnerRow(SQLModel, table=True):
    """An owner's load and availability: `away` alone is open-ended; with a window, the
    owner is away only between `away_from` and `away_until` (either may be open)."""

    __tablename__ = "owners"
    owner_id: str = Field(primary_key=True)
    away: bool = False
    open_leads: int = 0
    updated_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)
    away_from: datetime | None = Field(default=None, sa_type=TIMESTAMP)
    away_until: datetime | None = Field(default=None, sa_type=TIMESTAMP)
    away_set_by: str | None = None


class RoundRobinRow(SQLModel, table=True):
    __tablename__ = "round_robin"
    team_id: str = Field(primary_key=True)
    owner_id: str = Field(primary_key=True)
    current: int = 0


class AssignmentRow(SQLModel, table=True):
    """One row per (lead, step): the ledger that stops a retry from assigning twice."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("lead_id", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(index=True)
    step: int
    owner_id: str | None = Field(default=None, index=True)
    team: str | None = None
    method: str
    decision_json: str
    released: bool = False
    created_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)
    company_domain: str | None = Field(default=None, index=True)  # owner: domain_owner


class NotificationRow(SQLModel, table=True):
    """The notification outbox: every notification lands here, Slack or not."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("lead_id", "step", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(index=True)
    step: int
    kind: str
    recipient: str | None = None
    text: str
    slack_status: str = "not_configured"  # not_configured, pending, sent
    slack_attempts: int = 0
    email_status: str = "not_configured"  # not_configured, pending, sent
    email_attempts: int = 0
    created_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)
    sent_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)


class IncidentRow(SQLModel, table=True):
    """A routing-health check over its threshold: alerted once when opened, deleted with
    a recovery message when the check clears."""

    __tablename__ = "incidents"
    check: str = Field(primary_key=True)
    value: int
    threshold: int
    opened_at: datetime = Field(sa_type=TIMESTAMP)


class DeliveryRow(SQLModel, table=True):
    """Every accepted webhook delivery, written before the workflow starts.

    The key (Idempotency-Key, the provider's delivery id, or a hash of the body)
    makes a repeat answer with the same ids; `status` makes this the outbox that
    starts leads Temporal could not take when they arrived.
    """

    __tablename__ = "deliveries"
    key: str = Field(primary_key=True)
    source: str
    lead_id: str = Field(index=True)
    submission_id: str
    lead_json: str
    status: str = Field(default="accepted", index=True)  # accepted, queued, started
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)
    started_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)


class DeadLetterRow(SQLModel, table=True):
    """An authenticated submission that was rejected, kept so it can be fixed and retried."""

    __tablename__ = "dead_letters"
    id: int | None = Field(default=None, primary_key=True)
    source: str
    reason: str
    raw_body: str
    received_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)
    retried_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)
    lead_id: str | None = None


# The report's counts read only these columns, grouped by rule (and by team) first: a
# covering index in that order lets SQLite aggregate as it scans, with no sort of a
# million rows (`activities.database.analytics`; bench/analytics.py).
LEAD_FACTS_COUNTED = (
    "rule",
    "team",
    "submitted_at",
    "status",
    "first_action_kind",
    "escalation_level",
    "escalations",
    "manual_reassigns",
    "away_reassigns",
    "sla_met",
    "lead_type",
    "speed_to_lead_ms",
    "account_matched",
    "size_known",
    "industry_known",
    "country_known",
    "assigned_at",
    "misroutes",
)


class LeadFactRow(SQLModel, table=True):
    """Analytics: one row per lead, its latest facts (`domain.analytics.facts.LeadFacts`).
    No personal data beyond the lead id."""

    __tablename__ = "lead_facts"
    __table_args__ = (
        Index("ix_lead_facts_submitted_at", "submitted_at"),
        Index("ix_lead_facts_counts", *LEAD_FACTS_COUNTED),
    )
    lead_id: str = Field(primary_key=True)
    revision: int
    submitted_at: datetime = Field(sa_type=TIMESTAMP)
    day: str
    lead_type: str
    source: str
    utm_campaign: str | None = None
    tier: str | None = None
    rule: str | None = None
    rules_version: str | None = None
    account_matched: bool
    size_known: bool
    industry_known: bool
    country_known: bool
    status: str
    team: str | None = None
    owner: str | None = None
    method: str | None = None
    assigned_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)
    sla_due_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)
    escalation_level: int
    escalations: int
    manual_reassigns: int
    away_reassigns: int
    misroutes: int = 0  # rep feedback: routed again because it was misrouted
    first_action_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)
    first_action_kind: str | None = None
    action_owner: str | None = None
    time_to_assign_ms: int | None = Field(default=None, sa_type=BigInteger)
    time_to_first_action_ms: int | None = Field(default=None, sa_type=BigInteger)
    business_time_to_first_action_ms: int | None = Field(default=None, sa_type=BigInteger)
    speed_to_lead_ms: int | None = Field(default=None, sa_type=BigInteger)
    sla_met: bool | None = None


class StepFactRow(SQLModel, table=True):
    """Analytics: one row per change of hands and per first action of a lead."""

    __tablename__ = "lead_steps"
    # in GROUP BY order: the fairness counts stream, without sorting a million steps
    __table_args__ = (Index("ix_lead_steps_fairness", "method", "team", "owner", "at"),)
    lead_id: str = Field(primary_key=True)
    step: int = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    at: datetime = Field(sa_type=TIMESTAMP)
    owner: str | None = None
    team: str | None = None
    method: str
    escalation_level: int
    sla_due_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)


class CrmRecordRow(SQLModel, table=True):
    """The lead's record in the CRM (HubSpot contact, Salesforce Lead): later writes and
    the CRM's events find the lead by it."""

    __tablename__ = "crm_records"
    __table_args__ = (UniqueConstraint("crm", "record_id"),)
    lead_id: str = Field(primary_key=True)
    crm: str = Field(primary_key=True)
    record_id: str
    created_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)


class CrmWriteRow(SQLModel, table=True):
    """One row per (lead, step): a retried write finds what it already did in the CRM."""

    __tablename__ = "crm_writes"
    lead_id: str = Field(primary_key=True)
    step: int = Field(primary_key=True)
    crm: str
    status: str = "writing"  # writing, written, rejected
    record_id: str | None = None
    task_id: str | None = None
    task_tried: bool = False  # a task may exist: look before creating another
    owner_crm_id: str | None = None
    warning: str | None = None
    updated_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)


class CrmEventRow(SQLModel, table=True):
    """Every CRM event taken, once: a retried delivery is answered, never applied twice."""

    __tablename__ = "crm_events"
    crm: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    lead_id: str | None = Field(default=None, index=True)
    outcome: str
    received_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)


class LeadKeyRow(SQLModel, table=True):
    """The key that seals one lead's payloads in Temporal, wrapped with the active codec
    key when one is configured (`wrapped_with`, "" when not). Destroying the row is what
    makes the lead's histories unreadable (erasure on request)."""

    __tablename__ = "lead_keys"
    key_id: str = Field(primary_key=True)
    lead_id: str = Field(index=True)
    wrapped_with: str = ""
    key: str  # base64: the key, or nonce + sealed key when wrapped
    created_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)


class ErasureRow(SQLModel, table=True):
    """One row per erasure on request: when, by whom, which lead. No personal data."""

    __tablename__ = "erasures"
    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(index=True)
    erased_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)
    erased_by: str
    workflow: str  # what happened to the lead's workflow: terminated, closed, none
    rows: str  # what was deleted or blanked, table by table ("deliveries 2, ...")


class AnalyticsWritesRow(SQLModel, table=True):
    """How many times facts of each UTC day were written, in a few shards per day (a
    lead's shard by its id): the report cache's cheap check that a day's counts still
    hold (`activities/database/report_cache.py`), without one row that every handover
    in the cluster would queue on."""

    __tablename__ = "analytics_writes"
    day: str = Field(primary_key=True)
    shard: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    writes: int = Field(default=0, sa_type=BigInteger)


class ConsoleSessionRow(SQLModel, table=True):
    """A console login. The cookie carries a random token; the row's id is its SHA-256,
    so a copy of the database opens no session. `credential` fingerprints the password
    (or API token) it was opened with: once the configuration changes it, the session ends."""

    __tablename__ = "console_sessions"
    id: str = Field(primary_key=True)
    user: str = Field(index=True)
    credential: str
    created_at: datetime = Field(sa_type=TIMESTAMP)
    last_seen_at: datetime = Field(sa_type=TIMESTAMP)
    expires_at: datetime = Field(sa_type=TIMESTAMP, index=True)
