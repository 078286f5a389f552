"""Routing health: each check against the rules file's threshold, an incident opened once
and cleared once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from domain.health import CHECKS, AlertThresholds, Incident, judge
from domain.rules import RulesError
from domain.rules_check import load_rules_text
from domain.texts import health_alert_text, health_recovery_text
from starter.runtime.settings import DEFAULT_RULES

AT = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_more_than_the_threshold_opens_an_incident_once() -> None:
    limits = AlertThresholds(dead_letters=2)
    at_limit = judge({"dead_letters": 2}, limits, [], AT)
    assert at_limit.opened == [] and at_limit.cleared == []
    over = judge({"dead_letters": 3}, limits, [], AT)
    assert [(i.check, i.value, i.threshold, i.opened_at) for i in over.opened] == [
        ("dead_letters", 3, 2, AT)
    ]
    still = judge({"dead_letters": 5}, limits, over.opened, AT + timedelta(minutes=5))
    assert still.opened == [] and still.cleared == []
    back = judge({"dead_letters": 1}, limits, over.opened, AT + timedelta(minutes=10))
    assert back.cleared == over.opened and back.opened == []
    assert [r.check for r in back.readings] == list(CHECKS)


def test_the_words_say_what_crossed_which_threshold_and_for_how_long() -> None:
    incident = Incident(check="unowned_in_review", value=4, threshold=0, opened_at=AT)
    alert = health_alert_text(incident, CHECKS["unowned_in_review"])
    assert alert == (
        "Routing health: unowned_in_review is 4, more than its threshold 0 (leads unowned in "
        "review); set in the rules file's `alerts.unowned_in_review`"
    )
    recovered = health_recovery_text(incident, CHECKS["unowned_in_review"], AT + timedelta(hours=1))
    assert recovered.endswith("lasted from 2026-12-01 15:00 to 16:00 UTC")


def test_the_shipped_rules_set_every_threshold_and_a_typo_is_refused() -> None:
    shipped = load_rules_text(DEFAULT_RULES.read_text()).alerts
    assert shipped.dead_letters == 2 and shipped.waiting_longer_than_hours == 24
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    data["alerts"] = {"dead_leters": 2, "crm_write_failures": True}
    with pytest.raises(RulesError) as bad:
        load_rules_text(yaml.safe_dump(data), source="rules.yaml")
    assert "rules.yaml:5: alerts.dead_leters: unknown key" in str(bad.value)
    assert "alerts.crm_write_failures: " in str(bad.value)
