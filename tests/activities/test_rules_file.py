"""The rules file as the worker reads it (issue 20, finding 9): an invalid file refuses the
start with its problems; a file broken while the worker runs never strands a lead: new leads
get the last valid version, recorded as such, and the ops channel and team leads are alerted
once per broken edit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.rules_file import RulesActivities, refuse_invalid_rules
from domain.lifecycle import Notification
from starter.runtime.settings import DEFAULT_RULES

BROKEN_MEMBER = "teams[0].members[0].favourite_colour"


def broken(path: Path) -> None:
    """The finding's edit: an unknown key on a member; a later mtime than before."""
    data = yaml.safe_load(DEFAULT_RULES.read_text())
    data["teams"][0]["members"][0]["favourite_colour"] = "123"
    path.write_text(yaml.safe_dump(data))
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))


def test_an_invalid_rules_file_refuses_the_start_with_its_problems(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    broken(path)
    with pytest.raises(RuntimeError) as refused:
        refuse_invalid_rules(path)
    assert str(path) in str(refused.value)
    assert BROKEN_MEMBER in str(refused.value) and "unknown key" in str(refused.value)
    with pytest.raises(RuntimeError, match="cannot read"):
        refuse_invalid_rules(tmp_path / "missing.yaml")


async def test_a_file_broken_while_running_falls_back_to_the_last_valid_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(DEFAULT_RULES.read_text())
    alerts: list[Notification] = []

    async def alert(note: Notification) -> None:
        alerts.append(note)

    acts = RulesActivities(path, alert=alert)
    valid = acts.check()
    env = ActivityEnvironment()
    assert (await env.run(acts.load_rules)).version == valid.version
    broken(path)
    fallback = await env.run(acts.load_rules)
    assert fallback.teams == valid.teams
    assert fallback.version.startswith(valid.version) and "last valid" in fallback.version
    assert str(path) in fallback.version
    leads = sorted({t.lead for t in valid.teams if t.lead})
    assert leads, "the sample rules name team leads"
    assert [a.recipient for a in alerts] == [None, *leads]  # the ops channel, then each lead
    assert all(BROKEN_MEMBER in a.text and a.kind == "rules_invalid" for a in alerts)
    assert (await env.run(acts.load_rules)).version == fallback.version
    assert len(alerts) == 1 + len(leads)  # once per broken edit, not per lead
    path.write_text(DEFAULT_RULES.read_text())
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    assert (await env.run(acts.load_rules)).version == valid.version


async def test_with_nothing_valid_to_fall_back_on_it_keeps_retrying(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    broken(path)
    acts = RulesActivities(path)
    with pytest.raises(ApplicationError, match="unknown key"):
        await ActivityEnvironment().run(acts.load_rules)
