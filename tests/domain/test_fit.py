"""The configurable fit: points per fact in the rules file, its levels and explanation,
the shipped section deciding exactly as the classifier's built-in rule, `rules check`
naming the line of a bad fit or a bad `when:` value, and simulate showing fit changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from bench.leads import submissions
from domain.classify import classify
from domain.enrich import enrich_from, index_accounts
from domain.intake import InvalidSubmission, parse_submission
from domain.models import Company, Fit
from domain.rule_diff import Directory, simulate
from domain.rules import RulesError
from domain.rules_check import load_rules_text
from starter.runtime.settings import DEFAULT_RULES
from tests.domain.test_policy_2026_12 import BIG, route, rules_of

FIT = {
    "points": {
        "company_size": {">=1000": 60, ">=50": 30},
        "industry": {"software": 20},
        "territory": {"unsupported": -100},
        "seniority": {"c_level": 30, "vp": 30, "student": -50},
    },
    "levels": {"high": 80, "medium": 30},
}
SMALL = Company(domain="acme.com", name="Acme", employees=60, industry="Retail", country="US")
NOWHERE = Company(domain="acme.com", name="Acme")


@pytest.mark.parametrize(
    ("submission", "company", "fit", "explained"),
    [
        ({"job_title": "VP Engineering"}, BIG, Fit.strong,
         "Fit 110 (strong) = company_size >=1000 60 + industry software 20 + seniority vp 30"),
        ({"job_title": "Engineer"}, SMALL, Fit.medium, "Fit 30 (medium) = company_size >=50 30"),
        ({"job_title": "Student"}, SMALL, Fit.weak,
         "Fit -20 (weak) = company_size >=50 30 + seniority student -50"),
        ({"country": "BR"}, BIG, Fit.weak,
         "Fit -20 (weak) = company_size >=1000 60 + industry software 20 + territory unsupported -100"),
        ({}, NOWHERE, Fit.unknown, "Fit unknown: no fit fact known"),
    ],
)  # fmt: skip
def test_the_fit_adds_points_per_fact_and_takes_the_level_reached(
    submission: dict[str, Any], company: Company, fit: Fit, explained: str
) -> None:
    rules = rules_of([{"id": "fit", "when": {"fit": ["high"]}, "team": "u", "sla": "5m"}], fit=FIT)
    decision = route(rules, {"lead_type": "demo_request", **submission}, companies=(company,))
    assert decision.fit is fit
    assert explained in decision.reasons
    assert (decision.team == "u") is (fit is Fit.strong)  # rules test the configured fit


def test_the_shipped_fit_section_decides_as_the_built_in_rule() -> None:
    """Every rules file without `fit:` keeps the classifier's rule; the shipped section
    spells that rule out as points, so no lead's fit changes with it."""
    shipped = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    assert shipped["fit"]
    without = {key: value for key, value in shipped.items() if key != "fit"}
    configured = load_rules_text(yaml.safe_dump(shipped, sort_keys=False), source="shipped.yaml")
    built_in = load_rules_text(yaml.safe_dump(without, sort_keys=False), source="without-fit.yaml")
    companies = {
        "acme.com": BIG,
        "small.io": SMALL.model_copy(update={"domain": "small.io"}),
        "tiny.io": Company(domain="tiny.io", employees=8, country="DE"),
        "mining.cl": Company(domain="mining.cl", employees=2000, country="CL"),
    }
    seen: dict[Fit, int] = {}
    for data in submissions(3000, seed=7):
        try:
            lead = parse_submission(data)
        except InvalidSubmission:
            continue
        enrichment = enrich_from(lead, companies, *index_accounts([]))
        fit = classify(lead, enrichment, configured).fit
        assert fit is classify(lead, enrichment, built_in).fit, data
        seen[fit] = seen.get(fit, 0) + 1
    assert set(seen) == set(Fit), seen  # every level was exercised


def load_error(text: str) -> str:
    with pytest.raises(RulesError) as bad:
        load_rules_text(text, source="acme.yaml")
    return str(bad.value)


