"""Properties over random leads: one valid team, a reason, and the same answer every time."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.assign import OwnerState, RosterState
from domain.intake import InvalidSubmission, parse_submission
from domain.models import Account, Company, LeadType
from domain.rules import RoutingRules
from tests.helpers import RouteFn

PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

DOMAINS = ["acme.com", "hooli.com", "globex.de", "gmail.com", "yahoo.co.uk", "mailinator.com",
           "example.com", "test.com", "sub.acme.com", "startup.io"]  # fmt: skip
OWNERS = [None, "chloe.kowalski", "gita.berg", "felix.alvarez", "wen.fischer", "ghost.owner"]

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
)  # fmt: skip
GARBAGE = st.one_of(
    JSON_SCALARS,
    st.lists(JSON_SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=5), JSON_SCALARS, max_size=3),
)


def field(*sensible: Any) -> st.SearchStrategy[Any]:
    """A field's value: mostly plausible, sometimes any JSON value at all."""
    return st.one_of(st.sampled_from(sensible), GARBAGE)


emails = st.builds(
    lambda local, domain, upper: f"{local}@{domain}".upper() if upper else f"{local}@{domain}",
    st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,15}[a-z0-9]", fullmatch=True).filter(
        lambda s: ".." not in s
    ),
    st.sampled_from(DOMAINS),
    st.booleans(),
)

SIZE_TEXTS = ["99", "100", "999", "1000", "201-500", "5000+", "1,000-5,000", "500-201", "lots"]
COUNTRY_TEXTS = ["US", "us", "United States", "UK", "Deutschland", "CA", "AU", "BR", "Narnia"]

OPTIONAL_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "first_name": field("Ana", "Bo", "http://spam.example", "www.win", ""),
    "last_name": field("Lopez", "Buy at pills.ru"),
    "company": field("Hooli", "hooli", "Acme", "Globex GmbH", "  HOOLI "),
    "company_size": st.one_of(
        st.integers(min_value=0, max_value=200_000),
        st.sampled_from(SIZE_TEXTS),
        GARBAGE,
    ),
    "industry": field("Banking", "Hospital & Health Care", "biotechnology", "Retail"),
    "country": field(*COUNTRY_TEXTS),
    "state": field("CA", "ny", "Texas", "WA", "ZZ"),
    "job_title": field("CTO", "Intern"),
    "lead_type": field(*[t.value for t in LeadType], "DEMO_REQUEST", " pricing ", "bogus"),
    "product_interest": field("security", "Analytics, Security", "analytics", ","),
    "page_url": field("https://acme.example/pricing"),
    "utm_source": field("google", "linkedin"),
    "message": field("Call me", "x" * 2500),
    "honeypot": field("", "bot"),
    "submitted_at": field("2026-11-24T15:00:00Z", "2026-11-24T10:00:00", "yesterday"),
    "unexpected_field": GARBAGE,
}

submissions = st.fixed_dictionaries({"email": emails}, optional=OPTIONAL_FIELDS)

accounts = st.lists(
    st.builds(
        Account,
        domain=st.sampled_from(DOMAINS),
        name=st.sampled_from(["Hooli", "Acme", "Globex GmbH", "Startup"]),
        owner_id=st.sampled_from(OWNERS),
        is_customer=st.booleans(),
        open_opportunity_owner_id=st.sampled_from(OWNERS),
        named_account=st.booleans(),
    ),
    max_size=3,
)
companies = st.lists(
    st.builds(
        Company,
        domain=st.sampled_from(DOMAINS),
        name=st.one_of(st.none(), st.sampled_from(["Acme Robotics", "Globex"])),
        employees=st.one_of(st.none(), st.integers(min_value=0, max_value=50_000)),
        industry=st.one_of(st.none(), st.sampled_from(["Banking", "Healthcare", "Software"])),
        country=st.one_of(st.none(), st.sampled_from(["US", "DE", "JP", "BR"])),
    ),
    max_size=3,
)


def roster_states(rules: RoutingRules) -> st.SearchStrategy[RosterState]:
    member_ids = [m.id for t in rules.teams for m in t.members]
    owner_states = st.builds(
        OwnerState, open_leads=st.integers(min_value=0, max_value=70), away=st.booleans()
    )
    return st.builds(RosterState, owners=st.dictionaries(st.sampled_from(member_ids), owner_states))


@PROPERTY_SETTINGS
@given(data=st.data(), submission=submissions, account_list=accounts, company_list=companies)
def test_every_valid_lead_gets_exactly_one_roster_team_and_a_reason(
    data: st.DataObject,
    submission: dict[str, Any],
    account_list: list[Account],
    company_list: list[Company],
    route: RouteFn,
    rules: RoutingRules,
) -> None:
    state = data.draw(roster_states(rules))
    decision = route(submission, accounts=account_list, companies=company_list, state=state)
    assert isinstance(decision.team, str)
    assert rules.has_team(decision.team)
    assert decision.rule_ids
    assert decision.rule_ids[0] in {r.id for r in rules.rules}
    assert decision.reasons
    assert any(r.startswith(f"Rule {decision.rule_ids[0]}:") for r in decision.reasons)
    if decision.owner is None:
        assert decision.method == "unassigned"
    else:
        assert rules.member(decision.owner) is not None


@PROPERTY_SETTINGS
@given(data=st.data(), submission=submissions, account_list=accounts, company_list=companies)
def test_routing_is_deterministic(
    data: st.DataObject,
    submission: dict[str, Any],
    account_list: list[Account],
    company_list: list[Company],
    route: RouteFn,
    rules: RoutingRules,
) -> None:
    state = data.draw(roster_states(rules))
    twin = copy.deepcopy(state)
    first = route(copy.deepcopy(submission), accounts=account_list, companies=company_list,
                  state=state)  # fmt: skip
    second = route(copy.deepcopy(submission), accounts=account_list, companies=company_list,
                   state=twin)  # fmt: skip
    assert first == second
    assert state == twin


@PROPERTY_SETTINGS
@given(submission=st.dictionaries(st.sampled_from(["email", *OPTIONAL_FIELDS]), GARBAGE))
def test_any_object_is_a_lead_or_an_invalid_submission(submission: dict[str, Any]) -> None:
    try:
        lead = parse_submission(submission)
    except InvalidSubmission as exc:
        assert exc.field == "email"
    else:
        assert lead.email == str(submission["email"]).strip().lower()
