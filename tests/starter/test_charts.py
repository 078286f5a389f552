"""The console's chart images: drawn once for the same figures, drawn again as soon as
the figures change (new facts)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from activities.database import Database
from activities.rules_file import load_rules_file
from starter.analytics import chart_inputs
from starter.charts import chart_svg
from starter.runtime.settings import DEFAULT_RULES
from tests.activities.test_analytics import T0, actioned, fact


async def test_the_same_figures_give_the_chart_drawn_last_time(tmp_path: Path) -> None:
    database = await Database(tmp_path / "app.db").init()
    rules = load_rules_file(DEFAULT_RULES)
    since, until = T0, T0 + timedelta(days=7)
    try:
        await database.analytics.record([actioned(0, 2), fact(1)])
        first = chart_svg(await chart_inputs(database, rules, since, until), "speed-to-lead")
        again = chart_svg(await chart_inputs(database, rules, since, until), "speed-to-lead")
        assert again is first and first.startswith(b"<?xml")
        await database.analytics.record([actioned(2, 40)])  # a slower first touch
        changed = chart_svg(await chart_inputs(database, rules, since, until), "speed-to-lead")
        assert changed != first
    finally:
        await database.close()
