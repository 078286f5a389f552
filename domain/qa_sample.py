"""The weekly QA sample: N submissions of a week drawn at random, each with its decision
(rule, team, owner, method) and outcome (status, first action, SLA met), for the SOP's
weekly review. Lead ids only: the sample is posted to the ops channel."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime

from pydantic import BaseModel, Field

from domain.analytics.facts import LeadFacts

DEFAULT_SIZE = 20
COLUMNS = (
    "lead_id", "submitted_at", "lead_type", "source", "utm_campaign", "tier", "rule",
    "rules_version", "team", "owner", "method", "status", "escalation_level", "escalations",
    "manual_reassigns", "first_action_kind", "action_owner", "sla_met",
)  # fmt: skip


class QaSampleRequest(BaseModel):
    since: datetime
    until: datetime
    size: int = Field(default=DEFAULT_SIZE, ge=1, le=1000)
    seed: int  # the same seed over the same week draws the same leads


class QaSample(BaseModel):
    since: datetime
    until: datetime
    population: int  # submissions in the window
    csv_text: str
    file: str | None = None  # where it was written


def draw(population: list[LeadFacts], size: int, seed: int) -> list[LeadFacts]:
    """`size` leads at random (all of them if fewer), in submission order."""
    chosen = random.Random(seed).sample(population, min(size, len(population)))
    return sorted(chosen, key=lambda f: (f.submitted_at, f.lead_id))


def as_csv(rows: list[LeadFacts]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump(mode="json", include=set(COLUMNS)))
    return out.getvalue()


def sample(population: list[LeadFacts], request: QaSampleRequest) -> QaSample:
    rows = draw(population, request.size, request.seed)
    return QaSample(
        since=request.since,
        until=request.until,
        population=len(population),
        csv_text=as_csv(rows),
    )
