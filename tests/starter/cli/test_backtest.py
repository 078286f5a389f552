"""`backtest`: new rules over the inputs past leads recorded, with hand-checked diffs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from starter.cli.main import app
from tests.starter.cli.conftest import CORPUS, RECORDED_VERSION, RulesFile, corpus_of, rule


def backtest(*args: str) -> Result:
    return CliRunner().invoke(app, ["backtest", *args])


def report_of(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_the_recorded_rules_change_nothing(rules_file: RulesFile) -> None:
    # account-owner and existing-customer matched CRM accounts that exist in no database
    # now: only the enrichment recorded in their histories can plan them as they were.
    # The corpus holds leads of two policies: each is backtested with the rules it recorded.
    by_version = {version: corpus_of(version) for version in ("2026.11.1", "2026.12.0")}
    # 2026.12.0: the suppressed lead, the Salesforce escalation, the rep feedback's
    # misrouted and rejected leads, and the lead an instant answer waited on
    assert [len(paths) for paths in by_version.values()] == [17, 5]
    assert sum(map(len, by_version.values())) == len(list(CORPUS.glob("*.json.gz")))
    for version, paths in by_version.items():
        same = rules_file(f"same-{version}.yaml", version=version)
        report = report_of(backtest("--rules", str(same), *map(str, paths), "--json"))
        assert report["leads"] == len(paths) and report["skipped"] == []
        assert report["baseline"] == report["candidate"] == version
        assert (report["changed"], report["team"], report["owner"], report["sla"]) == (0, 0, 0, 0)
        assert report["changes"] == []


def test_older_rules_over_a_suppressed_lead_name_the_change(rules_file: RulesFile) -> None:
    old = rules_file("old.yaml")  # 2026.11.1 knew no fit x intent matrix
    result = backtest("--rules", str(old), str(CORPUS / "suppressed.json.gz"))
    assert result.exit_code == 0, result.output
    assert "rules 2026.12.0 -> 2026.11.1 over 1 past leads: 1 would change" in result.stdout
    assert (
        "was low-fit-low-intent -> suppressed (nurture-newsletter), no owner, no SLA"
        in result.stdout
    )
    assert "now low-intent-nurture -> growth-nurture (round-robin), SLA 8h" in result.stdout


def past() -> list[str]:
    """The corpus's leads routed by 2026.11.1, which the hand-checked change starts from."""
    return [str(path) for path in corpus_of(RECORDED_VERSION)]


def change_policy(data: dict[str, Any]) -> None:
    data["version"] = "2026.12.0"
    rule(data, "mid-market")["sla"] = "10m"  # was 15m
    data["tiers"]["enterprise_min_employees"] = 5000  # was 1000
    del rule(data, "existing-customer")["owner"]  # was the account owner
    rule(data, "free-email-review")["team"] = "sdr-pool"  # was inbound-sdr-review


