"""A rule's `next_step`: checked where the rules file is read (with the key and line),
and picked for the lead's tier from the deciding rules."""

from __future__ import annotations

import pytest

from domain.next_step import NOTHING, NextStep, next_step_for
from domain.rules import RulesError
from domain.rules_check import load_rules_text
from starter.runtime.settings import DEFAULT_RULES

SHIPPED = DEFAULT_RULES.read_text()
SCHEDULER = "https://meet.example.com/enterprise"


def with_mid_market_step(step: str) -> str:
    anchor = "team_without_territory: sdr-pool\n    sla: 15m\n"
    assert anchor in SHIPPED
    text = SHIPPED.replace(anchor, anchor + f"    next_step: {step}\n", 1)
    return text.replace(
        '    next_step: {kind: scheduler, url: "https://meet.example.com/mid-market"}\n', ""
    )


def test_the_shipped_rules_name_a_scheduler_for_enterprise_and_mid_market() -> None:
    rules = load_rules_text(SHIPPED, source="rules.yaml")
    assert next_step_for(rules.rules, ["enterprise"], "enterprise") == NextStep(
        kind="scheduler", url=SCHEDULER
    )
    assert next_step_for(rules.rules, ["mid-market"], "mid_market").kind == "scheduler"
    assert next_step_for(rules.rules, ["default-nurture"], "self_serve").kind == "thank_you"
    assert next_step_for(rules.rules, ["spam"], None) == NOTHING
    assert next_step_for(rules.rules, ["no-such-rule"], "enterprise") == NOTHING


def test_a_map_by_tier() -> None:
    text = with_mid_market_step(
        "{mid_market: {kind: scheduler, url: 'https://m.example.com'}, "
        "enterprise: {kind: thank_you, url: 'https://t.example.com'}}"
    )
    rules = load_rules_text(text, source="rules.yaml")
    assert next_step_for(rules.rules, ["mid-market"], "mid_market").url == "https://m.example.com"
    assert next_step_for(rules.rules, ["mid-market"], "enterprise").kind == "thank_you"
    assert next_step_for(rules.rules, ["mid-market"], "self_serve") == NOTHING


@pytest.mark.parametrize(
    ("step", "says"),
    [
        ("{kind: scheduler}", "kind scheduler needs a url starting with https://"),
        ("{kind: thank_you, url: 'ftp://x'}", "kind thank_you needs a url"),
        ("{kind: none, url: 'https://x.example.com'}", "kind none takes no url"),
        ("{kind: calendly, url: 'https://x.example.com'}", "kind"),
    ],
)
def test_a_bad_next_step_is_named_with_its_key(step: str, says: str) -> None:
    with pytest.raises(RulesError) as refused:
        load_rules_text(with_mid_market_step(step), source="rules.yaml")
    message = str(refused.value)
    assert "next_step" in message and says in message, message
    assert "rules.yaml" in message
