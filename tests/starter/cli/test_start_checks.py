"""`worker`, `api` and `up` refuse to start on an invalid rules file and print its problems
(issue 20, finding 9): before they connect to anything, so the check needs no Temporal."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from starter.cli.main import app
from starter.runtime.settings import DEFAULT_RULES


@pytest.mark.parametrize("command", [["worker"], ["api", "--port", "1"], ["up", "--data-dir"]])
def test_each_service_refuses_an_invalid_rules_file(tmp_path: Path, command: list[str]) -> None:
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    data["teams"][0]["members"][0]["favourite_colour"] = "teal"
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(data))
    args = [*command, str(tmp_path / "data")] if command[-1] == "--data-dir" else command
    env = {"LEAD_ROUTER_RULES": str(rules), "TEMPORAL_ADDRESS": "127.0.0.1:1",
           "LEAD_ROUTER_DATABASE_URL": str(tmp_path / "app.db")}  # fmt: skip
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code != 0, result.output
    said = " ".join(result.output.split())
    assert "rules file is invalid" in said, said
    assert "teams[0].members[0].favourite_colour" in said and "unknown key" in said, said
    assert not (tmp_path / "data").exists()  # nothing was started
