"""A trial activating: POST /leads/{id}/trial-activated (bearer token) and the signed
product-event webhook send the workflow's trial activation; the trial goes to sales."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.starter.api.conftest import (
    BEARER,
    Api,
    ApiFactory,
    lead_id_of,
    sign_ours,
    unique_email,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRODUCT_SECRET = "product-events-secret-for-tests"


async def trial_lead(app: Api) -> tuple[str, str]:
    email = unique_email("dev", "sakura-systems.jp")
    answer = await app.forms({"email": email, "lead_type": "trial_signup"})
    assert answer.status_code == 202, answer.text
    state = await app.routed(lead_id_of(email))
    assert state["status"] == "onboarding" and state["team"] == "growth-onboarding"
    return email, state["lead_id"]


async def activated(app: Api, lead_id: str) -> dict[str, Any]:
    state = await app.until(lead_id, lambda s: len(s.get("decisions", [])) == 2)
    assert state["decisions"][-1]["kind"] == "trial_activation"
    assert (state["lead_type"], state["tier"], state["team"]) == (
        "demo_request", "enterprise", "enterprise-apac")  # fmt: skip
    return state


async def test_trial_activated_with_the_token(api: ApiFactory) -> None:
    app = await api()
    _, lead_id = await trial_lead(app)
    path = f"/leads/{lead_id}/trial-activated"
    assert (await app.http.post(path)).status_code == 401
    sent = await app.http.post(path, headers=BEARER)
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "activation_sent"
    assert sent.json()["status_url"].endswith(f"/leads/{lead_id}")
    state = await activated(app, lead_id)
    assert state["status"] == "waiting_first_action"

    again = await app.http.post(path, headers=BEARER)
    assert again.status_code == 409 and "already activated" in again.json()["detail"]
    missing = await app.http.post("/leads/lead-000000000000000000000000/trial-activated",
                                  headers=BEARER)  # fmt: skip
    assert missing.status_code == 404 and "no lead" in missing.json()["detail"]

    email = unique_email("buyer")
    await app.forms({"email": email, "lead_type": "demo_request", "company_size": 350,
                     "country": "US", "state": "NY"})  # fmt: skip
    await app.routed(lead_id_of(email))
    demo = await app.http.post(f"/leads/{lead_id_of(email)}/trial-activated", headers=BEARER)
    assert demo.status_code == 409
    assert "is a demo_request, not a trial_signup" in demo.json()["detail"]


async def product_event(app: Api, event: Any, signature: str | None = "good") -> Any:
    body = json.dumps(event).encode()
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-lead-router-signature"] = (
            sign_ours(body, PRODUCT_SECRET) if signature == "good" else signature
        )
    return await app.http.post("/webhooks/product-events", content=body, headers=headers)


async def test_the_signed_product_event_webhook(api: ApiFactory) -> None:
    off = await api()
    unconfigured = await product_event(off, {"event": "trial_activated", "email": "a@b.com"})
    assert unconfigured.status_code == 404
    assert "LEAD_ROUTER_PRODUCT_EVENTS_SECRET" in unconfigured.json()["detail"]

    app = await api(product_events_secret=PRODUCT_SECRET)
    email, lead_id = await trial_lead(app)
    event = {"event": "trial_activated", "email": email, "plan": "team"}
    for bad in (None, "sha256=00", sign_ours(json.dumps(event).encode())):  # forms' secret
        refused = await product_event(app, event, bad)
        assert refused.status_code == 401, (bad, refused.text)
    sent = await product_event(app, event)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"lead_id": lead_id, "status": "activation_sent"}
    await activated(app, lead_id)
    repeat = await product_event(app, {"event": "trial_activated", "lead_id": lead_id})
    assert repeat.status_code == 200 and repeat.json()["status"] == "already_activated"

    nameless = await product_event(app, {"event": "trial_activated"})
    assert nameless.status_code == 422
    assert "lead_id or the signup's email" in nameless.json()["detail"][0]["message"]
    other = await product_event(app, {"event": "seat_added", "email": email})
    assert other.status_code == 422 and other.json()["detail"][0]["field"] == "event"
    bad_email = await product_event(app, {"event": "trial_activated", "email": "not@"})
    assert bad_email.status_code == 422 and bad_email.json()["detail"][0]["field"] == "email"