def test_a_policy_change_hand_checked(rules_file: RulesFile) -> None:
    new = rules_file("new.yaml", change_policy)
    report = report_of(backtest("--rules", str(new), *past(), "--json"))

    # eleven mid-market leads (two of them HubSpot-synced): 15 -> 10 min. The 4,000-employee hospital is mid-market now,
    # still sent to the healthcare vertical but on the mid-market SLA (5 -> 10 min).
    # Initech's contact goes to customer-success round-robin, not to its account owner.
    # The free-email pricing lead goes to the SDR pool.
    assert report["leads"] == 17 and report["candidate"] == "2026.12.0"
    assert (report["changed"], report["team"], report["owner"], report["sla"], report["rule"]) == (
        14, 1, 1, 12, 1,
    )  # fmt: skip
    by_rule = {
        name: (t["leads"], t["team"], t["owner"], t["sla"], t["rule"], t["now_decided_by"])
        for name, t in report["by_rule"].items()
    }
    assert by_rule == {
        "mid-market": (11, 0, 0, 11, 0, {}),
        "enterprise": (1, 0, 0, 1, 1, {"mid-market": 1}),
        "existing-customer": (1, 0, 1, 0, 0, {}),
        "free-email-review": (1, 1, 0, 0, 0, {}),
        "account-owner": (1, 0, 0, 0, 0, {}),
        "low-intent-nurture": (1, 0, 0, 0, 0, {}),
        "trial-signup": (1, 0, 0, 0, 0, {}),
    }
    changes = {Path(c["where"]).name: c for c in report["changes"]}
    hospital = changes["enterprise-vertical.json.gz"]
    assert hospital["changed"] == ["sla", "rule"]
    assert hospital["before"]["rule_ids"] == ["enterprise", "vertical-healthcare"]
    assert hospital["after"]["rule_ids"] == ["mid-market", "vertical-healthcare"]
    assert (hospital["before"]["sla_seconds"], hospital["after"]["sla_seconds"]) == (300, 600)
    customer = changes["existing-customer.json.gz"]
    assert (customer["before"]["owner"], customer["after"]["owner"]) == ("chloe.kowalski", None)
    free = changes["free-email-review.json.gz"]
    assert (free["before"]["team"], free["after"]["team"]) == ("inbound-sdr-review", "sdr-pool")
    assert len(changes) == 14


def test_the_table_names_each_change(rules_file: RulesFile) -> None:
    new = rules_file("new.yaml", change_policy)
    result = backtest("--rules", str(new), *past(), "--show", "10")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert (
        "rules 2026.11.1 -> 2026.12.0 over 17 past leads: 14 would change team, owner or SLA "
        "(team 1, owner 1, SLA 12; rule 1)"
    ) in out
    assert f"{CORPUS / 'existing-customer.json.gz'} " in out and "[owner]" in out
    assert "was existing-customer -> customer-success (chloe.kowalski), SLA 8h" in out
    assert "now existing-customer -> customer-success (round-robin), SLA 8h" in out
    assert "... and 4 more" in out


def test_files_that_are_not_lead_histories_are_named(rules_file: RulesFile, tmp_path: Path) -> None:
    history = json.loads(gzip.decompress((CORPUS / "account-owner.json.gz").read_bytes()))
    start = history["events"][0]["workflowExecutionStartedEventAttributes"]
    start["workflowType"]["name"] = "InvoiceWorkflow"
    (tmp_path / "invoice.json").write_text(json.dumps(history))
    (tmp_path / "notes.json").write_text('{"hello": "world"}')
    result = backtest("--rules", str(rules_file("same.yaml")), str(tmp_path), "--json")
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'invoice.json'}: a InvoiceWorkflow history, not a LeadRoutingWorkflow one"
        in result.stderr
    )
    assert f"{tmp_path / 'notes.json'}: not a Temporal history" in result.stderr

    bad_rules = tmp_path / "bad.yaml"
    bad_rules.write_text("version: x\nrules: []\n")
    refused = backtest("--rules", str(bad_rules), str(CORPUS))
    assert refused.exit_code == 2 and f"new rules: {bad_rules}: " in refused.stderr


def test_a_fit_change_is_shown_against_the_fit_each_lead_had(rules_file: RulesFile) -> None:
    """The baseline fit comes from the rules each history recorded; this fit makes a
    sales-sized tier medium, which no rule of the 2026.11.1 policy reads."""

    def weaker_fit(data: dict[str, Any]) -> None:
        data["fit"] = {
            "points": {"tier": {"enterprise": 60, "mid_market": 60, "self_serve": 50},
                       "territory": {"unsupported": -1000}, "spam": {"true": -1000}},
            "levels": {"strong": 100, "medium": 50},
        }  # fmt: skip

    report = report_of(
        backtest("--rules", str(rules_file("fit.yaml", weaker_fit)), *past(), "--json")
    )
    assert report["changed"] == 0 and report["fit"] > 0
    assert report["fit"] == len(report["changes"])
    for change in report["changes"]:
        assert change["changed"] == ["fit"], change
        assert (change["before"]["fit"], change["after"]["fit"]) == ("strong", "medium")
