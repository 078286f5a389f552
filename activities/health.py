"""The routing-health check: count, judge against the rules file's `alerts:`, and tell
the ops channel once per incident opened and once when it clears."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from temporalio import activity

from activities.database.health import HealthLedger
from activities.notifications import OpsChannel
from activities.rules_file import load_rules_file
from domain import texts
from domain.health import CHECKS, AlertThresholds, HealthChange, Incident, judge
from domain.rules import RulesError


class HealthActivities:
    def __init__(self, ledger: HealthLedger, ops: OpsChannel, rules_path: Path) -> None:
        self.ledger, self.ops, self.rules_path = ledger, ops, rules_path

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
        subject = f"lead-router routing health: {incident.check} ({kind.split('_')[1]})"
        await self.ops.post(
            incident.check, int(incident.opened_at.timestamp()), kind, text, subject
        )
