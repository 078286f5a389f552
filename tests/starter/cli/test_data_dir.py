"""One resolution of where things are: `--data-dir` (global or per command) and
LEAD_ROUTER_DATA_DIR reach every command that reads the app database, every command
takes the same options where it uses them, and a missing database is named, never
created by a command that only reads or changes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
import typer.main
from typer.testing import CliRunner, Result

from starter.cli.main import app
from starter.runtime.settings import environment_variables

ACCOUNTS = (
    "domain,name,owner_id,is_customer,open_opportunity_owner_id,named_account\n"
    "acme.com,Acme,gita.berg,false,,false\n"
)
LEAD = {"email": "ana@acme.com", "lead_type": "demo_request", "company_size": 350,
        "country": "US", "state": "NY"}  # fmt: skip


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no settings inherited: every default is the data dir's."""
    for name in environment_variables():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "400")
    (tmp_path / "accounts.csv").write_text(ACCOUNTS)
    (tmp_path / "lead.jsonl").write_text(json.dumps(LEAD) + "\n")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> Result:
    result = run(*args)
    assert result.exit_code == 0, (args, result.output)
    return result


def away(result: Result) -> list[str]:
    data: dict[str, Any] = json.loads(result.stdout)
    return [m["id"] for t in data["teams"] for m in t["members"] if m["away"]]


def test_every_database_command_reads_the_data_dir_given(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = home / "elsewhere"
    ok("db", "upgrade", "--data-dir", str(data))
    assert (data / "lead-router.db").is_file() and not (home / ".lead-router").exists()
    ok("owner", "away", "noah.fischer", "--data-dir", str(data))
    ok("--data-dir", str(data), "import", "accounts", "accounts.csv")  # the global option

    assert away(ok("roster", "--json", "--data-dir", str(data))) == ["noah.fischer"]
    assert away(ok("--data-dir", str(data), "roster", "--json")) == ["noah.fischer"]
    monkeypatch.setenv("LEAD_ROUTER_DATA_DIR", str(data))
    assert away(ok("roster", "--json")) == ["noah.fischer"]
    # the accounts imported there decide the owner: gita.berg owns acme.com
    assert json.loads(ok("route", "lead.jsonl").stdout)["owner"] == "gita.berg"
    assert "no app database" not in ok("route", "lead.jsonl").stderr
    ok("owner", "back", "noah.fischer")
    assert away(ok("roster", "--json", "--data-dir", str(data))) == []
    assert "(head)" in ok("db", "current").stdout
    assert json.loads(ok("dead-letters", "list", "--json").stdout) == []
    monkeypatch.delenv("LEAD_ROUTER_DATA_DIR")

    # the default data dir has no database: said so, nothing created
    assert "no app database at .lead-router/lead-router.db" in run("roster").stderr
    assert json.loads(ok("route", "lead.jsonl").stdout)["owner"] != "gita.berg"
    for command in (
        ("dead-letters", "list"),
        ("dead-letters", "retry", "1"),
        ("owner", "away", "noah.fischer"),
        ("db", "current"),
        ("submit", "lead.jsonl"),
    ):
        result = run(*command)
        assert result.exit_code == 2, (command, result.output)
        assert "no app database at .lead-router/lead-router.db" in result.stderr, command
    assert not (home / ".lead-router").exists()


def test_the_command_option_wins_over_the_global_one_and_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("db", "upgrade", "--data-dir", "a")
    ok("owner", "away", "noah.fischer", "--data-dir", "a")
    ok("db", "upgrade", "--data-dir", "b")
    monkeypatch.setenv("LEAD_ROUTER_DATA_DIR", "b")
    assert away(ok("--data-dir", "b", "roster", "--json", "--data-dir", "a")) == ["noah.fischer"]
    assert away(ok("--data-dir", "a", "roster", "--json")) == ["noah.fischer"]
    assert away(ok("roster", "--json")) == []
    # --database is the file itself, whatever the data dir
    assert away(ok("roster", "--json", "--database", "a/lead-router.db")) == ["noah.fischer"]


def commands() -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}

    def walk(command: click.Command, words: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*words, name))
        else:
            found[" ".join(words)] = command

    walk(typer.main.get_command(app), ())
    return found


# what each command uses: the app database (--database, --data-dir), Temporal
# (--address, --namespace); `up` starts its own Temporal unless --temporal-address
USES_DATABASE = {"route", "simulate", "roster", "owner away", "owner back", "import accounts",
                 "submit", "dead-letters list", "dead-letters retry", "db upgrade",
                 "db current", "up", "worker", "api", "report",
                 "analytics backfill", "console sessions", "console end-sessions",
                 # the lead's key (what the worker answers is sealed with it), its erasure
                 "status", "act", "reassign", "history export", "erase", "qa-sample", "trial-activated"}  # fmt: skip
USES_TEMPORAL = {"submit", "status", "act", "reassign", "history export", "erase",
                 "dead-letters retry", "worker", "api", "analytics backfill",
                 "trial-activated", "owner away"}  # fmt: skip


def test_every_command_takes_the_same_options_where_it_uses_them() -> None:
    options = {
        name: {o for p in command.params for o in p.opts if o.startswith("--")}
        for name, command in commands().items()
    }
    assert set(options) >= USES_DATABASE | USES_TEMPORAL
    for name, opts in options.items():
        database = {"--database", "--data-dir"}
        temporal = {"--address", "--namespace"}
        assert (database <= opts) == (name in USES_DATABASE), (name, opts)
        assert (temporal <= opts) == (name in USES_TEMPORAL), (name, opts)
    assert {"--namespace", "--data-dir", "--database"} <= options["up"]
