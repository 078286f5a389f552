"""The lead workflow's activities: thin, idempotent adapters over the store,
the companies directory, the rules file and Slack.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.catalog import load_companies
from activities.rules_file import load_rules_file
from activities.store import Store
from domain.enrich import company_domain_of, enrich, match_account
from domain.lifecycle import AssignRequest, ManualAssignment, Notification, ReleaseRequest
from domain.models import Assignment, Company, Enrichment, Lead
from domain.rules import RoutingRules, RulesError


class LeadActivities:
    def __init__(
        self,
        store: Store,
        *,
        rules_path: Path,
        companies_path: Path,
        slack_webhook_url: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.store = store
        self.rules_path = rules_path
        self.companies_path = companies_path
        self.slack_webhook_url = slack_webhook_url
        self.http = http or httpx.AsyncClient(timeout=5.0)
        self._companies: tuple[float, dict[str, Company]] | None = None
        self._rules: tuple[float, RoutingRules] | None = None

    def _directory(self) -> dict[str, Company]:
        """The companies CSV, re-read when the file changes."""
        mtime = self.companies_path.stat().st_mtime
        if self._companies is None or self._companies[0] != mtime:
            companies, problems = load_companies(self.companies_path)
            for problem in problems:
                activity.logger.warning("companies directory: %s", problem)
            self._companies = (mtime, companies)
        return self._companies[1]

    @activity.defn
    async def load_rules(self) -> RoutingRules:
        """Pin the rules for this lead: the workflow keeps them for its whole life."""
        try:
            mtime = self.rules_path.stat().st_mtime
            if self._rules is None or self._rules[0] != mtime:
                self._rules = (mtime, load_rules_file(self.rules_path))
            return self._rules[1]
        except OSError as exc:
            raise ApplicationError(
                f"{self.rules_path}: cannot read the rules file: {exc}"
            ) from None
        except RulesError as exc:
            # a broken rules file is fixed by a person; keep retrying until it is
            raise ApplicationError(f"the rules file is invalid:\n{exc}") from None

    @activity.defn
    async def enrich_lead(self, lead: Lead) -> Enrichment:
        domain = company_domain_of(lead)
        by_domain, by_name = await self.store.find_accounts(domain, lead.company)
        company = self._directory().get(domain) if domain else None
        return enrich(lead, company, match_account(lead, by_domain, by_name))

    @activity.defn
    async def assign_owner(
        self, request: AssignRequest, rules: RoutingRules | None = None
    ) -> Assignment:
        """Choose and record the owner. `rules` are the lead's pinned rules (a task
        scheduled before they became an argument of their own carries them inside)."""
        pinned = rules or request.rules
        if pinned is None:
            raise ApplicationError("assign_owner needs the lead's rules", non_retryable=True)
        return await self.store.assign(
            request.lead_id,
            request.step,
            request.plan,
            pinned,
            exclude=request.exclude,
            teams=request.teams,
        )

    @activity.defn
    async def record_manual_assignment(self, request: ManualAssignment) -> Assignment:
        return await self.store.record_manual(request.lead_id, request.step, request.assignment)

    @activity.defn
    async def release_assignment(self, request: ReleaseRequest) -> bool:
        return await self.store.release(request.lead_id, request.step)

    @activity.defn
    async def notify(self, note: Notification) -> str:
        """Write to the outbox (always), then post to Slack once if configured."""
        row = await self.store.record_notification(
            note.lead_id,
            note.step,
            note.kind,
            note.recipient,
            note.text,
            slack=self.slack_webhook_url is not None,
        )
        if row.slack_status != "pending" or self.slack_webhook_url is None:
            return row.slack_status
        assert row.id is not None
        try:
            response = await self.http.post(self.slack_webhook_url, json=slack_message(note))
            response.raise_for_status()
        except httpx.HTTPError as exc:
            await self.store.mark_slack(row.id, sent=False)
            raise ApplicationError(f"Slack webhook failed: {exc}") from None
        await self.store.mark_slack(row.id, sent=True)
        return "sent"


def slack_message(note: Notification) -> dict[str, object]:
    """Slack's incoming-webhook format: fallback text plus one section block."""
    who = f"<@{note.recipient}> " if note.recipient else ""
    return {
        "text": f"{who}{note.text}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{who}{note.text}"}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"lead `{note.lead_id}` · {note.kind}"}],
            },
        ],
    }
