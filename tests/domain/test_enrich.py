"""Enrichment: gap-filling from the companies directory and the CRM, and spam signals."""

from __future__ import annotations

from typing import Any

import pytest

from domain.enrich import enrich, enrich_from, index_accounts, match_account, spam_signals
from domain.intake import parse_submission
from domain.models import Account, AccountMatch, Company, FieldSource
from tests.helpers import RouteFn

ACME_DIRECTORY = Company(
    domain="acme.com", name="Acme Robotics", employees=2400, industry="Banking", country="DE"
)
ACME_ACCOUNT = Account(domain="acme.com", name="Acme Holdings")


def test_the_form_wins_over_the_companies_directory() -> None:
    lead = parse_submission(
        {"email": "ana@acme.com", "company": "Acme Inc", "company_size": 40,
         "industry": "Retail", "country": "US", "state": "NY"}
    )  # fmt: skip
    match = AccountMatch(account=ACME_ACCOUNT, matched_by="domain")
    firmo = enrich(lead, ACME_DIRECTORY, match).firmographics
    assert (firmo.company_name, firmo.employees) == ("Acme Inc", 40)
    assert (firmo.industry, firmo.country, firmo.state) == ("Retail", "US", "NY")
    assert firmo.sources == dict.fromkeys(
        ("company_name", "employees", "industry", "country", "state"), FieldSource.form
    )


def test_the_companies_directory_fills_what_the_form_left_out() -> None:
    lead = parse_submission({"email": "ana@acme.com", "company_size": 40})
    firmo = enrich(lead, ACME_DIRECTORY, None).firmographics
    assert firmo.employees == 40
    assert firmo.company_name == "Acme Robotics"
    assert firmo.industry == "Banking"
    assert firmo.country == "DE"
    assert firmo.state is None
    assert firmo.sources == {
        "employees": FieldSource.form,
        "company_name": FieldSource.companies,
        "industry": FieldSource.companies,
        "country": FieldSource.companies,
    }


def test_the_crm_fills_the_company_name_last() -> None:
    lead = parse_submission({"email": "ana@acme.com"})
    match = AccountMatch(account=ACME_ACCOUNT, matched_by="domain")
    with_directory = enrich(lead, ACME_DIRECTORY, match).firmographics
    assert with_directory.company_name == "Acme Robotics"
    assert with_directory.sources["company_name"] is FieldSource.companies
    crm_only = enrich(lead, None, match).firmographics
    assert crm_only.company_name == "Acme Holdings"
    assert crm_only.sources == {"company_name": FieldSource.crm}


def test_nothing_known_means_nothing_filled() -> None:
    firmo = enrich(parse_submission({"email": "ana@acme.com"}), None, None).firmographics
    assert firmo.model_dump(exclude={"sources"}) == dict.fromkeys(
        ("company_name", "employees", "industry", "country", "state")
    )
    assert firmo.sources == {}


def test_a_free_email_does_not_look_up_the_directory() -> None:
    lead = parse_submission({"email": "ana@gmail.com"})
    gmail = Company(domain="gmail.com", name="Google Mail", employees=100000, country="US")
    enrichment = enrich_from(lead, {"gmail.com": gmail}, {}, {})
    assert enrichment.free_email is True
    assert enrichment.company_domain is None
    assert enrichment.firmographics.employees is None


def test_the_directory_gap_fill_reaches_the_decision(route: RouteFn) -> None:
    decision = route({"email": "ana@acme.com", "lead_type": "demo_request"},
                     companies=(ACME_DIRECTORY,))  # fmt: skip
    assert decision.territory == "emea"
    assert decision.rule_ids == ["enterprise", "vertical-fintech"]
    assert "2400 employees (from companies)" in decision.reasons


def test_a_domain_match_comes_before_a_named_account_name_match() -> None:
    by_domain = Account(domain="acme.com", name="Acme")
    named = Account(domain="hooli.com", name="Hooli", named_account=True)
    lead = parse_submission({"email": "ana@acme.com", "company": "Hooli"})
    match = match_account(lead, by_domain, named)
    assert match is not None
    assert (match.account.domain, match.matched_by) == ("acme.com", "domain")
    only_name = match_account(lead, None, named)
    assert only_name is not None
    assert (only_name.account.domain, only_name.matched_by) == ("hooli.com", "company_name")
    assert match_account(lead, None, named.model_copy(update={"named_account": False})) is None


def test_only_named_accounts_are_indexed_by_name() -> None:
    by_domain, by_name = index_accounts(
        [Account(domain="hooli.com", name="Hooli  Inc", named_account=True),
         Account(domain="acme.com", name="Acme")]
    )  # fmt: skip
    assert set(by_domain) == {"hooli.com", "acme.com"}
    assert set(by_name) == {"hooli inc"}


SPAM_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "disposable domain": ({"email": "x@mailinator.com"}, "disposable_email"),
    "disposable subdomain": ({"email": "x@mx.mailinator.com"}, "disposable_email"),
    "another disposable domain": ({"email": "x@yopmail.com"}, "disposable_email"),
    "honeypot": ({"email": "x@acme.com", "honeypot": "I am a bot"}, "honeypot_filled"),
    "example.com": ({"email": "x@example.com"}, "test_address"),
    "example.org": ({"email": "x@example.org"}, "test_address"),
    "test.com": ({"email": "x@test.com"}, "test_address"),
    "http URL in first name": (
        {"email": "x@acme.com", "first_name": "http://cheap-pills"}, "url_in_name"
    ),
    "www in last name": ({"email": "x@acme.com", "last_name": "www.casino"}, "url_in_name"),
    "domain in first name": ({"email": "x@acme.com", "first_name": "Buy at pills.ru"},
                             "url_in_name"),
}  # fmt: skip


@pytest.mark.parametrize(("submission", "signal"), SPAM_CASES.values(), ids=SPAM_CASES.keys())
def test_spam_signals_send_the_lead_to_manual_review(
    submission: dict[str, Any], signal: str, route: RouteFn
) -> None:
    lead = parse_submission({**submission, "lead_type": "demo_request", "company_size": 5000})
    assert signal in spam_signals(lead)
    decision = route({**submission, "lead_type": "demo_request", "company_size": 5000})
    assert decision.rule_ids == ["spam"]
    assert decision.team == "manual-review"
    assert decision.fit == "weak"
    assert any(signal in r for r in decision.reasons if r.startswith("Spam signals"))


@pytest.mark.parametrize(
    "submission",
    [
        {"email": "ana@acme.com", "first_name": "Ana", "last_name": "O'Neil-Smith"},
        {"email": "ana@gmail.com", "first_name": "Ana", "honeypot": ""},
        {"email": "ana@sub.acme.io", "company": "www.acme.io"},
    ],
)
def test_ordinary_leads_have_no_spam_signals(submission: dict[str, Any]) -> None:
    assert spam_signals(parse_submission(submission)) == []


def test_a_disposable_address_has_no_company_domain() -> None:
    enrichment = enrich(parse_submission({"email": "x@mailinator.com"}), None, None)
    assert enrichment.disposable_email is True
    assert enrichment.company_domain is None
