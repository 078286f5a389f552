"""The routing-health check: count, judge against the rules file's `alerts:`, and tell
the ops channel once per incident opened and once when it clears."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from temporalio import activity

from activities.database.health import HealthLedger
from activities.database.outbox import Outbox
from activities.notifications import Sender, text_message
from activities.rules_file import load_rules_file
from domain import texts
from domain.health import CHECKS, AlertThresholds, HealthChange, Incident, judge
from domain.rules import RulesError


class HealthActivities:
    def __init__(self, ledger: HealthLedger, outbox: Outbox, ops: Sender, rules_path: Path) -> None:
        self.ledger, self.outbox, self.ops = ledger, outbox, ops
        self.rules_path = rules_path

    @activity.defn
    async def check_routing_health(self, at: datetime) -> HealthChange:
        """Judged as of `at` (the workflow's time), so a retry judges the same and the
        outbox keys make each alert and recovery go out once; incidents are recorded last."""
        thresholds = self._thresholds()
        counts = await self.ledger.counts(at, thresholds.waiting_since(at))
        change = judge(counts, thresholds, await self.ledger.open_incidents(), at)
        for incident in change.opened:
            await self._tell(
                incident, "health_alert", texts.health_alert_text(incident, CHECKS[incident.check])
            )
        for incident in change.cleared:
            text = texts.health_recovery_text(incident, CHECKS[incident.check], at)
            await self._tell(incident, "health_recovery", text)
        await self.ledger.record(change.opened, change.cleared)
        return change

    def _thresholds(self) -> AlertThresholds:
        """The rules file's; its defaults while it is invalid (that has its own alert)."""
        try:
            return load_rules_file(self.rules_path).alerts
        except RulesError:
            return AlertThresholds()

    async def _tell(self, incident: Incident, kind: str, text: str) -> None:
        slack = self.ops.channels.slack_webhook_url is not None
        email = self.ops.channels.to if self.ops.channels.mailer is not None else None
        key = int(incident.opened_at.timestamp())
        row = await self.outbox.record(
            f"ops:{incident.check}", key, kind, None, text, slack=slack, email=email is not None
        )
        message = text_message(text) if slack else None
        await self.ops.send(row, message, (email, text, text) if email else None)
