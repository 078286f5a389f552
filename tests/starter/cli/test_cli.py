"""The `lead-router` command line, in process (CliRunner) and once as the installed script."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner, Result

from activities.database import Database
from domain.models import Account
from domain.rules import RoutingRules
from starter.cli.main import app
from starter.runtime.settings import DEFAULT_RULES

SCRIPT = Path(sys.executable).parent / "lead-router"
ACCOUNT_HEADER = "domain,name,owner_id,is_customer,open_opportunity_owner_id,named_account\n"
COMPANY_HEADER = "domain,name,employees,industry,country\n"
ENV_SETTINGS = ("LEAD_ROUTER_RULES", "LEAD_ROUTER_COMPANIES", "LEAD_ROUTER_DATABASE_URL",
                "DATABASE_URL", "LEAD_ROUTER_ID_KEY")  # fmt: skip


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working directory, a database path inside it, and no inherited settings."""
    for name in ENV_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEAD_ROUTER_DATABASE_URL", str(tmp_path / "db" / "lead-router.db"))
    monkeypatch.setenv("COLUMNS", "400")  # rich must not wrap the messages we look for
    (tmp_path / "companies.csv").write_text(COMPANY_HEADER)
    return tmp_path


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def route(*args: str, stdin: str) -> Result:
    return run("route", "--companies", "companies.csv", *args, stdin=stdin)


def jsonl(*objects: Any) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects)


