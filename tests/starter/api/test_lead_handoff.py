"""GET /leads/{id} shows the handoff context the owner's notification carries, to a
caller with the bearer token only: it is the person's own data and message."""

from __future__ import annotations

import pytest

from tests.starter.api.conftest import BEARER, ApiFactory, lead_id_of, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_handoff_context_is_shown_with_the_token_only(api: ApiFactory) -> None:
    app = await api()
    email = unique_email("dana")
    payload = {"email": email, "lead_type": "demo_request", "company": "Buyer Inc",
               "company_size": 350, "country": "US", "state": "NY", "first_name": "Dana",
               "job_title": "CRO", "message": "Two seats, this quarter"}  # fmt: skip
    assert (await app.forms(payload)).status_code == 202
    state = await app.routed(lead_id_of(email))
    assert state["handoff"] is None  # no token given

    answer = await app.http.get(f"/leads/{state['lead_id']}", headers=BEARER)
    assert answer.status_code == 200, answer.text
    handoff = answer.json()["handoff"]
    assert (handoff["name"], handoff["title"], handoff["company"]) == ("Dana", "CRO", "Buyer Inc")
    assert handoff["message"] == "Two seats, this quarter"
    assert (
        handoff["owner"] == state["owner"] and handoff["owner_timezone"] == "UTC"
    )  # the lab: always open, UTC
    assert handoff["due_at"] is not None and handoff["rule_ids"] == state["rule_ids"]
