"""What routing remembers per combination of facts (the rules whose conditions hold, the
score and the fit) answers exactly as computing it afresh, also once a memo is full and
starts over."""

from __future__ import annotations

from typing import Any

import pytest

import domain.conditions
import domain.score
from activities.catalog import load_companies
from activities.rules_file import load_rules_file
from bench.leads import submissions
from domain.classify import classify
from domain.conditions import Matching, checks_hold
from domain.enrich import enrich_from
from domain.intake import parse_submission
from domain.plan import _facts
from domain.rules import RoutingRules
from domain.score import ScoreSpec
from starter.runtime.settings import DEFAULT_RULES, SAMPLE_COMPANIES


def _lead_facts(rules: RoutingRules, count: int) -> list[dict[str, Any]]:
    companies, _ = load_companies(SAMPLE_COMPANIES)
    out = []
    for submission in submissions(count):
        lead = parse_submission(submission)
        enrichment = enrich_from(lead, companies, {}, {})
        facts, _ = _facts(lead, enrichment, classify(lead, enrichment, rules), rules, None)
        out.append(facts)
    return out


@pytest.mark.parametrize("memo_size", [4096, 3])
def test_the_rules_holding_are_those_a_scan_finds(
    memo_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(domain.conditions, "_MEMO_SIZE", memo_size)
    rules = load_rules_file(DEFAULT_RULES)
    matching = Matching((rule, rule.when.checks) for rule in rules.rules)
    seen = set()
    for facts in _lead_facts(rules, 600):
        held = matching.holding(facts)
        assert held == tuple(r for r in rules.rules if checks_hold(r.when.checks, facts))
        assert matching.holding(facts) is held  # asked again: remembered
        assert len(matching._memo) <= memo_size
        seen.add(tuple(r.id for r in held))
    assert len(seen) > 5  # the leads took several paths through the rules


@pytest.mark.parametrize("memo_size", [4096, 2])
def test_a_remembered_score_is_the_score_tallied_afresh(
    memo_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(domain.score, "_MEMO_SIZE", memo_size)
    rules = load_rules_file(DEFAULT_RULES)
    assert rules.score is not None
    spec = ScoreSpec.model_validate(rules.score.model_dump())  # a fresh, empty memo
    points = set()
    for facts in _lead_facts(rules, 400):
        total, parts = spec.tally(facts)
        score = spec.score(facts)
        assert (score.points, score.parts, score.band) == (total, parts, spec.band_of(total))
        assert len(spec._memo) <= memo_size
        points.add(total)
    assert len(points) > 5
