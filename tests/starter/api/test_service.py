"""The service itself: health, docs, and no start without the webhook secrets."""

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


async def no_client() -> Client:
    raise AssertionError("create_app must refuse before it needs Temporal")


async def test_create_app_refuses_to_start_without_the_secrets(lab: LabFactory) -> None:
    lab_ = await lab(start_worker=False)
    bare = ApiConfig(task_queue=lab_.task_queue, id_key="k")
    with pytest.raises(RuntimeError) as refused:
        create_app(bare, lab_.store, no_client)
    for name in SECRET_VARS:
        assert name in str(refused.value)

    only_hubspot_missing = base_config(lab_, hubspot_secret=None)
    with pytest.raises(RuntimeError) as one:
        create_app(only_hubspot_missing, lab_.store, no_client)
    assert "LEAD_ROUTER_HUBSPOT_SECRET" in str(one.value)
    assert "LEAD_ROUTER_WEBHOOK_SECRET" not in str(one.value)
    assert "LEAD_ROUTER_TYPEFORM_SECRET" not in str(one.value)

    empty = base_config(lab_, typeform_secret="")
    with pytest.raises(RuntimeError, match="LEAD_ROUTER_TYPEFORM_SECRET"):
        create_app(empty, lab_.store, no_client)

    assert create_app(base_config(lab_), lab_.store, no_client) is not None
    assert create_app(ApiConfig(lab_.task_queue, "k", insecure=True), lab_.store, no_client)


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
