"""Shared fixtures: the shipped rules, changed copies of them, and routing one submission."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from activities.rules_file import load_rules_file
from domain.assign import RosterState
from domain.engine import decide
from domain.enrich import enrich_from, index_accounts
from domain.intake import parse_submission
from domain.models import Account, Company, RoutingDecision
from domain.rules import RoutingRules
from domain.rules_check import load_rules_text
from starter.runtime.settings import DEFAULT_RULES
from tests.helpers import RouteFn, RulesWith

# The policy as shipped before 2026.12.0 (score, fit x intent, required fields...): the
# policy tests route with it, proving a rules file valid then still routes as it did.
# tests/domain/test_policy_2026_12.py covers the shipped default.
# loopback fakes of Slack and an SMTP server, as fixtures (`slack`, `smtp`)
pytest_plugins = ["tests.fakes.slack", "tests.fakes.smtp"]

PREVIOUS_RULES = Path(__file__).parent / "data" / "rules-2026.11.1.yaml"


@pytest.fixture(scope="session")
def rules() -> RoutingRules:
    return load_rules_file(PREVIOUS_RULES)


@pytest.fixture(scope="session")
def shipped_rules() -> RoutingRules:
    """The default policy, what the edges (route, roster, up) use without --rules."""
    return load_rules_file(DEFAULT_RULES)


@pytest.fixture(scope="session")
def rules_text() -> str:
    return PREVIOUS_RULES.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def rules_with(rules_text: str) -> RulesWith:
    """Rules from a changed copy of the default policy, validated like a rules file."""
    base = yaml.safe_load(rules_text)

    def build(change: Callable[[dict[str, Any]], None]) -> RoutingRules:
        data = copy.deepcopy(base)
        change(data)
        return load_rules_text(yaml.safe_dump(data, sort_keys=False), source="changed.yaml")

    return build


@pytest.fixture(scope="session")
def route(rules: RoutingRules) -> RouteFn:
    """Intake, enrich against in-memory directories, classify, plan and assign one lead."""

    def _route(
        submission: Mapping[str, Any],
        *,
        companies: Iterable[Company] = (),
        accounts: Iterable[Account] = (),
        state: RosterState | None = None,
        rules: RoutingRules | None = None,
    ) -> RoutingDecision:
        lead = parse_submission(submission)
        by_domain, by_name = index_accounts(accounts)
        enrichment = enrich_from(lead, {c.domain: c for c in companies}, by_domain, by_name)
        roster_state = state if state is not None else RosterState()
        return decide(lead, enrichment, rules or default_rules, roster_state)

    default_rules = rules
    return _route


@pytest.fixture(autouse=True, scope="session")
def _history_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Replays in tests keep their parsed histories in a temporary folder, not ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEAD_ROUTER_HISTORY_CACHE", str(tmp_path_factory.mktemp("history-cache")))
        yield
