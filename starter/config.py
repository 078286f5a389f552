"""Settings from the environment, with defaults that work on a fresh clone."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from domain.identity import DEFAULT_ID_KEY

SAMPLE_DIR = Path(str(files("domain") / "data"))
DEFAULT_RULES = SAMPLE_DIR / "rules.yaml"
SAMPLE_COMPANIES = SAMPLE_DIR / "companies.csv"
SAMPLE_ACCOUNTS = SAMPLE_DIR / "accounts.csv"
SAMPLE_LEADS = SAMPLE_DIR / "leads.jsonl"
DEFAULT_DATA_DIR = Path(".lead-router")


DEFAULT_MAX_CACHED_WORKFLOWS = 400


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass(frozen=True)
class Settings:
    rules_path: Path = field(
        default_factory=lambda: Path(_env("LEAD_ROUTER_RULES", str(DEFAULT_RULES)))
    )
    companies_path: Path = field(
        default_factory=lambda: Path(_env("LEAD_ROUTER_COMPANIES", str(SAMPLE_COMPANIES)))
    )
    database_url: str = field(
        default_factory=lambda: _env(
            "LEAD_ROUTER_DATABASE_URL",
            _env("DATABASE_URL", str(DEFAULT_DATA_DIR / "lead-router.db")),
        )
    )
    id_key: str = field(default_factory=lambda: _env("LEAD_ROUTER_ID_KEY", DEFAULT_ID_KEY))
    temporal_address: str = field(
        default_factory=lambda: _env("TEMPORAL_ADDRESS", "localhost:7233")
    )
    temporal_namespace: str = field(default_factory=lambda: _env("TEMPORAL_NAMESPACE", "default"))
    task_queue: str = field(default_factory=lambda: _env("LEAD_ROUTER_TASK_QUEUE", "lead-router"))
    slack_webhook_url: str | None = field(
        default_factory=lambda: os.environ.get("LEAD_ROUTER_SLACK_WEBHOOK_URL") or None
    )
    webhook_secret: str | None = field(
        default_factory=lambda: os.environ.get("LEAD_ROUTER_WEBHOOK_SECRET") or None
    )
    hubspot_secret: str | None = field(
        default_factory=lambda: os.environ.get("LEAD_ROUTER_HUBSPOT_SECRET") or None
    )
    typeform_secret: str | None = field(
        default_factory=lambda: os.environ.get("LEAD_ROUTER_TYPEFORM_SECRET") or None
    )
    api_token: str | None = field(
        default_factory=lambda: os.environ.get("LEAD_ROUTER_API_TOKEN") or None
    )
    form_mappings: Path | None = field(
        default_factory=lambda: (
            Path(p) if (p := os.environ.get("LEAD_ROUTER_FORM_MAPPINGS")) else None
        )
    )
    public_url: str | None = field(
        default_factory=lambda: os.environ.get("LEAD_ROUTER_PUBLIC_URL") or None
    )
    rate_limit_per_minute: int = field(
        default_factory=lambda: int(_env("LEAD_ROUTER_RATE_LIMIT_PER_MINUTE", "600"))
    )
    dedupe_window_seconds: int = field(
        default_factory=lambda: int(_env("LEAD_ROUTER_DEDUPE_WINDOW_SECONDS", "600"))
    )
    # Leads kept in the worker's memory between workflow tasks (~0.3 MB each). A lead
    # evicted while it waits on its SLA timer is replayed from its history when the timer
    # fires (~20 ms of CPU, once): memory stays flat however many leads wait.
    max_cached_workflows: int = field(
        default_factory=lambda: int(
            _env("LEAD_ROUTER_MAX_CACHED_WORKFLOWS", str(DEFAULT_MAX_CACHED_WORKFLOWS))
        )
    )
