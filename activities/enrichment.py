"""Enrichment: the CRM account and the companies directory entry of a lead."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from activities.catalog import load_companies
from activities.database.accounts import Accounts
from domain.enrich import company_domain_of, enrich, match_account
from domain.models import Company, Enrichment, Lead


class EnrichmentActivities:
    def __init__(self, accounts: Accounts, companies_path: Path) -> None:
        self.accounts = accounts
        self.companies_path = companies_path
        self._companies: tuple[float, dict[str, Company]] | None = None

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
    async def enrich_lead(self, lead: Lead) -> Enrichment:
        domain = company_domain_of(lead)
        by_domain, by_name = await self.accounts.find(domain, lead.company)
        company = self._directory().get(domain) if domain else None
        return enrich(lead, company, match_account(lead, by_domain, by_name))
