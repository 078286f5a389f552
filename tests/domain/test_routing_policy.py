"""The default policy (domain/data/rules.yaml), rule by rule, edge by edge.

Every case builds its lead with `parse_submission`, its directories from Company
and Account objects written here, and routes it with `decide`, so each row says
in full what it means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from domain.models import Account, Company, RoutingDecision, Tier
from domain.rules import RoutingRules
from tests.helpers import RouteFn, RulesWith, first_round_robin_pick, set_member

CUSTOMER = Account(domain="acme.com", name="Acme", owner_id="chloe.kowalski", is_customer=True)
OPPORTUNITY = Account(domain="acme.com", name="Acme", open_opportunity_owner_id="felix.alvarez")
OWNED = Account(domain="acme.com", name="Acme", owner_id="gita.berg")
NAMED_HOOLI = Account(domain="hooli.com", name="Hooli", named_account=True)

ONE_BUSINESS_DAY = 8 * 3600


@dataclass(frozen=True)
class Case:
    submission: dict[str, Any]
    team: str
    tier: Tier | None
    rule_ids: list[str]
    sla_seconds: int | None
    owner: str | None = None  # None: the first round-robin pick of the team
    method: str = "round_robin"
    accounts: tuple[Account, ...] = ()
    companies: tuple[Company, ...] = ()


def lead(email: str = "ana@acme.com", **fields: Any) -> dict[str, Any]:
    return {"email": email, **fields}


def demo(**fields: Any) -> dict[str, Any]:
    return lead(lead_type="demo_request", **fields)


def check(decision: RoutingDecision, case: Case, rules: RoutingRules) -> None:
    assert decision.team == case.team
    assert decision.tier == case.tier
    assert decision.rule_ids == case.rule_ids
    assert decision.sla_seconds == case.sla_seconds
    expected_owner = case.owner or first_round_robin_pick(rules, case.team)
    assert decision.owner == expected_owner
    assert decision.method == case.method
    rule_id, *overrides = case.rule_ids
    assert any(r.startswith(f"Rule {rule_id}:") for r in decision.reasons), decision.reasons
    for override in overrides:
        assert any(f"Override {override}" in r for r in decision.reasons), decision.reasons


RULE_CASES: dict[str, Case] = {
    "spam": Case(
        lead("x@mailinator.com", lead_type="demo_request", company_size=5000, country="US"),
        "manual-review", Tier.enterprise, ["spam"], ONE_BUSINESS_DAY,
    ),
    "existing-customer": Case(
        demo(), "customer-success", None, ["existing-customer"], ONE_BUSINESS_DAY,
        owner="chloe.kowalski", method="account_owner", accounts=(CUSTOMER,),
    ),
    "open-opportunity": Case(
        demo(company_size=300, country="US"), "mm-us-east", Tier.mid_market,
        ["open-opportunity"], 15 * 60,
        owner="felix.alvarez", method="opportunity_owner", accounts=(OPPORTUNITY,),
    ),
    "account-owner enterprise": Case(
        demo(company_size=5000, country="US", state="NY"), "mm-us-east", Tier.enterprise,
        ["account-owner"], 5 * 60, owner="gita.berg", method="account_owner", accounts=(OWNED,),
    ),
    "account-owner mid-market": Case(
        demo(company_size=300, country="US", state="NY"), "mm-us-east", Tier.mid_market,
        ["account-owner"], 15 * 60, owner="gita.berg", method="account_owner", accounts=(OWNED,),
    ),
    "account-owner self-serve": Case(
        demo(company_size=20, country="US", state="NY"), "mm-us-east", Tier.self_serve,
        ["account-owner"], ONE_BUSINESS_DAY,
        owner="gita.berg", method="account_owner", accounts=(OWNED,),
    ),
    "account-owner unknown size": Case(
        demo(), "mm-us-east", None, ["account-owner"], 15 * 60,
        owner="gita.berg", method="account_owner", accounts=(OWNED,),
    ),
    "partner-inquiry": Case(
        lead(lead_type="partner_inquiry", company_size=50, country="US"),
        "partnerships", Tier.self_serve, ["partner-inquiry"], ONE_BUSINESS_DAY,
    ),
    "trial-signup": Case(
        lead(lead_type="trial_signup", company_size=50, country="US"),
        "growth-onboarding", Tier.self_serve, ["trial-signup"], None,
    ),
    "low-intent-sales enterprise": Case(
        lead(lead_type="webinar", company_size=5000, country="US"),
        "sdr-pool", Tier.enterprise, ["low-intent-sales"], ONE_BUSINESS_DAY,
    ),
    "low-intent-sales mid-market": Case(
        lead(lead_type="content_download", company_size=300, country="GB"),
        "sdr-pool", Tier.mid_market, ["low-intent-sales"], ONE_BUSINESS_DAY,
    ),
    "low-intent-nurture self-serve": Case(
        lead(lead_type="newsletter", company_size=50, country="US"),
        "growth-nurture", Tier.self_serve, ["low-intent-nurture"], ONE_BUSINESS_DAY,
    ),
    "low-intent-nurture unknown size": Case(
        lead(lead_type="webinar"),
        "growth-nurture", None, ["low-intent-nurture"], ONE_BUSINESS_DAY,
    ),
    "free-email-review": Case(
        lead("ana@gmail.com", lead_type="pricing", company_size=300, country="US"),
        "inbound-sdr-review", Tier.mid_market, ["free-email-review"], 30 * 60,
    ),
    "free-email-review unknown size": Case(
        lead("ana@yahoo.co.uk", lead_type="contact_sales"),
        "inbound-sdr-review", None, ["free-email-review"], 30 * 60,
    ),
    "unknown-size-review": Case(
        lead(lead_type="contact_sales", country="US"),
        "inbound-sdr-review", None, ["unknown-size-review"], 30 * 60,
    ),
    "enterprise us-west": Case(
        demo(company_size=5000, country="US", state="CA"),
        "enterprise-us-west", Tier.enterprise, ["enterprise"], 5 * 60,
    ),
    "enterprise us-east": Case(
        demo(company_size=5000, country="US", state="NY"),
        "enterprise-us-east", Tier.enterprise, ["enterprise"], 5 * 60,
    ),
    "enterprise emea": Case(
        demo(company_size=5000, country="GB"),
        "enterprise-emea", Tier.enterprise, ["enterprise"], 5 * 60,
    ),
    "enterprise apac": Case(
        demo(company_size=5000, country="AU"),
        "enterprise-apac", Tier.enterprise, ["enterprise"], 5 * 60,
    ),
    "enterprise-pool, unsupported country": Case(
        demo(company_size=5000, country="BR"),
        "enterprise-pool", Tier.enterprise, ["enterprise"], 5 * 60,
    ),
    "enterprise-pool, no country": Case(
        demo(company_size=5000),
        "enterprise-pool", Tier.enterprise, ["enterprise"], 5 * 60,
    ),
    "enterprise vertical-healthcare": Case(
        demo(company_size=5000, country="US", industry="Hospital & Health Care"),
        "vertical-healthcare", Tier.enterprise, ["enterprise", "vertical-healthcare"], 5 * 60,
    ),
    "enterprise vertical-fintech": Case(
        demo(company_size=5000, country="DE", industry="Financial Services"),
        "vertical-fintech", Tier.enterprise, ["enterprise", "vertical-fintech"], 5 * 60,
    ),
    "enterprise security-specialists": Case(
        demo(company_size=5000, country="US", product_interest="Security"),
        "platform-specialists", Tier.enterprise, ["enterprise", "security-specialists"], 5 * 60,
    ),
    "enterprise, first override wins": Case(
        demo(company_size=5000, country="US", industry="Banking", product_interest="security"),
        "vertical-fintech", Tier.enterprise, ["enterprise", "vertical-fintech"], 5 * 60,
    ),
    "enterprise override without territory": Case(
        demo(company_size=5000, country="BR", industry="biotechnology"),
        "vertical-healthcare", Tier.enterprise, ["enterprise", "vertical-healthcare"], 5 * 60,
    ),
    "mid-market us-west": Case(
        demo(company_size=300, country="US", state="WA"),
        "mm-us-west", Tier.mid_market, ["mid-market"], 15 * 60,
    ),
    "mid-market us-east": Case(
        demo(company_size=300, country="US", state="TX"),
        "mm-us-east", Tier.mid_market, ["mid-market"], 15 * 60,
    ),
    "mid-market emea": Case(
        demo(company_size=300, country="DE"),
        "mm-emea", Tier.mid_market, ["mid-market"], 15 * 60,
    ),
    "mid-market apac": Case(
        demo(company_size=300, country="SG"),
        "mm-apac", Tier.mid_market, ["mid-market"], 15 * 60,
    ),
    "mid-market vertical-healthcare": Case(
        demo(company_size=300, country="US", industry="Pharmaceuticals"),
        "vertical-healthcare", Tier.mid_market, ["mid-market", "vertical-healthcare"], 15 * 60,
    ),
    "mid-market vertical-fintech": Case(
        demo(company_size=300, country="GB", industry="insurance"),
        "vertical-fintech", Tier.mid_market, ["mid-market", "vertical-fintech"], 15 * 60,
    ),
    "mid-market security-specialists": Case(
        demo(company_size=300, country="US", product_interest="analytics, Security"),
        "platform-specialists", Tier.mid_market, ["mid-market", "security-specialists"], 15 * 60,
    ),
    "default-nurture self-serve": Case(
        demo(company_size=50, country="US"),
        "growth-nurture", Tier.self_serve, ["default-nurture"], ONE_BUSINESS_DAY,
    ),
    "default-nurture, mid-market size outside every territory": Case(
        demo(company_size=300, country="BR"),
        "growth-nurture", Tier.self_serve, ["default-nurture"], ONE_BUSINESS_DAY,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", RULE_CASES.values(), ids=RULE_CASES.keys())
def test_each_rule_of_the_default_policy(case: Case, route: RouteFn, rules: RoutingRules) -> None:
    decision = route(case.submission, accounts=case.accounts, companies=case.companies)
    check(decision, case, rules)


def test_every_rule_and_override_has_a_case(rules: RoutingRules) -> None:
    covered = {rule_id for case in RULE_CASES.values() for rule_id in case.rule_ids}
    assert {r.id for r in rules.rules} | {o.id for o in rules.overrides} <= covered


GHOST = "ghost.owner"

PRECEDENCE_CASES: dict[str, Case] = {
    "spam beats existing customer": Case(
        demo(honeypot="filled by a bot"), "manual-review", None, ["spam"], ONE_BUSINESS_DAY,
        accounts=(CUSTOMER,),
    ),
    "spam beats partner inquiry": Case(
        lead("bob@test.com", lead_type="partner_inquiry"),
        "manual-review", None, ["spam"], ONE_BUSINESS_DAY,
    ),
    "customer beats opportunity": Case(
        demo(), "customer-success", None, ["existing-customer"], ONE_BUSINESS_DAY,
        owner="chloe.kowalski", method="account_owner",
        accounts=(CUSTOMER.model_copy(update={"open_opportunity_owner_id": "felix.alvarez"}),),
    ),
    "opportunity beats account owner": Case(
        demo(company_size=5000, country="US"), "mm-us-east", Tier.enterprise,
        ["open-opportunity"], 15 * 60, owner="felix.alvarez", method="opportunity_owner",
        accounts=(OWNED.model_copy(update={"owner_id": "wen.fischer",
                                           "open_opportunity_owner_id": "felix.alvarez"}),),
    ),
    "account owner beats partner inquiry": Case(
        lead(lead_type="partner_inquiry"), "enterprise-us-east", None, ["account-owner"],
        15 * 60, owner="wen.fischer", method="account_owner",
        accounts=(OWNED.model_copy(update={"owner_id": "wen.fischer"}),),
    ),
    "account owner not in roster falls through": Case(
        demo(company_size=5000, country="US", state="NY"), "enterprise-us-east",
        Tier.enterprise, ["enterprise"], 5 * 60,
        accounts=(OWNED.model_copy(update={"owner_id": GHOST}),),
    ),
    "opportunity owner not in roster falls through to the account owner": Case(
        demo(company_size=300, country="US"), "mm-us-east", Tier.mid_market,
        ["account-owner"], 15 * 60, owner="gita.berg", method="account_owner",
        accounts=(OWNED.model_copy(update={"open_opportunity_owner_id": GHOST}),),
    ),
    "partner beats low intent and free-email review": Case(
        lead("pat@gmail.com", lead_type="partner_inquiry", company_size=5000, country="US"),
        "partnerships", Tier.enterprise, ["partner-inquiry"], ONE_BUSINESS_DAY,
    ),
    "trial beats enterprise": Case(
        lead(lead_type="trial_signup", company_size=5000, country="US"),
        "growth-onboarding", Tier.enterprise, ["trial-signup"], None,
    ),
    "free email + named account goes to enterprise, not review": Case(
        lead("ceo@gmail.com", lead_type="demo_request", company="Hooli", country="US",
             state="CA"),
        "enterprise-us-west", Tier.enterprise, ["enterprise"], 5 * 60, accounts=(NAMED_HOOLI,),
    ),
    "named account matched by name ignores case and spacing": Case(
        lead("ceo@gmail.com", lead_type="pricing", company="  hOOLI "),
        "enterprise-pool", Tier.enterprise, ["enterprise"], 5 * 60, accounts=(NAMED_HOOLI,),
    ),
    "free email + account that is not named stays in review": Case(
        lead("ceo@gmail.com", lead_type="demo_request", company="Hooli"),
        "inbound-sdr-review", None, ["free-email-review"], 30 * 60,
        accounts=(NAMED_HOOLI.model_copy(update={"named_account": False}),),
    ),
    "named account with unknown size is enterprise": Case(
        lead("it@hooli.com", lead_type="contact_sales", country="GB"),
        "enterprise-emea", Tier.enterprise, ["enterprise"], 5 * 60, accounts=(NAMED_HOOLI,),
    ),
    "named account with a small size is still enterprise": Case(
        lead("it@hooli.com", lead_type="contact_sales", company_size=10, country="GB"),
        "enterprise-emea", Tier.enterprise, ["enterprise"], 5 * 60, accounts=(NAMED_HOOLI,),
    ),
    "low intent enterprise goes to the SDR pool": Case(
        lead(lead_type="webinar", company_size=5000, country="US", industry="banking"),
        "sdr-pool", Tier.enterprise, ["low-intent-sales"], ONE_BUSINESS_DAY,
    ),
    "low intent named account goes to the SDR pool": Case(
        lead("it@hooli.com", lead_type="newsletter"),
        "sdr-pool", Tier.enterprise, ["low-intent-sales"], ONE_BUSINESS_DAY,
        accounts=(NAMED_HOOLI,),
    ),
    "free-email review beats unknown-size review": Case(
        lead("x@outlook.com", lead_type="demo_request"),
        "inbound-sdr-review", None, ["free-email-review"], 30 * 60,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", PRECEDENCE_CASES.values(), ids=PRECEDENCE_CASES.keys())
def test_precedence_between_rules(case: Case, route: RouteFn, rules: RoutingRules) -> None:
    decision = route(case.submission, accounts=case.accounts, companies=case.companies)
    check(decision, case, rules)


@pytest.mark.parametrize(
    ("account", "skipped_rules"),
    [
        (OWNED.model_copy(update={"owner_id": GHOST}), ["account-owner"]),
        (
            OPPORTUNITY.model_copy(update={"open_opportunity_owner_id": GHOST}),
            ["open-opportunity"],
        ),
        (
            CUSTOMER.model_copy(update={"owner_id": GHOST}),
            ["existing-customer", "account-owner"],
        ),
    ],
    ids=["account owner", "opportunity owner", "customer's owner"],
)
def test_an_owner_missing_from_the_roster_is_named_in_the_reasons(
    account: Account, skipped_rules: list[str], route: RouteFn
) -> None:
    decision = route(demo(company_size=5000, country="US", state="NY"), accounts=(account,))
    assert decision.rule_ids == ["enterprise"]
    for rule_id in skipped_rules:
        fell_through = [r for r in decision.reasons if r.startswith(f"Rule {rule_id} matched")]
        assert len(fell_through) == 1, decision.reasons
        assert GHOST in fell_through[0]
        assert "falls through" in fell_through[0]


def test_an_inactive_account_owner_falls_through(rules_with: RulesWith, route: RouteFn) -> None:
    changed = rules_with(lambda data: set_member(data, "gita.berg", active=False))
    decision = route(demo(company_size=300, country="US"), accounts=(OWNED,), rules=changed)
    assert decision.rule_ids == ["mid-market"]
    assert decision.owner != "gita.berg"
    assert any("gita.berg" in r and "falls through" in r for r in decision.reasons)


def test_partner_inquiry_wins_even_when_listed_as_low_intent(
    rules_with: RulesWith, route: RouteFn
) -> None:
    changed = rules_with(lambda data: data["intent"]["low"].append("partner_inquiry"))
    decision = route(
        lead(lead_type="partner_inquiry", company_size=5000, country="US"), rules=changed
    )
    assert decision.intent == "low"
    assert decision.rule_ids == ["partner-inquiry"]
    assert decision.team == "partnerships"


EMEA = ["GB", "IE", "FR", "DE", "NL", "BE", "LU", "ES", "PT", "IT", "CH", "AT", "SE", "NO",
        "DK", "FI", "PL", "CZ", "IL", "AE", "ZA"]  # fmt: skip
APAC = ["AU", "NZ", "SG", "JP", "KR", "IN", "HK"]
US_WEST = ["WA", "OR", "CA", "NV", "ID", "MT", "WY", "UT", "CO", "AZ", "NM", "AK", "HI"]

TERRITORY_CASES: list[tuple[str | None, str | None, str | None]] = [
    *[("US", state, "us-west") for state in US_WEST],
    ("US", "NY", "us-east"),
    ("US", "TX", "us-east"),
    ("US", "ND", "us-east"),
    ("US", None, "us-east"),
    ("Canada", None, "us-east"),
    ("CA", "WA", "us-east"),  # Canada: a US state does not make it us-west
    *[(code, None, "emea") for code in EMEA],
    *[(code, None, "apac") for code in APAC],
    ("BR", None, None),
    ("MX", None, None),
    ("CN", None, None),
    (None, None, None),
]


@pytest.mark.parametrize(("country", "state", "territory"), TERRITORY_CASES)
def test_territory_boundaries(
    country: str | None, state: str | None, territory: str | None, route: RouteFn
) -> None:
    fields = {k: v for k, v in (("country", country), ("state", state)) if v is not None}
    decision = route(demo(company_size=5000, **fields))
    assert decision.territory == territory
    assert decision.team == (f"enterprise-{territory}" if territory else "enterprise-pool")
    assert decision.warnings == []


@pytest.mark.parametrize(
    ("country", "tier", "team"),
    [
        ("US", Tier.mid_market, "mm-us-east"),
        ("BR", Tier.self_serve, "growth-nurture"),
        (None, Tier.self_serve, "growth-nurture"),
    ],
)
def test_mid_market_needs_a_supported_territory(
    country: str | None, tier: Tier, team: str, route: RouteFn
) -> None:
    decision = route(demo(company_size=500, **({"country": country} if country else {})))
    assert decision.tier == tier
    assert decision.team == team


@pytest.mark.parametrize(
    ("size", "tier", "team", "rule_id"),
    [
        (0, Tier.self_serve, "growth-nurture", "default-nurture"),
        (99, Tier.self_serve, "growth-nurture", "default-nurture"),
        (100, Tier.mid_market, "mm-us-east", "mid-market"),
        (999, Tier.mid_market, "mm-us-east", "mid-market"),
        (1000, Tier.enterprise, "enterprise-us-east", "enterprise"),
        ("99", Tier.self_serve, "growth-nurture", "default-nurture"),
        ("100-249", Tier.mid_market, "mm-us-east", "mid-market"),
        ("1000+", Tier.enterprise, "enterprise-us-east", "enterprise"),
    ],
)
def test_company_size_boundaries(
    size: int | str, tier: Tier, team: str, rule_id: str, route: RouteFn
) -> None:
    decision = route(demo(company_size=size, country="US", state="NY"))
    assert decision.tier == tier
    assert decision.team == team
    assert decision.rule_ids == [rule_id]


def test_companies_directory_fills_the_size_that_sets_the_tier(route: RouteFn) -> None:
    directory = (Company(domain="acme.com", name="Acme", employees=2400, country="DE"),)
    decision = route(demo(), companies=directory)
    assert decision.tier == Tier.enterprise
    assert decision.team == "enterprise-emea"
    assert "2400 employees (from companies)" in decision.reasons


def test_the_form_size_wins_over_the_companies_directory(route: RouteFn) -> None:
    directory = (Company(domain="acme.com", name="Acme", employees=2400, country="DE"),)
    decision = route(demo(company_size=40, country="US"), companies=directory)
    assert decision.tier == Tier.self_serve
    assert decision.territory == "us-east"
    assert decision.rule_ids == ["default-nurture"]


def test_a_customer_account_without_an_owner_goes_to_customer_success(route: RouteFn) -> None:
    account = Account(domain="acme.com", name="Acme", is_customer=True)
    decision = route({"email": "it@acme.com", "lead_type": "pricing"}, accounts=[account])
    assert decision.team == "customer-success"
    assert decision.rule_ids == ["existing-customer"]
    assert decision.method == "round_robin"
    assert decision.owner in {"chloe.kowalski", "dev.walsh", "elena.patel"}
    assert any("has no owner" in r for r in decision.reasons)