def decisions(result: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def stored_accounts(database: Path) -> dict[str, Account]:
    async def read() -> list[Account]:
        store = await Database(database).init()
        try:
            return await store.accounts.all()
        finally:
            await store.close()

    return {a.domain: a for a in asyncio.run(read())}


# a demo request names its company: the default policy sends one without it to review
ENTERPRISE_WEST = {"email": "ana@acme.com", "lead_type": "demo_request", "company": "Acme",
                   "company_size": 5000, "country": "US", "state": "CA"}  # fmt: skip
WEBINAR = {"email": "bo@initech.io", "lead_type": "webinar", "company_size": 20}
PARTNER = {"email": "cy@globex.de", "lead_type": "partner_inquiry"}


def test_route_prints_one_decision_per_line_in_order(workdir: Path) -> None:
    result = route(stdin=jsonl(ENTERPRISE_WEST, WEBINAR, PARTNER))
    assert result.exit_code == 0, result.output
    out = decisions(result)
    assert [d["email"] for d in out] == ["ana@acme.com", "bo@initech.io", "cy@globex.de"]
    assert [d["team"] for d in out] == ["enterprise-us-west", "growth-nurture", "partnerships"]
    assert [d["rule_ids"] for d in out] == [["enterprise"], ["low-intent-nurture"],
                                            ["partner-inquiry"]]  # fmt: skip


def test_route_reports_bad_lines_in_place_and_exits_1(workdir: Path) -> None:
    result = route(stdin=jsonl(ENTERPRISE_WEST, "not json at all", WEBINAR,
                               {"email": "nobody"}, [1, 2], {"company": "No Email"}, PARTNER))  # fmt: skip
    assert result.exit_code == 1
    out = decisions(result)
    assert len(out) == 7
    assert [d.get("email") for d in out[::2]] == ["ana@acme.com", "bo@initech.io", None,
                                                  "cy@globex.de"]  # fmt: skip
    errors = [out[1], out[3], out[4], out[5]]
    assert [e["line"] for e in errors] == [2, 4, 5, 6]
    assert all(set(e) == {"line", "error"} for e in errors)
    assert "JSON" in errors[0]["error"]
    assert errors[1]["error"].startswith("email:")
    assert errors[2]["error"].startswith("submission:")
    assert "required" in errors[3]["error"]
    assert "4 line(s) could not be routed" in result.stderr


def test_route_skips_blank_lines_but_keeps_line_numbers(workdir: Path) -> None:
    result = route(stdin=jsonl(ENTERPRISE_WEST, "", "   ", "{oops", WEBINAR))
    assert result.exit_code == 1
    out = decisions(result)
    assert len(out) == 3
    assert out[1] == {"line": 4, "error": out[1]["error"]}
    assert out[2]["email"] == "bo@initech.io"


HOSTILE_LINES = {
    "a number of 5001 digits": '{"email": "ana@acme.com", "company_size": 1' + "0" * 5000 + "}",
    "arrays nested 100000 deep": "[" * 100_000 + "]" * 100_000,
    "a lone surrogate in a field name": '{"email": "ana@acme.com", "\\ud800": 1}',
}


@pytest.mark.parametrize("line", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_route_answers_every_line_even_a_hostile_one(workdir: Path, line: str) -> None:
    result = route(stdin=jsonl(WEBINAR, line, PARTNER))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    out = decisions(result)
    assert len(out) == 3
    assert (out[0]["email"], out[2]["email"]) == ("bo@initech.io", "cy@globex.de")
    routed = out[1].get("email") == "ana@acme.com"
    assert routed or set(out[1]) == {"line", "error"}
    assert out[1].get("line", 2) == 2
    assert result.exit_code == (0 if routed else 1)


def test_route_reads_a_file_argument(workdir: Path) -> None:
    (workdir / "leads.jsonl").write_text(jsonl(PARTNER, WEBINAR))
    result = run("route", "leads.jsonl", "--companies", "companies.csv")
    assert result.exit_code == 0, result.output
    assert [d["email"] for d in decisions(result)] == ["cy@globex.de", "bo@initech.io"]


def test_route_with_accounts_uses_the_csv(workdir: Path) -> None:
    (workdir / "accounts.csv").write_text(
        ACCOUNT_HEADER + "acme.com,Acme,chloe.kowalski,true,,false\n"
        "initech.io,Initech,,false,felix.alvarez,false\n"
    )  # fmt: skip
    with_csv = decisions(route("--accounts", "accounts.csv", stdin=jsonl(ENTERPRISE_WEST, WEBINAR)))
    assert [(d["rule_ids"], d["team"], d["owner"]) for d in with_csv] == [
        (["existing-customer"], "customer-success", "chloe.kowalski"),
        (["open-opportunity"], "mm-us-east", "felix.alvarez"),
    ]
    without = decisions(route(stdin=jsonl(ENTERPRISE_WEST, WEBINAR)))
    assert [d["rule_ids"] for d in without] == [["enterprise"], ["low-intent-nurture"]]


def test_route_with_a_companies_csv_fills_the_size(workdir: Path) -> None:
    (workdir / "companies.csv").write_text(COMPANY_HEADER + "globex.de,Globex,1800,Banking,DE\n")
    [decision] = decisions(route(stdin=jsonl({"email": "cy@globex.de", "lead_type": "pricing"})))
    assert decision["tier"] == "enterprise"
    assert decision["team"] == "vertical-fintech"
    assert "1800 employees (from companies)" in decision["reasons"]


def test_route_uses_accounts_imported_into_the_database(workdir: Path) -> None:
    (workdir / "accounts.csv").write_text(ACCOUNT_HEADER + "acme.com,Acme,gita.berg,false,,false\n")
    assert run("import", "accounts", "accounts.csv").exit_code == 0
    [decision] = decisions(route(stdin=jsonl(ENTERPRISE_WEST)))
    assert (decision["owner"], decision["rule_ids"]) == ("gita.berg", ["account-owner"])


def test_route_does_not_create_a_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "lead-router.db"
    env = {k: v for k, v in os.environ.items() if k not in ENV_SETTINGS}
    env["LEAD_ROUTER_DATABASE_URL"] = str(database)
    (tmp_path / "companies.csv").write_text(COMPANY_HEADER)
    completed = subprocess.run(
        [str(SCRIPT), "route", "--companies", "companies.csv", "-"],
        input=jsonl(ENTERPRISE_WEST, PARTNER), capture_output=True, text=True, cwd=tmp_path,
        env=env, timeout=60, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [d["team"] for d in lines] == ["enterprise-us-west", "partnerships"]
    assert not database.exists()
    assert not database.parent.exists()
    assert not (tmp_path / ".lead-router").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["companies.csv"]


def test_import_accounts_reports_bad_rows_by_line_and_imports_the_rest(workdir: Path) -> None:
    (workdir / "accounts.csv").write_text(
        ACCOUNT_HEADER
        + "hooli.com,Hooli,chloe.kowalski,true,,true\n"  # line 2
        + "not a domain,Broken,,false,,false\n"  # line 3
        + "acme.com,Acme,,perhaps,,false\n"  # line 4
        + "initech.io,Initech,gita.berg,no,,yes\n"  # line 5
        + "globex.de,,,false,,false\n"  # line 6: no name
    )
    result = run("import", "accounts", "accounts.csv")
    assert result.exit_code == 1
    assert "accounts.csv:3: domain:" in result.stderr
    assert "accounts.csv:4: is_customer:" in result.stderr
    assert "accounts.csv:6: name:" in result.stderr
    assert "accounts.csv:2:" not in result.stderr
    assert "accounts.csv:5:" not in result.stderr
    assert "imported 2 account(s), skipped 3 bad row(s)" in result.stderr
    accounts = stored_accounts(workdir / "db" / "lead-router.db")
    assert set(accounts) == {"hooli.com", "initech.io"}
    assert accounts["initech.io"].named_account is True
    assert accounts["initech.io"].is_customer is False


def test_import_accounts_of_good_rows_exits_0_and_updates(workdir: Path) -> None:
    (workdir / "accounts.csv").write_text(ACCOUNT_HEADER + "acme.com,Acme,gita.berg,false,,false\n")
    assert run("import", "accounts", "accounts.csv").exit_code == 0
    (workdir / "accounts.csv").write_text(
        ACCOUNT_HEADER + "acme.com,Acme,wen.fischer,true,,false\n"
    )
    result = run("import", "accounts", "accounts.csv")
    assert result.exit_code == 0, result.output
    accounts = stored_accounts(workdir / "db" / "lead-router.db")
    assert accounts["acme.com"].owner_id == "wen.fischer"
    assert accounts["acme.com"].is_customer is True


def test_import_accounts_with_a_repeated_domain_keeps_the_last_row(workdir: Path) -> None:
    (workdir / "accounts.csv").write_text(
        ACCOUNT_HEADER + "acme.com,Acme,gita.berg,false,,false\n"
        "acme.com,Acme,wen.fischer,false,,false\n"
    )  # fmt: skip
    result = run("import", "accounts", "accounts.csv")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    accounts = stored_accounts(workdir / "db" / "lead-router.db")
    assert accounts["acme.com"].owner_id == "wen.fischer"


def test_import_accounts_with_missing_columns_names_the_file(workdir: Path) -> None:
    (workdir / "accounts.csv").write_text("domain,name\nacme.com,Acme\n")
    result = run("import", "accounts", "accounts.csv")
    assert result.exit_code == 2
    assert "accounts.csv:1: missing column(s) owner_id" in result.stderr


def roster_json() -> dict[str, Any]:
    result = run("roster", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_roster_json_lists_teams_members_and_fallbacks(
    workdir: Path, shipped_rules: RoutingRules
) -> None:
    rules = shipped_rules
    data = roster_json()
    assert data["rules_version"] == rules.version
    assert [t["id"] for t in data["teams"]] == [t.id for t in rules.teams]
    for shown, team in zip(data["teams"], rules.teams, strict=True):
        assert shown["fallback"] == team.fallback
        assert [m["id"] for m in shown["members"]] == [m.id for m in team.members]
        for member in shown["members"]:
            assert {"id", "name", "weight", "max_open_leads", "active", "open_leads", "away",
                    "hours"} <= set(member)  # fmt: skip
            assert member["away"] is False
            assert member["open_leads"] == 0
    sdr = next(t for t in data["teams"] if t["id"] == "sdr-pool")
    assert sdr["fallback"] == "inbound-sdr-review"
    assert sdr["members"][0]["weight"] == 2
    emea = next(t for t in data["teams"] if t["id"] == "enterprise-emea")
    assert emea["members"][0]["hours"]["timezone"] == "Europe/London"
    assert not (workdir / "db").exists()


def away_flags(data: dict[str, Any]) -> dict[str, bool]:
    return {m["id"]: m["away"] for t in data["teams"] for m in t["members"]}


def test_owner_away_shows_in_the_roster(workdir: Path) -> None:
    missing = run("owner", "away", "noah.fischer")
    assert missing.exit_code == 2 and "no app database at " in missing.stderr
    assert not (workdir / "db").exists()  # said so, created nothing
    assert run("db", "upgrade").exit_code == 0
    result = run("owner", "away", "noah.fischer")
    assert result.exit_code == 0, result.output
    assert "noah.fischer is now away" in result.stdout
    flags = away_flags(roster_json())
    assert flags["noah.fischer"] is True
    assert [owner for owner, away in flags.items() if away] == ["noah.fischer"]
    assert run("owner", "back", "noah.fischer").exit_code == 0
    assert not any(away_flags(roster_json()).values())


def test_owner_away_for_someone_not_in_the_roster_fails(workdir: Path) -> None:
    result = run("owner", "away", "nobody.here")
    assert result.exit_code == 2
    assert "no owner 'nobody.here'" in result.stderr


def test_rules_check_accepts_the_default_and_names_a_bad_file(workdir: Path) -> None:
    ok = run("rules", "check")
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("ok: version ")
    (workdir / "bad.yaml").write_text("version: '1'\nrules: []\n")
    bad = run("rules", "check", "bad.yaml")
    assert bad.exit_code == 2
    assert "bad.yaml:" in bad.stderr


def test_rules_check_warns_about_a_score_range_that_never_counts(workdir: Path) -> None:
    text = DEFAULT_RULES.read_text()
    shipped = 'company_size: {">=1000": 30, ">=100": 15, ">=20": 5}'
    assert shipped in text
    (workdir / "reordered.yaml").write_text(
        text.replace(shipped, 'company_size: {">=20": 5, ">=100": 15, ">=1000": 30}')
    )
    checked = run("rules", "check", "reordered.yaml")
    assert checked.exit_code == 0, checked.output  # valid, but worth a look
    warnings = [line for line in checked.stderr.splitlines() if "never counts" in line]
    assert len(warnings) == 2, checked.stderr
    assert warnings[0].startswith("warning reordered.yaml: score.points.company_size: '>=100'")
    assert "'>=20' comes first" in warnings[0] and "'>=1000' never counts" in warnings[1]


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the app, as the words typed to reach it."""
    paths = [prefix]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        paths += command_paths(sub, (*prefix, name))
    return paths


COMMANDS = command_paths(typer.main.get_command(app))


def test_the_commands_of_the_issue_exist() -> None:
    required = {("route",), ("import", "accounts"), ("roster",), ("owner", "away"),
                ("owner", "back"), ("rules", "check")}  # fmt: skip
    assert required <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "lead-router")
def test_every_command_answers_help(command: tuple[str, ...], workdir: Path) -> None:
    for flag in ("--help", "-h"):
        result = run(*command, flag)
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.stdout
    assert sorted(p.name for p in workdir.iterdir()) == ["companies.csv"]


def test_the_installed_script_answers_help(tmp_path: Path) -> None:
    completed = subprocess.run(
        [str(SCRIPT), "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=60,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0
    for command in ("route", "import", "roster", "owner", "rules"):
        assert command in completed.stdout
