"""Enrichment on plain data: company domain, firmographics gap-filling, spam signals.

The lookups themselves (companies CSV, CRM accounts in the database) are done by
the caller; this module decides what the answers mean for the lead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from domain.email_domains import (
    DISPOSABLE_EMAIL_DOMAINS,
    FREE_EMAIL_DOMAINS,
    TEST_EMAIL_DOMAINS,
    base_domain_in,
)
from domain.models import (
    Account,
    AccountMatch,
    Company,
    Enrichment,
    FieldSource,
    Firmographics,
    Lead,
)

_URL_IN_NAME = re.compile(r"https?://|www\.|\.(?:com|net|org|ru|xyz|io|info|biz)\b", re.I)


def company_domain_of(lead: Lead) -> str | None:
    """The company's web domain, or None for a free-email or disposable address."""
    free, disposable = _mailbox_kind(lead.email_domain)
    return None if free or disposable else lead.email_domain


@lru_cache(maxsize=65536)
def _mailbox_kind(domain: str) -> tuple[bool, bool]:
    """(free email, disposable email) for a domain."""
    return (
        base_domain_in(domain, FREE_EMAIL_DOMAINS),
        base_domain_in(domain, DISPOSABLE_EMAIL_DOMAINS),
    )


def company_name_key(name: str | None) -> str | None:
    """How named accounts match a company name: exact, case-insensitive, spaces folded."""
    return " ".join(name.lower().split()) if name else None


def match_account(
    lead: Lead, by_domain: Account | None, by_name: Account | None
) -> AccountMatch | None:
    """Domain match first; a named account may also match on the exact company name."""
    if by_domain is not None:
        return AccountMatch(account=by_domain, matched_by="domain")
    if by_name is not None and by_name.named_account:
        return AccountMatch(account=by_name, matched_by="company_name")
    return None


def spam_signals(lead: Lead) -> list[str]:
    signals = []
    if _mailbox_kind(lead.email_domain)[1]:
        signals.append("disposable_email")
    if lead.honeypot:
        signals.append("honeypot_filled")
    if lead.email_domain in TEST_EMAIL_DOMAINS:
        signals.append("test_address")
    for name in (lead.first_name, lead.last_name):
        if name and _URL_IN_NAME.search(name):
            signals.append("url_in_name")
            break
    return signals


# what enrichment may fill, in Firmographics' order; the companies file knows no state
# and the CRM only the company's name
_FILLED = ("company_name", "employees", "industry", "country", "state")
_NOT_IN_FILE = (None,) * len(_FILLED)


def enrich(lead: Lead, company: Company | None, account: AccountMatch | None) -> Enrichment:
    """Fill what the form left out from the directory and the CRM; the form always wins."""
    form = (lead.company, lead.company_size, lead.industry, lead.country, lead.state)
    directory = (
        (company.name, company.employees, company.industry, company.country, None)
        if company
        else _NOT_IN_FILE
    )
    crm_name = account.account.name if account else None
    values: dict[str, object] = {}
    sources: dict[str, FieldSource] = {}
    for field, from_form, from_file in zip(_FILLED, form, directory, strict=True):
        if from_form is not None:
            values[field], sources[field] = from_form, FieldSource.form
        elif from_file is not None:
            values[field], sources[field] = from_file, FieldSource.companies
        elif field == "company_name" and crm_name is not None:
            values[field], sources[field] = crm_name, FieldSource.crm
    free, disposable = _mailbox_kind(lead.email_domain)
    return Enrichment(
        company_domain=None if free or disposable else lead.email_domain,
        free_email=free,
        disposable_email=disposable,
        spam_signals=spam_signals(lead),
        firmographics=Firmographics(**values, sources=sources),
        account=account,
    )


def index_accounts(accounts: Iterable[Account]) -> tuple[dict[str, Account], dict[str, Account]]:
    """Accounts by domain, and named accounts by company-name key."""
    by_domain: dict[str, Account] = {}
    by_name: dict[str, Account] = {}
    for account in accounts:
        by_domain[account.domain] = account
        key = company_name_key(account.name)
        if account.named_account and key:
            by_name.setdefault(key, account)
    return by_domain, by_name


def enrich_from(
    lead: Lead,
    companies: Mapping[str, Company],
    accounts_by_domain: Mapping[str, Account],
    named_by_name: Mapping[str, Account],
) -> Enrichment:
    """Enrich against in-memory directories (the `route` command and simulations)."""
    domain = company_domain_of(lead)
    by_domain = accounts_by_domain.get(domain) if domain else None
    key = company_name_key(lead.company)
    by_name = named_by_name.get(key) if key else None
    return enrich(
        lead, companies.get(domain) if domain else None, match_account(lead, by_domain, by_name)
    )
