"""The app database's tables. A change here needs a migration beside it
(`migrations/versions/`): tests/activities/test_migrations.py fails until it has one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel

TIMESTAMP = DateTime(timezone=True)  # PostgreSQL keeps the zone; SQLite stores UTC text


def now() -> datetime:
    return datetime.now(UTC)


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
    __tablename__ = "owners"
    owner_id: str = Field(primary_key=True)
    away: bool = False
    open_leads: int = 0
    updated_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)


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
    created_at: datetime = Field(default_factory=now, sa_type=TIMESTAMP)
    sent_at: datetime | None = Field(default=None, sa_type=TIMESTAMP)


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
