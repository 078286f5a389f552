"""The service itself: health, docs, and each webhook enabled by its own secret."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from activities.database import Database
from domain.lifecycle import LeadState
from domain.texts import describe_state
from starter.api.app import create_app
from starter.api.config import ApiConfig
from tests.starter.api.conftest import ApiFactory, as_body, base_config, lead_id_of, unique_email
from tests.workflows.conftest import LabFactory

pytestmark = pytest.mark.asyncio(loop_scope="session")

SECRET_VARS = ["LEAD_ROUTER_WEBHOOK_SECRET", "LEAD_ROUTER_HUBSPOT_SECRET",
               "LEAD_ROUTER_TYPEFORM_SECRET"]  # fmt: skip


async def test_healthz_reports_temporal_and_database(api: ApiFactory) -> None:
    app = await api()
    response = await app.http.get("/healthz")
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True, "temporal": "ok", "database": "ok"}


async def test_docs_and_openapi_are_served(api: ApiFactory) -> None:
    app = await api()
    docs = await app.http.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")
    assert "swagger" in docs.text.lower() and "/openapi.json" in docs.text
    spec = await app.http.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in ("/webhooks/forms", "/webhooks/hubspot", "/webhooks/typeform"):
        assert "post" in paths[path], path
    assert "get" in paths["/leads/{lead_id}"]
    assert "post" in paths["/leads/{lead_id}/actions"]
    assert "get" in paths["/healthz"]
    assert spec.json()["info"]["title"] == "lead-router"
    # the truth: bodies, the signatures as security schemes, every status with its body
    schemes = spec.json()["components"]["securitySchemes"]
    assert schemes["forms_x_lead_router_signature"]["name"] == "X-Lead-Router-Signature"
    assert schemes["bearer"]["scheme"] == "bearer"
    forms = paths["/webhooks/forms"]["post"]
    assert "application/json" in forms["requestBody"]["content"]
    assert forms["security"] == [{"forms_x_lead_router_signature": []}]
    assert set(forms["responses"]) == {"200", "202", "400", "401", "404", "413", "415", "422",
                                       "429"}  # fmt: skip
    actions = paths["/leads/{lead_id}/actions"]["post"]
    assert "ActionRequest" in str(actions["requestBody"]) or "owner_id" in str(actions)
    assert {"401", "409", "413", "422"} <= set(actions["responses"])
    error = spec.json()["components"]["schemas"]["ErrorAnswer"]
    assert set(error["properties"]) == {"detail", "dead_letter_id"}


ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_work_offline(api: ApiFactory, page: str) -> None:
    """Every script, stylesheet and icon the page loads comes from the app itself."""
    app = await api()
    html = await app.http.get(page)
    assert html.status_code == 200, html.text
    assets = ASSET.findall(html.text)
    assert any(a.endswith(".js") for a in assets), assets
    assert not [a for a in assets if "//" in a], "loaded from elsewhere"
    for asset in assets:
        served = await app.http.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 1000, asset
        if asset.endswith(".js"):
            assert "javascript" in served.headers["content-type"], asset
    assert "/openapi.json" in html.text


async def test_each_provider_is_enabled_by_its_own_secret(api: ApiFactory) -> None:
    """Only LEAD_ROUTER_HUBSPOT_SECRET set: HubSpot verifies, the others answer 404 naming
    the variable that enables them; a missing secret never means "unsigned accepted"."""
    app = await api(transport="asgi", webhook_secret=None, typeform_secret="")
    body = as_body({"email": unique_email()})
    for path, variable in (("/webhooks/forms", "LEAD_ROUTER_WEBHOOK_SECRET"),
                           ("/webhooks/typeform", "LEAD_ROUTER_TYPEFORM_SECRET")):  # fmt: skip
        refused = await app.post(path, body)
        assert refused.status_code == 404, refused.text
        assert "not configured" in refused.json()["detail"]
        assert variable in refused.json()["detail"]
    unsigned = await app.post("/webhooks/hubspot", body)
    assert unsigned.status_code == 401, unsigned.text
    email = unique_email()
    signed = await app.hubspot({"fields": [{"name": "email", "value": email}]})
    assert signed.status_code == 202, signed.text
    assert await app.lab.store.dead_letters.all(include_retried=True) == []


async def test_the_app_starts_with_any_set_of_secrets(lab: LabFactory) -> None:
    lab_ = await lab(start_worker=False)

    async def no_client() -> Client:
        raise AssertionError("creating the app needs no Temporal")

    for config in (ApiConfig(task_queue=lab_.task_queue, id_key="k"),
                   base_config(lab_, hubspot_secret=None), base_config(lab_)):  # fmt: skip
        assert create_app(config, lab_.store, no_client) is not None
    missing = ApiConfig(task_queue=lab_.task_queue, id_key="k").unconfigured()
    assert [p.secret_env for p in missing] == SECRET_VARS


async def test_insecure_mode_takes_unsigned_webhooks(api: ApiFactory) -> None:
    app = await api(
        transport="asgi", insecure=True, webhook_secret=None, hubspot_secret=None,
        typeform_secret=None,
    )  # fmt: skip
    email = unique_email()
    response = await app.post("/webhooks/forms", as_body({"email": email}))
    assert response.status_code == 202, response.text
    assert response.json()["lead_id"] == lead_id_of(email)
    hubspot = await app.post(
        "/webhooks/hubspot", as_body({"fields": [{"name": "email", "value": unique_email()}]})
    )
    assert hubspot.status_code == 202, hubspot.text


async def test_healthz_is_503_when_the_database_cannot_be_opened(
    api: ApiFactory, tmp_path: Path
) -> None:
    app = await api()
    not_a_file = tmp_path / "a-directory-not-a-database"
    not_a_file.mkdir()
    broken = Database(not_a_file)

    async def lab_client() -> Client:
        return app.lab.client

    other = create_app(app.config, broken, lab_client)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=other), base_url="http://testserver"
    ) as http:
        response = await http.get("/healthz")
    await broken.close()
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False and body["temporal"] == "ok"
    assert body["database"].startswith("unreachable")


async def test_the_status_carries_the_input_warnings_route_reports(api: ApiFactory) -> None:
    app = await api()
    email = unique_email("warned")
    payload = {"email": email, "lead_type": "demo_request", "company_size": "lots"}
    assert (await app.forms(payload)).status_code == 202
    state = await app.routed(lead_id_of(email))
    [warning] = [w for w in state["warnings"] if "company_size" in w]
    assert "lots" in warning
    lines = describe_state(LeadState.model_validate(state))
    assert f"  warning: {warning}" in lines
