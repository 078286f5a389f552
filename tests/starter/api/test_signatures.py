"""Each webhook signature scheme over real HTTP: good -> 202; missing, wrong, stale or
signed for another URL -> 401, and a refused request is never dead-lettered."""

from __future__ import annotations

from typing import Any

import pytest

from tests.starter.api.conftest import (
    WEBHOOK_SECRET,
    ApiFactory,
    as_body,
    now_ms,
    sign_hubspot,
    sign_ours,
    sign_typeform,
    unique_email,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


def forms_payload(email: str) -> dict[str, Any]:
    return {"email": email, "lead_type": "pricing", "company_size": 300}


def hubspot_payload(email: str) -> dict[str, Any]:
    return {"submissionId": f"sig-{email}", "formId": "f1",
            "fields": [{"name": "email", "value": email}]}  # fmt: skip


def typeform_payload(email: str) -> dict[str, Any]:
    return {"event_id": f"sig-{email}", "event_type": "form_response",
            "form_response": {"form_id": "t1", "answers": [
                {"type": "email", "email": email, "field": {"id": "e", "type": "email", "ref": "e"}}]}}  # fmt: skip


async def test_each_scheme_over_http_good_missing_and_wrong(api: ApiFactory) -> None:
    app = await api()
    before = len(await app.lab.store.dead_letters.all(include_retried=True))
    cases = [
        (app.forms, forms_payload, "sha256=" + "0" * 64),
        (app.hubspot, hubspot_payload, "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw="),
        (app.typeform, typeform_payload, "sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    ]
    for post, payload, wrong in cases:
        for signature in (None, wrong, ""):
            refused = await post(payload(unique_email()), signature=signature)
            assert refused.status_code == 401, (post.__name__, signature, refused.text)
            assert "detail" in refused.json()
        accepted = await post(payload(unique_email()))
        assert accepted.status_code == 202, (post.__name__, accepted.text)
    # a refused signature is not an authenticated submission: nothing to keep
    assert len(await app.lab.store.dead_letters.all(include_retried=True)) == before


async def test_a_signature_for_another_body_is_refused(api: ApiFactory) -> None:
    app = await api()
    signed_for = as_body(forms_payload(unique_email()))
    sent = as_body(forms_payload(unique_email()))
    response = await app.post(
        "/webhooks/forms", sent, {"x-lead-router-signature": sign_ours(signed_for)}
    )
    assert response.status_code == 401
    body = as_body(typeform_payload(unique_email()))
    generic_secret_on_typeform = await app.post(
        "/webhooks/typeform", body, {"typeform-signature": sign_typeform(body, WEBHOOK_SECRET)}
    )
    assert generic_secret_on_typeform.status_code == 401


async def test_hubspot_stale_future_and_garbled_timestamps_are_refused(api: ApiFactory) -> None:
    app = await api()
    six_minutes = 6 * 60 * 1000
    stale = await app.hubspot(hubspot_payload(unique_email()), timestamp=now_ms() - six_minutes)
    assert stale.status_code == 401 and "older than 5 minutes" in stale.json()["detail"]
    future = await app.hubspot(hubspot_payload(unique_email()), timestamp=now_ms() + six_minutes)
    assert future.status_code == 401
    recent = await app.hubspot(hubspot_payload(unique_email()), timestamp=now_ms() - 60_000)
    assert recent.status_code == 202, recent.text
    body = as_body(hubspot_payload(unique_email()))
    uri = f"{app.base_url}/webhooks/hubspot"
    garbled = await app.post(
        "/webhooks/hubspot", body,
        {"x-hubspot-request-timestamp": "yesterday",
         "x-hubspot-signature-v3": sign_hubspot(uri, body, "yesterday")},
    )  # fmt: skip
    assert garbled.status_code == 401
    no_timestamp = await app.post(
        "/webhooks/hubspot", body, {"x-hubspot-signature-v3": sign_hubspot(uri, body, "")}
    )
    assert no_timestamp.status_code == 401


async def test_hubspot_behind_a_proxy_verifies_the_public_url(api: ApiFactory) -> None:
    public = "https://leads.northbeam.example"
    app = await api(public_url=public + "/")
    payload = hubspot_payload(unique_email())
    signed_public = await app.hubspot(payload, signed_uri=f"{public}/webhooks/hubspot")
    assert signed_public.status_code == 202, signed_public.text
    signed_local = await app.hubspot(hubspot_payload(unique_email()))
    assert signed_local.status_code == 401
    # the query string is part of what HubSpot signs, with its listed characters decoded
    path = "/webhooks/hubspot?portalId=62515&next=https%3A%2F%2Fapp.hubspot.com%2Fx"
    with_query = await app.hubspot(
        hubspot_payload(unique_email()),
        path=path,
        signed_uri=f"{public}/webhooks/hubspot?portalId=62515&next=https://app.hubspot.com/x",
    )
    assert with_query.status_code == 202, with_query.text
    other_query = await app.hubspot(
        hubspot_payload(unique_email()),
        path="/webhooks/hubspot?portalId=2",
        signed_uri=f"{public}/webhooks/hubspot?portalId=1",
    )
    assert other_query.status_code == 401


async def test_hubspot_without_a_proxy_verifies_the_url_it_was_called_on(
    api: ApiFactory,
) -> None:
    app = await api()
    path = "/webhooks/hubspot?portalId=62515"
    response = await app.hubspot(hubspot_payload(unique_email()), path=path)
    assert response.status_code == 202, response.text
    elsewhere = await app.hubspot(
        hubspot_payload(unique_email()), signed_uri="https://elsewhere.example/webhooks/hubspot"
    )
    assert elsewhere.status_code == 401
