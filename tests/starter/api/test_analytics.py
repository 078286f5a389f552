"""`GET /analytics/summary`: the report's JSON over real HTTP, behind the bearer token;
bad parameters get a 422 that names the field."""

from __future__ import annotations

import pytest

from tests.activities.test_analytics import actioned, fact
from tests.starter.api.conftest import BEARER, ApiFactory
from tests.workflows.conftest import LabFactory

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_summary_is_the_reports_json_behind_the_token(
    api: ApiFactory, lab: LabFactory
) -> None:
    lab_ = await lab()
    app = await api(lab_, rules_path=lab_.rules_path)
    await app.lab.store.analytics.record([actioned(0, 2), actioned(1, 30), fact(2)])
    assert (await app.http.get("/analytics/summary")).status_code == 401
    answer = await app.http.get("/analytics/summary?since=2026-11-01&by=team", headers=BEARER)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["leads"] == 3 and data["actioned"]["total"] == 2
    assert data["time_to_first_action_s"]["p50"] == 120.0 and data["by"][0]["group"] == "mm"
    assert data["fairness"][0]["team"] == "mm"

    bad = await app.http.get("/analytics/summary?since=yesterday", headers=BEARER)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "since"
    bad = await app.http.get("/analytics/summary?by=colour", headers=BEARER)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "by"
