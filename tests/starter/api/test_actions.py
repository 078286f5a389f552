"""POST /leads/{id}/actions: the owner's first action and a manual reassign, behind a
bearer token, answered by the workflow's updates."""

from __future__ import annotations

from typing import Any

import pytest

from tests.starter.api.conftest import (
    API_TOKEN,
    BEARER,
    MM_US_EAST,
    Api,
    ApiFactory,
    lead_id_of,
    unique_email,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def routed_lead(app: Api) -> dict[str, Any]:
    email = unique_email("buyer")
    payload = {"email": email, "lead_type": "demo_request", "company": "Buyer Inc",
               "company_size": 350, "country": "US", "state": "NY"}  # fmt: skip
    response = await app.forms(payload)
    assert response.status_code == 202, response.text
    state = await app.routed(lead_id_of(email))
    assert state["team"] == "mm-us-east" and state["owner"] in MM_US_EAST
    return state


async def act(
    app: Api, lead_id: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    return await app.http.post(
        f"/leads/{lead_id}/actions", json=body, headers=BEARER if headers is None else headers
    )


async def test_first_touch_by_the_owner_with_the_token(api: ApiFactory) -> None:
    app = await api()
    state = await routed_lead(app)
    lead_id, owner = state["lead_id"], state["owner"]
    touch = {"owner_id": owner, "action": "first_touch"}

    for headers in ({}, {"authorization": "Bearer wrong-token"}, {"authorization": API_TOKEN + "x"},
                    {"authorization": "Basic " + API_TOKEN}):  # fmt: skip
        refused = await act(app, lead_id, touch, headers)
        assert refused.status_code == 401, (headers, refused.text)

    stranger = next(m for m in sorted(MM_US_EAST) if m != owner)
    not_owner = await act(app, lead_id, {"owner_id": stranger, "action": "first_touch"})
    assert not_owner.status_code == 409, not_owner.text
    assert "not the current owner" in not_owner.json()["detail"]
    assert owner in not_owner.json()["detail"]

    assert (await app.lead(lead_id)).json()["status"] == "waiting_first_action"
    done = await act(app, lead_id, touch)
    assert done.status_code == 200, done.text
    outcome = done.json()
    assert outcome["status"] == "actioned"
    assert (outcome["lead_id"], outcome["owner"], outcome["action"]) == (
        lead_id, owner, "first_touch")  # fmt: skip
    assert outcome["time_to_first_action_seconds"] >= 0
    assert (await app.lead(lead_id)).json()["first_action"] == "first_touch"

    twice = await act(app, lead_id, {"owner_id": owner, "action": "meeting_booked"})
    # refused while notifications land, and once the workflow has ended
    assert twice.status_code == 409, twice.text
    assert "already actioned" in twice.json()["detail"]

    await app.lab.client.get_workflow_handle(lead_id).result()
    closed = await act(app, lead_id, {"owner_id": owner, "action": "meeting_booked"})
    assert closed.status_code == 409, closed.text
    detail = closed.json()["detail"]
    assert detail.startswith(f"already actioned by {owner} on ") and " UTC (first_touch)" in detail
    stranger_reassign = await act(
        app, lead_id, {"owner_id": owner, "action": "reassign", "to": stranger, "reason": "x"}
    )
    assert stranger_reassign.status_code == 409 and stranger_reassign.json()["detail"] == detail
    assert (await app.lead(lead_id)).json()["status"] == "actioned"


async def test_reassign_changes_the_owner(api: ApiFactory) -> None:
    app = await api()
    state = await routed_lead(app)
    lead_id, owner = state["lead_id"], state["owner"]
    to = next(m for m in sorted(MM_US_EAST) if m != owner)

    missing_to = await act(app, lead_id, {"owner_id": owner, "action": "reassign",
                                          "reason": "territory change"})  # fmt: skip
    assert missing_to.status_code == 422, missing_to.text
    assert "to" in str(missing_to.json()["detail"])
    missing_reason = await act(app, lead_id, {"owner_id": owner, "action": "reassign", "to": to})
    assert missing_reason.status_code == 422, missing_reason.text

    unknown_member = await act(app, lead_id, {"owner_id": owner, "action": "reassign",
                                              "to": "nobody.here", "reason": "x"})  # fmt: skip
    assert unknown_member.status_code == 409
    assert "not an active member" in unknown_member.json()["detail"]

    moved = await act(app, lead_id, {"owner_id": owner, "action": "reassign", "to": to,
                                     "reason": "territory change"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["owner"] == to
    after = (await app.lead(lead_id)).json()
    assert after["owner"] == to and after["decisions"][-1]["kind"] == "manual"
    rows = await app.lab.store.roster.assignments_for(lead_id)
    assert [(r.step, r.owner_id) for r in rows] == [(0, owner), (1, to)]

    old_owner = await act(app, lead_id, {"owner_id": owner, "action": "first_touch"})
    assert old_owner.status_code == 409
    new_owner = await act(app, lead_id, {"owner_id": to, "action": "meeting_booked"})
    assert new_owner.status_code == 200 and new_owner.json()["owner"] == to


async def test_unknown_lead_bad_action_and_actions_switched_off(api: ApiFactory) -> None:
    app = await api()
    unknown = await act(app, "lead-000000000000000000000000", {"owner_id": "x",
                                                               "action": "first_touch"})  # fmt: skip
    assert unknown.status_code == 404, unknown.text
    no_token = await act(app, "lead-000000000000000000000000",
                         {"owner_id": "x", "action": "first_touch"}, {})  # fmt: skip
    assert no_token.status_code == 401
    bad_action = await act(app, "lead-000000000000000000000000",
                           {"owner_id": "x", "action": "wave"})  # fmt: skip
    assert bad_action.status_code == 422
    empty_owner = await act(app, "lead-000000000000000000000000",
                            {"owner_id": "", "action": "first_touch"})  # fmt: skip
    assert empty_owner.status_code == 422

    off = await api(app.lab, api_token=None)
    refused = await act(off, "lead-000000000000000000000000",
                        {"owner_id": "x", "action": "first_touch"})  # fmt: skip
    assert refused.status_code == 503 and "LEAD_ROUTER_API_TOKEN" in refused.json()["detail"]


async def test_the_bearer_scheme_is_case_insensitive(api: ApiFactory) -> None:
    """RFC 7235 section 2.1: the auth scheme is case-insensitive ("bearer" is "Bearer")."""
    app = await api()
    state = await routed_lead(app)
    touch = {"owner_id": state["owner"], "action": "first_touch"}
    response = await act(app, state["lead_id"], touch, {"authorization": f"bearer {API_TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "actioned"


async def test_rep_feedback_misrouted_and_rejected(api: ApiFactory) -> None:
    app = await api()
    state = await routed_lead(app)
    lead_id, owner = state["lead_id"], state["owner"]
    no_reason = await act(app, lead_id, {"owner_id": owner, "action": "misrouted",
                                         "territory": "us-west"})  # fmt: skip
    assert no_reason.status_code == 409 and "no reason: give one of" in no_reason.json()["detail"]
    moved = await act(app, lead_id, {"owner_id": owner, "action": "misrouted",
                                     "reason": "wrong_territory", "territory": "us-west",
                                     "note": "based in Portland"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    now = moved.json()
    assert now["team"] == "mm-us-west" and now["owner"] not in (None, owner)
    assert now["decisions"][-1]["kind"] == "misrouted"

    closed = await act(app, lead_id, {"owner_id": now["owner"], "action": "rejected",
                                      "reason": "duplicate", "note": "same as lead-42"})  # fmt: skip
    assert closed.status_code == 200, closed.text
    assert (closed.json()["action"], closed.json()["reason"]) == ("rejected", "duplicate")
    assert (await app.lead(lead_id)).json()["first_action_reason"] == "duplicate"
