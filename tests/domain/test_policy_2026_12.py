"""The policy features of 2026.12: conditions, the score, time-boxed rules, suppress,
required fields, domain_owner and holiday calendars; the shipped default uses each."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from activities.rules_file import load_rules_file
from domain.assign import RosterState
from domain.engine import decide
from domain.enrich import enrich_from, index_accounts
from domain.intake import parse_submission
from domain.models import Company, RoutingDecision
from domain.rules import RoutingRules, RulesError, WorkingHours
from domain.rules_check import load_rules_text, policy_warnings
from domain.seniority import Seniority, SeniorityMap
from domain.sla import business_deadline
from starter.runtime.settings import DEFAULT_RULES

CATCH_ALL = {"id": "rest", "team": "t", "sla": "1h"}
TEAM = {"id": "t", "name": "T", "members": [{"id": "amy", "name": "Amy"}]}
OTHER = {"id": "u", "name": "U", "members": [{"id": "bo", "name": "Bo"}]}
BIG = Company(domain="acme.com", name="Acme", employees=5000, industry="Software", country="US")


def rules_of(rules: list[dict[str, Any]], **top: Any) -> RoutingRules:
    import yaml

    data = {
        "version": "t1",
        "intent": {"high": ["demo_request"], "low": ["newsletter"]},
        "territories": [{"id": "us", "countries": ["US"]}],
        "teams": [TEAM, OTHER],
        "escalation": {"review_team": "u"},
        "rules": [*rules, CATCH_ALL],
        **top,
    }
    return load_rules_text(yaml.safe_dump(data, sort_keys=False), source="t.yaml")


def route(
    rules: RoutingRules,
    submission: dict[str, Any],
    at: datetime | None = None,
    state: RosterState | None = None,
    companies: tuple[Company, ...] = (BIG,),
) -> RoutingDecision:
    lead = parse_submission({"email": "ana@acme.com", **submission})
    enrichment = enrich_from(lead, {c.domain: c for c in companies}, *index_accounts([]))
    return decide(lead, enrichment, rules, state or RosterState(), at)


@pytest.mark.parametrize(
    ("when", "submission", "matches"),
    [
        ({"fit": ["high"]}, {}, True),
        ({"fit": ["low"]}, {}, False),
        ({"fit": ["low"]}, {"country": "Brazil"}, True),
        ({"source": ["api"]}, {}, True),
        ({"utm_source": ["LinkedIn"]}, {"utm_source": "linkedin"}, True),
        ({"utm_medium": ["cpc"]}, {"utm_medium": "email"}, False),
        ({"utm_campaign": ["reinvent-2026"]}, {"utm_campaign": "ReInvent-2026"}, True),
        ({"form_id": ["webinar-2026"]}, {"form_id": "webinar-2026"}, True),
        ({"form_id": ["webinar-2026"]}, {}, False),
        ({"page_url": ["https://acme.io/pricing"]}, {"page_url": "https://acme.io/pricing"}, True),
        ({"page_url": ["/pricing"]}, {"page_url": "https://acme.io/pricing/enterprise"}, True),
        ({"page_url": ["/pricing"]}, {"page_url": "https://acme.io/pricingx"}, False),
        ({"page_url": ["*/events/*"]}, {"page_url": "https://acme.io/events/re-invent"}, True),
        ({"page_url": ["*/events/*"]}, {"page_url": "https://acme.io/blog/x"}, False),
        ({"seniority": ["vp"]}, {"job_title": "VP Engineering"}, True),
        ({"seniority": ["vp"]}, {"job_title": "Vice President, Sales"}, True),
        ({"seniority": ["c_level"]}, {"job_title": "CTO"}, True),
        ({"seniority": ["c_level"]}, {"job_title": "Chief Revenue Officer"}, True),
        ({"seniority": ["c_level"]}, {}, False),
        ({"company_size": [">=1000"]}, {}, True),
        ({"company_size": ["<1000"]}, {}, False),
        ({"company_size": ["100-999"]}, {"company_size": 100}, True),
        ({"company_size": ["100-999"]}, {"company_size": 1000}, False),
        ({"annual_revenue": [">=10M"]}, {"annual_revenue": "12.5M"}, True),
        ({"annual_revenue": [">=10M"]}, {"annual_revenue": 9_999_999}, False),
        ({"annual_revenue": [">=10M"]}, {"annual_revenue": "lots"}, False),
        ({"language": ["de", "fr"]}, {"language": "DE"}, True),
        ({"language": ["de"]}, {}, False),
    ],
)
def test_each_condition(when: dict[str, Any], submission: dict[str, Any], matches: bool) -> None:
    rules = rules_of([{"id": "r", "when": when, "team": "u", "sla": "5m"}])
    decision = route(rules, {"country": "US", **submission}, at=datetime(2026, 6, 1, tzinfo=UTC))
    assert (decision.rule_ids == ["r"]) is matches, decision.reasons


@pytest.mark.parametrize(
    ("at", "within"),
    [
        (datetime(2026, 6, 3, 14, 0, tzinfo=UTC), "business_hours"),  # Wed 10:00 New York
        (datetime(2026, 6, 3, 2, 0, tzinfo=UTC), "after_hours"),  # Tue 22:00 New York
        (datetime(2026, 6, 6, 15, 0, tzinfo=UTC), "after_hours"),  # Saturday
    ],
)
def test_submitted_within(at: datetime, within: str) -> None:
    rules = rules_of([{"id": "r", "when": {"submitted_within": within}, "team": "u", "sla": "5m"}])
    assert route(rules, {}, at=at).rule_ids == ["r"]


def test_the_score_adds_points_explains_them_and_bands_them() -> None:
    score = {
        "points": {
            "company_size": {">=1000": 30, ">=100": 15},
            "lead_type": {"demo_request": 25},
            "seniority": {"c_level": 20, "vp": 20, "director": 10},
        },
        "bands": {"hot": 70, "warm": 40},
    }
    rules = rules_of([{"id": "hot", "when": {"score_band": ["hot"]}, "team": "u", "sla": "5m"}],
                     score=score)  # fmt: skip
    hot = route(rules, {"lead_type": "demo_request", "job_title": "VP Engineering"})
    assert (hot.score, hot.score_band, hot.rule_ids) == (75, "hot", ["hot"])
    assert (
        "Score 75 (hot) = company_size >=1000 30 + lead_type demo_request 25 + seniority vp 20"
        in hot.reasons
    )
    # the first matching range counts, once
    warm = route(rules, {"lead_type": "demo_request", "company_size": 150}, companies=())
    assert (warm.score, warm.score_band) == (40, "warm")
    cold = route(rules, {"lead_type": "newsletter"}, companies=())
    assert (cold.score, cold.score_band, cold.rule_ids) == (0, "cold", ["rest"])


@pytest.mark.parametrize(
    ("ranges", "shadowed"),
    [
        ({">=1000": 30, ">=100": 15}, []),  # the shipped order: narrowest first
        ({">=100": 15, ">=1000": 30}, [("'>=1000'", "'>=100'")]),
        ({"100-999": 15, ">=1000": 30, "200-300": 5}, [("'200-300'", "'100-999'")]),
        ({">100": 15, ">=100": 30}, []),  # 100 itself still counts for the second
        ({">=100": 15, ">100": 30, "<=5": 1, "<5": 2}, [("'>100'", "'>=100'"), ("'<5'", "'<=5'")]),
    ],
)
def test_rules_check_warns_about_a_range_that_never_counts(
    ranges: dict[str, int], shadowed: list[tuple[str, str]]
) -> None:
    at = datetime(2026, 12, 5, tzinfo=UTC)
    for section in ("score", "fit"):
        table: dict[str, Any] = {"points": {"company_size": ranges}}
        if section == "fit":
            table["levels"] = {"high": 80, "medium": 30}
        rules = rules_of([], **{section: table})
        warnings = policy_warnings(rules, at)
        assert len(warnings) == len(shadowed), warnings
        for warning, (later, earlier) in zip(warnings, shadowed, strict=True):
            assert warning.startswith(f"{section}.points.company_size: {later} never counts: ")
            assert f"{earlier} comes first" in warning
    assert policy_warnings(load_rules_file(DEFAULT_RULES), at) == []


def test_a_score_band_needs_a_score_and_a_known_band() -> None:
    with pytest.raises(RulesError, match=r"rules\[0\] \(r\)\.when\.score_band: there is no score"):
        rules_of([{"id": "r", "when": {"score_band": ["hot"]}, "team": "u", "sla": "5m"}])
    with pytest.raises(RulesError, match=r"'hott' is not a score band \(use cold, hot\)"):
        rules_of([{"id": "r", "when": {"score_band": ["hott"]}, "team": "u", "sla": "5m"}],
                 score={"bands": {"hot": 70}})  # fmt: skip
    with pytest.raises(RulesError, match=r"score\.points: .*'shoe_size' cannot be scored"):
        rules_of([], score={"points": {"shoe_size": {"44": 1}}})


CAMPAIGN = {
    "id": "campaign",
    "when": {"utm_campaign": ["reinvent-2026"]},
    "active_from": "2026-12-01",
    "active_until": "2026-12-15",
    "team": "u",
    "sla": "15m",
}


@pytest.mark.parametrize(
    ("at", "active"),
    [
        (datetime(2026, 12, 1, 4, 59, tzinfo=UTC), False),  # 23:59 Nov 30 in New York
        (datetime(2026, 12, 1, 5, 0, tzinfo=UTC), True),  # midnight Dec 1 in New York
        (datetime(2026, 12, 16, 4, 59, tzinfo=UTC), True),  # the last minute of Dec 15
        (datetime(2026, 12, 16, 5, 0, tzinfo=UTC), False),
    ],
)
def test_a_time_boxed_rule_at_its_boundaries(at: datetime, active: bool) -> None:
    rules = rules_of([CAMPAIGN])
    decision = route(rules, {"utm_campaign": "reinvent-2026"}, at=at)
    assert (decision.rule_ids == ["campaign"]) is active
    # the form's own submitted_at wins over when it reached us
    stamped = route(
        rules, {"utm_campaign": "reinvent-2026", "submitted_at": at.isoformat()},
        at=datetime(2030, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    assert (stamped.rule_ids == ["campaign"]) is active


def test_rules_check_warns_about_expired_and_future_rules() -> None:
    rules = rules_of([CAMPAIGN])
    assert policy_warnings(rules, datetime(2026, 12, 5, tzinfo=UTC)) == []
    assert "expired" in policy_warnings(rules, datetime(2027, 1, 1, tzinfo=UTC))[0]
    assert "not active until" in policy_warnings(rules, datetime(2026, 1, 1, tzinfo=UTC))[0]
    with pytest.raises(RulesError, match="active_until: must be after active_from"):
        rules_of([{**CAMPAIGN, "active_until": "2026-11-01"}])


def test_suppress_assigns_no_one_and_says_why() -> None:
    rules = rules_of([{"id": "quiet", "when": {"fit": ["low"], "intent": ["low"]},
                       "suppress": {"track": "nurture-newsletter", "reason": "low fit, low intent"}}])  # fmt: skip
    decision = route(rules, {"lead_type": "newsletter", "country": "Brazil"})
    assert decision.suppressed and decision.track == "nurture-newsletter"
    assert (decision.owner, decision.team, decision.sla_seconds) == (None, None, None)
    assert decision.method == "suppressed" and any(
        "low fit, low intent" in r for r in decision.reasons
    )
    with pytest.raises(RulesError, match="assigns no one"):
        rules_of([{"id": "q", "team": "t", "sla": "5m", "suppress": {"track": "x", "reason": "y"}}])


def test_required_fields_send_the_lead_to_review_never_reject_it() -> None:
    rules = rules_of([], required_fields={"demo_request": ["company", "job_title"]})
    decision = route(rules, {"lead_type": "demo_request"}, companies=())
    assert decision.rule_ids == ["required-fields"] and decision.team == "u"
    assert any("needs company, job_title" in r for r in decision.reasons)
    # the companies file knows the company; the title is still missing
    assert "needs job_title" in " ".join(route(rules, {"lead_type": "demo_request"}).reasons)
    complete = route(rules, {"lead_type": "demo_request", "job_title": "CTO"})
    assert complete.rule_ids == ["rest"]
    with pytest.raises(
        RulesError, match=r"required_fields\.demo_request: 'budget' is not a lead field"
    ):
        rules_of([], required_fields={"demo_request": ["budget"]})


def test_domain_owner_keeps_a_company_with_one_owner() -> None:
    rules = rules_of([{"id": "r", "when": {"tier": ["enterprise"]}, "owner": "domain_owner",
                       "team": "t", "sla": "5m"}])  # fmt: skip
    state = RosterState()
    first = route(rules, {}, state=state)
    assert first.owner == "amy" and first.method == "round_robin"
    lead = parse_submission({"email": "bob@acme.com"})
    enrichment = enrich_from(lead, {"acme.com": BIG}, *index_accounts([]))
    state.owners["amy"].open_leads = 0
    second = decide(lead, enrichment, rules, state)
    assert second.owner == "amy" and second.method == "domain_owner"
    assert any(
        f"Same company as {first.lead_id} (acme.com): kept with amy" in r for r in second.reasons
    )
    state.owner("amy").away = True  # away: round-robin instead
    assert decide(lead, enrichment, rules, state).method != "domain_owner"


def test_free_mail_never_shares_an_owner() -> None:
    rules = rules_of([{"id": "r", "owner": "domain_owner", "team": "t", "sla": "5m"}])
    state = RosterState()
    for email in ("a@gmail.com", "b@gmail.com"):
        lead = parse_submission({"email": email})
        decision = decide(lead, enrich_from(lead, {}, *index_accounts([])), rules, state)
        assert decision.method == "round_robin"


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("VP Engineering", Seniority.vp),
        ("Vice President", Seniority.vp),
        ("SVP, Sales", Seniority.vp),
        ("CTO", Seniority.c_level),
        ("Chief People Officer", Seniority.c_level),
        ("Co-Founder", Seniority.c_level),
        ("Director of IT", Seniority.director),
        ("Engineering Manager", Seniority.manager),
        ("Software Engineer", Seniority.individual),
        ("Student", Seniority.student),
        ("Product Owner", None),
        ("", None),
    ],
)
def test_seniority_of_a_title(title: str, level: Seniority | None) -> None:
    assert SeniorityMap().of(title) is level


def test_a_seniority_map_of_your_own() -> None:
    own = SeniorityMap({"vp": [r"bereichsleiter"]})
    assert own.of("Bereichsleiter Vertrieb") is Seniority.vp
    assert own.of("VP Sales") is None  # the level's defaults are replaced


@pytest.mark.parametrize(
    ("zone", "calendar", "start", "due"),
    [
        # Christmas Eve (listed) and Christmas Day (US) are skipped: Thu 24th 16:00 -> Mon 28th
        ("America/New_York", {"calendar": "US", "dates": ["2026-12-24"]},
         datetime(2026, 12, 23, 21, 30, tzinfo=UTC), datetime(2026, 12, 28, 14, 30, tzinfo=UTC)),
        # Boxing Day is Saturday in 2026: England moves it to Monday 28th
        ("Europe/London", "GB",
         datetime(2026, 12, 24, 16, 30, tzinfo=UTC), datetime(2026, 12, 29, 9, 30, tzinfo=UTC)),
        # New Year's Day in Berlin; 2 Jan is a Saturday
        ("Europe/Berlin", "DE-BY",
         datetime(2026, 12, 31, 15, 30, tzinfo=UTC), datetime(2027, 1, 4, 8, 30, tzinfo=UTC)),
        # Sydney (New South Wales): Boxing Day observed Monday 28th, then Tuesday from 9:00 AEDT (UTC+11)
        ("Australia/Sydney", "AU-NSW",
         datetime(2026, 12, 24, 5, 30, tzinfo=UTC), datetime(2026, 12, 28, 22, 30, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_holidays_stop_the_sla_clock(
    zone: str, calendar: Any, start: datetime, due: datetime
) -> None:
    hours = WorkingHours.model_validate({"timezone": zone, "holidays": calendar})
    assert business_deadline(start, 3600, hours) == due


def test_a_holiday_across_a_dst_change() -> None:
    # Good Friday 2027 (26 March) in England; BST starts Sunday 28 March
    hours = WorkingHours.model_validate({"timezone": "Europe/London", "holidays": "GB-ENG"})
    start = datetime(2027, 3, 25, 16, 30)  # Thu 16:30 GMT
    due = business_deadline(start.replace(tzinfo=UTC), 3600, hours)
    # Easter Monday 29th is a holiday too; Tuesday 30th opens at 09:00 BST = 08:00 UTC
    assert due == datetime(2027, 3, 30, 8, 30, tzinfo=UTC)


def test_an_unknown_calendar_is_refused_with_its_path() -> None:
    with pytest.raises(
        RulesError, match=r"teams\[0\]\.hours\.holidays\.calendar: 'XX' is not a holiday calendar"
    ):
        rules_of([], teams=[{**TEAM, "hours": {"holidays": "XX"}}, OTHER])
    with pytest.raises(RulesError, match="DE has no subdivision ZZ"):
        rules_of([], default_hours={"holidays": {"calendar": "DE-ZZ"}})


def test_the_shipped_default_uses_every_feature() -> None:
    rules = load_rules_file(DEFAULT_RULES)
    assert rules.version == "2026.12.0" and rules.score is not None and rules.required_fields
    at = datetime(2026, 12, 5, 15, tzinfo=UTC)
    quiet = route(rules, {"lead_type": "newsletter", "country": "Brazil"}, at=at, companies=())
    assert quiet.suppressed and quiet.rule_ids == ["low-fit-low-intent"]
    loud = route(rules, {"lead_type": "demo_request", "country": "Brazil", "company": "X"},
                 at=at, companies=())  # fmt: skip
    assert loud.rule_ids == ["low-fit-high-intent"] and loud.team == "inbound-sdr-review"
    nameless = route(rules, {"lead_type": "demo_request"}, at=at, companies=())
    assert nameless.rule_ids == ["required-fields"]
    bot = route(rules, {"lead_type": "demo_request", "honeypot": "x"}, at=at, companies=())
    assert bot.rule_ids == ["spam"] and bot.team == "manual-review"
    event = route(rules, {"utm_campaign": "reinvent-2026", "lead_type": "demo_request"}, at=at)
    assert event.rule_ids == ["reinvent-2026-field"]
    assert rules.hours_of_member("zane.ivanova").holidays is not None
    assert rules.hours_of_member("zane.ivanova").holidays.covers(date(2026, 12, 28))  # type: ignore[union-attr]


def test_rules_with_every_feature_survive_the_round_trip_a_lead_pins_them_through() -> None:
    rules = load_rules_file(DEFAULT_RULES)
    again = RoutingRules.model_validate_json(rules.model_dump_json())
    assert again == rules
