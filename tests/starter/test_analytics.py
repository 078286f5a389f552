"""The routing report shared by the CLI, the API and the console: made once for the same
counts, made again when facts land, a dead letter arrives or the rules' weights change."""

from __future__ import annotations

from pathlib import Path

from activities.database import Database
from activities.rules_file import load_rules_file
from starter.analytics import routing_report
from starter.runtime.settings import DEFAULT_RULES
from tests.activities.test_analytics import T0, actioned, fact


async def test_a_report_is_made_again_only_when_what_it_is_made_of_changes(
    tmp_path: Path,
) -> None:
    database = await Database(tmp_path / "app.db").init()
    rules = load_rules_file(DEFAULT_RULES)
    since, until = T0, None  # up to now: the dead letter below arrives now
    try:
        await database.analytics.record([actioned(0, 2), fact(1)])
        first = await routing_report(database, rules, since, until, "team")
        assert await routing_report(database, rules, since, until, "team") is first
        assert first.leads == 2

        await database.analytics.record([fact(2)])
        second = await routing_report(database, rules, since, until, "team")
        assert second is not first and second.leads == 3

        await database.dead_letters.add("api", "missing email", "{}")
        third = await routing_report(database, rules, since, until, "team")
        assert third.dead_letters == 1 and third.leads == 3

        team = rules.teams[0]
        heavier = team.model_copy(update={"members": [
            m.model_copy(update={"weight": m.weight + 1}) for m in team.members
        ]})  # fmt: skip
        reweighed = rules.model_copy(update={"teams": [heavier, *rules.teams[1:]]})
        assert await routing_report(database, reweighed, since, until, "team") is not third
    finally:
        await database.close()
