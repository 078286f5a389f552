"""Every activity of the lead workflow, wired from the app database: each class receives
only the repositories and clients it uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import httpx

from activities.assignment import AssignmentActivities
from activities.crm.sync import CrmActivities, CrmClient
from activities.database.accounts import Accounts
from activities.database.analytics import Analytics
from activities.database.crm import CrmLedger
from activities.database.health import HealthLedger
from activities.database.outbox import Outbox
from activities.database.roster import Roster
from activities.enrichment import EnrichmentActivities
from activities.health import HealthActivities
from activities.notifications import Channels, NotificationActivities, OpsChannel
from activities.qa_sample import QaSampleActivities
from activities.rules_file import RulesActivities


class Repositories(Protocol):
    """What the activities read and write: a `Database`, or a test's stand-in."""

    @property
    def accounts(self) -> Accounts: ...
    @property
    def roster(self) -> Roster: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def crm(self) -> CrmLedger: ...
    @property
    def health(self) -> HealthLedger: ...
    @property
    def analytics(self) -> Analytics: ...


class LeadActivities:
    def __init__(
        self,
        database: Repositories,
        *,
        rules_path: Path,
        companies_path: Path,
        slack_webhook_url: str | None = None,
        http: httpx.AsyncClient | None = None,
        crm: CrmClient | None = None,
        channels: Channels | None = None,
        ops: Channels | None = None,
        qa_dir: Path | None = None,  # the QA samples' CSV files; beside the rules file if None
    ) -> None:
        self.notifications = NotificationActivities(
            database.outbox, slack_webhook_url, http, channels
        )
        ops_channel = OpsChannel(database.outbox, ops or Channels(), self.notifications.sender.http)
        self.health = HealthActivities(database.health, ops_channel, rules_path)
        qa_dir = qa_dir or rules_path.parent / "qa-samples"
        self.qa_sample = QaSampleActivities(database.analytics, ops_channel, qa_dir)
        self.rules = RulesActivities(rules_path, alert=self.notifications.notify)
        self.enrichment = EnrichmentActivities(database.accounts, companies_path)
        self.assignment = AssignmentActivities(database.roster)
        self.crm = CrmActivities(crm, database.crm)

    def all(self) -> list[Callable[..., Any]]:
        """What a worker registers."""
        return [
            self.rules.load_rules,
            self.enrichment.enrich_lead,
            self.assignment.assign_owner,
            self.assignment.record_manual_assignment,
            self.assignment.release_assignment,
            self.notifications.notify,
            self.crm.write_owner,
            self.health.check_routing_health,
            self.qa_sample.draw_qa_sample,
        ]
