"""`simulate`: two rule sets over the same leads, with hand-checked diffs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from domain.models import Account
from domain.rule_diff import Directory, simulate
from domain.rules_check import load_rules_text
from starter.cli.main import app
from tests.starter.cli.conftest import RulesFile

LEADS = [
    # mid-market by size: becomes enterprise when the threshold drops to 400
    {"email": "a@bigco.com", "lead_type": "demo_request", "company_size": 500, "country": "US", "state": "NY"},
    # enterprise either way
    {"email": "b@hugeco.com", "lead_type": "demo_request", "company_size": 2000, "country": "US", "state": "CA"},
    # a known account of gita.berg: without the account-owner rule it is nurtured
    {"email": "c@acctco.com", "lead_type": "pricing", "company_size": 50, "country": "US", "state": "NY"},
    # a webinar from a free-email address: nurtured either way
    {"email": "d@gmail.com", "lead_type": "webinar"},
]  # fmt: skip
ACCOUNT = Account(domain="acctco.com", name="Acct Co", owner_id="gita.berg")


def change_policy(data: dict[str, Any]) -> None:
    data["version"] = "2026.12.0"
    data["tiers"]["enterprise_min_employees"] = 400  # was 1000
    data["rules"] = [r for r in data["rules"] if r["id"] != "account-owner"]


@pytest.fixture
def files(tmp_path: Path, rules_file: RulesFile) -> dict[str, Path]:
    leads = tmp_path / "leads.jsonl"
    leads.write_text("".join(json.dumps(lead) + "\n" for lead in LEADS) + '{"email": "nope"}\n')
    (tmp_path / "companies.csv").write_text("domain,name,employees,industry,country\n")
    (tmp_path / "accounts.csv").write_text(
        "domain,name,owner_id,is_customer,open_opportunity_owner_id,named_account\n"
        "acctco.com,Acct Co,gita.berg,false,,false\n"
    )
    return {
        "leads": leads,
        "old": rules_file("old.yaml"),
        "new": rules_file("new.yaml", change_policy),
        "companies": tmp_path / "companies.csv",
        "accounts": tmp_path / "accounts.csv",
    }


def run(files: dict[str, Path], *extra: str) -> Result:
    return CliRunner().invoke(
        app,
        ["simulate", str(files["leads"]), "--rules", str(files["new"]),
         "--baseline", str(files["old"]), "--companies", str(files["companies"]),
         "--accounts", str(files["accounts"]), *extra],
    )  # fmt: skip


def test_simulate_hand_checked(files: dict[str, Path]) -> None:
    old = load_rules_text(files["old"].read_text())
    new = load_rules_text(files["new"].read_text())
    lines = files["leads"].read_text().splitlines()
    report = simulate(lines, old, new, Directory({}, [ACCOUNT]), source="leads.jsonl")

    assert (report.leads, report.changed) == (4, 2)
    assert (report.team, report.owner, report.sla, report.rule) == (2, 1, 1, 2)
    assert report.skipped == ["leads.jsonl:5: email: 'nope' is not a valid email address"]
    tallies = {
        rule: (t.leads, t.team, t.owner, t.sla, t.rule, t.now_decided_by)
        for rule, t in report.by_rule.items()
    }
    assert tallies == {
        "mid-market": (1, 1, 0, 1, 1, {"enterprise": 1}),
        "enterprise": (1, 0, 0, 0, 0, {}),
        "account-owner": (1, 1, 1, 0, 1, {"default-nurture": 1}),
        "low-intent-nurture": (1, 0, 0, 0, 0, {}),
    }
    bigco, acctco = report.changes
    assert bigco.where == "leads.jsonl:1" and bigco.changed == ["team", "sla", "rule"]
    assert (bigco.before.team, bigco.after.team) == ("mm-us-east", "enterprise-us-east")
    assert (bigco.before.sla_seconds, bigco.after.sla_seconds) == (900, 300)
    assert acctco.where == "leads.jsonl:3" and acctco.changed == ["team", "owner", "rule"]
    assert (acctco.before.owner, acctco.after.owner) == ("gita.berg", None)
    assert (acctco.before.team, acctco.after.team) == ("mm-us-east", "growth-nurture")
    assert acctco.before.sla_seconds == acctco.after.sla_seconds == 28800


def test_simulate_command_json_matches(files: dict[str, Path]) -> None:
    result = run(files, "--json")
    assert result.exit_code == 1  # the bad line
    assert "leads.jsonl:5: email: 'nope' is not a valid email address" in result.stderr
    report = json.loads(result.stdout)
    assert (report["baseline"], report["candidate"]) == ("2026.11.1", "2026.12.0")
    assert (report["leads"], report["changed"], report["team"], report["owner"]) == (4, 2, 2, 1)
    assert [c["where"].rsplit("/", 1)[-1] for c in report["changes"]] == [
        "leads.jsonl:1",
        "leads.jsonl:3",
    ]


def test_simulate_command_table(files: dict[str, Path]) -> None:
    result = run(files)
    out = result.stdout
    assert "rules 2026.11.1 -> 2026.12.0 over 4 leads: 2 would change team, owner or SLA" in out
    assert "leads.jsonl:3 lead-" in out and "[team, owner, rule]" in out
    assert "was account-owner -> mm-us-east (gita.berg), SLA 8h business time" in out
    assert "now default-nurture -> growth-nurture (round-robin), SLA 8h business time" in out


def test_the_same_rules_change_nothing_and_errors_name_the_file(
    files: dict[str, Path], tmp_path: Path
) -> None:
    files["leads"].write_text("".join(json.dumps(lead) + "\n" for lead in LEADS))
    same = run({**files, "new": files["old"]}, "--json")
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["changed"] == 0

    missing = run({**files, "leads": tmp_path / "none.jsonl"})
    assert missing.exit_code == 2 and "none.jsonl: cannot read" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nrules:\n  - id: x\n    whn: {}\n")
    refused = run({**files, "new": broken})
    assert refused.exit_code == 2 and f"new rules: {broken}:1: version:" in refused.stderr
    assert f"{broken}:4: rules[0] (x).whn: unknown key" in refused.stderr