def test_rules_check_names_the_line_of_a_bad_fit() -> None:
    shipped = DEFAULT_RULES.read_text(encoding="utf-8")
    lines = shipped.splitlines()
    tier_line = next(i for i, ln in enumerate(lines, 1) if ln.startswith("    tier: {enterprise"))
    levels_line = next(i for i, ln in enumerate(lines, 1) if ln.startswith("  levels: {strong"))
    text = shipped.replace("tier: {enterprise: 100,", "tier: {enterprize: 100,")
    assert (
        f"acme.yaml:{tier_line}: fit.points.tier: 'enterprize' is not a tier "
        "(use enterprise, mid_market, self_serve, unknown)"
    ) in load_error(text)
    text = shipped.replace("  levels: {strong: 100,", "  levels: {great: 100,")
    assert f"acme.yaml:{levels_line}: fit.levels: 'great' is not a fit level" in load_error(text)
    text = shipped.replace("    spam: {", "    intent: {high: 5}\n    spam: {")
    assert f"acme.yaml:{tier_line - 1}: fit.points: 'intent' cannot be part of the fit" in (
        load_error(text)
    )
    text = shipped.replace(
        "  levels: {strong: 100, medium: 50}", "  levels: {strong: 50, medium: 50}"
    )
    assert "fit: levels: strong must need more points than medium" in load_error(text)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"lead_type": ["demo"]}, "'demo' is not a lead type (use demo_request, contact_sales,"),
        ({"intent": ["hot"]}, "'hot' is not a intent (use high, low, neutral)"),
        ({"fit": ["great"]}, "'great' is not a fit (use high, medium, low, unknown, strong, weak)"),
        ({"seniority": ["boss"]}, "'boss' is not a seniority (use c_level, vp, director,"),
        ({"tier": ["smb"]}, "'smb' is not a tier (use enterprise, mid_market, self_serve, unknown)"),
        ({"country": ["USA"]}, "'USA' is not an ISO 3166 country code (two capital letters"),
        ({"territory": ["latam"]}, "'latam' is not a territory (use us, unsupported)"),
        ({"vertical": ["retail"]}, "'retail' is not a vertical (use none: the file names no vertical)"),
        ({"score_band": ["hott"]}, "'hott' is not a score band (use cold, hot)"),
    ],
)  # fmt: skip
def test_a_bad_when_value_is_an_error_with_its_line_and_the_allowed_values(
    when: dict[str, Any], message: str
) -> None:
    data = yaml.safe_load(rules_of([]).model_dump_json(exclude_none=True))
    data["score"] = {"points": {}, "bands": {"hot": 70}}
    data["rules"].insert(0, {"id": "bad", "when": when, "team": "u", "sla": "5m"})
    text = yaml.safe_dump(data, sort_keys=False)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip() == "when:") + 1
    error = load_error(text)
    fact = next(iter(when))
    assert f"acme.yaml:{line}: rules[0] (bad).when.{fact}: {message}" in error, error


def test_simulate_shows_a_fit_change_before_any_rule_reads_it() -> None:
    shipped = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    candidate = json.loads(json.dumps(shipped))
    candidate["fit"]["points"]["industry"] = {"software": -10}
    base = load_rules_text(yaml.safe_dump(shipped, sort_keys=False), source="a.yaml")
    new = load_rules_text(yaml.safe_dump(candidate, sort_keys=False), source="b.yaml")
    lines = [
        json.dumps({"email": "ana@small.io", "lead_type": "webinar", "company": "Small"}),
        json.dumps({"email": "bo@acme.com", "lead_type": "demo_request", "company": "Acme"}),
    ]
    small = SMALL.model_copy(update={"domain": "small.io"})
    report = simulate(lines, base, new, Directory({"small.io": small, "acme.com": BIG}, []))
    assert (report.leads, report.fit, report.changed) == (2, 1, 0)
    [change] = report.changes
    assert change.changed == ["fit"] and change.where == "leads:2"
    assert (change.before.fit, change.after.fit) == (Fit.strong, Fit.medium)
    assert change.after.describe().endswith("; fit medium, score 55 (warm)")
