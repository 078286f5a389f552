"""Faults inside one worker: the enrichment source failing, the app database locked,
and fifty identical webhooks at once. Each prints its counts."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path

import httpx
import pytest
import uvicorn

from activities.database import Database
from domain.providers.forms import sign_generic
from starter.api.app import create_app
from starter.api.config import ApiConfig
from starter.devserver import free_port
from tests.helpers import until_true
from tests.workflows.conftest import LabFactory

pytestmark = pytest.mark.asyncio(loop_scope="session")
ENTERPRISE = {"email": "cio@acme-robotics.com", "lead_type": "demo_request"}


async def test_enrichment_source_down_routes_on_form_data_with_a_warning(
    lab: LabFactory, tmp_path: Path
) -> None:
    lab_ = await lab()
    # the source is gone
    lab_.acts.enrichment.companies_path = tmp_path / "companies-unreachable.csv"
    started = time.monotonic()
    handle = await lab_.submit({**ENTERPRISE, "company_size": 50, "country": "US"})
    state = await lab_.until(handle, lambda s: bool(s.decisions), timeout=60)
    waited = time.monotonic() - started
    reasons = " ".join(state.decisions[0].reasons)
    assert "enrichment unavailable" in reasons
    # without the directory's 2400 employees, the form's 50 decide: not enterprise
    assert state.tier == "self_serve" and state.owner is not None
    print(f"\n[enrichment down] gave up after {waited:.1f} s of retries, routed to {state.owner}")
    assert waited >= 7  # five attempts with backoff 0.5 + 1 + 2 + 4 s, then the fallback


async def test_locked_database_delays_but_never_half_writes(lab: LabFactory) -> None:
    lab_ = await lab()
    path = lab_.store.url.split(":///", 1)[1]
    blocker = sqlite3.connect(path, timeout=1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        handle = await lab_.submit(ENTERPRISE)
        await asyncio.sleep(3)
        state = await lab_.until(handle, lambda s: True)
        assert state.owner is None  # it waits; nothing was written half-way
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    state = await lab_.until(handle, lambda s: s.owner is not None, timeout=90)
    rows = await lab_.store.roster.assignments_for(handle.id)
    load = await lab_.store.roster.load_state()
    print(
        f"\n[database locked] assignments={len(rows)} open_leads={load.owners[state.owner].open_leads}"
    )
    assert [(r.step, r.owner_id) for r in rows] == [(0, state.owner)]
    assert load.owners[state.owner or ""].open_leads == 1


async def test_fifty_identical_webhooks_at_once_start_one_workflow(lab: LabFactory) -> None:
    lab_ = await lab()
    secret = "s3cret"

    async def client_source():  # type: ignore[no-untyped-def]
        return lab_.client

    config = ApiConfig(task_queue=lab_.task_queue, id_key="test-key", webhook_secret=secret,
                       hubspot_secret=secret, typeform_secret=secret, rate_limit_per_minute=0)  # fmt: skip
    store = await Database(lab_.store.url).init()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(config, store, client_source),
                                           host="127.0.0.1", port=port, log_level="error"))  # fmt: skip
    serving = asyncio.create_task(server.serve())
    await until_true(lambda: server.started, "the API to start", timeout=30)
    body = json.dumps({"email": f"twin+{uuid.uuid4().hex[:6]}@acme-robotics.com"}).encode()
    headers = {
        "content-type": "application/json",
        "x-lead-router-signature": sign_generic(secret, body),
    }
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            answers = await asyncio.gather(
                *(http.post("/webhooks/forms", content=body, headers=headers) for _ in range(50))
            )
    finally:
        server.should_exit = True
        await serving
        await store.close()
    codes = sorted(a.status_code for a in answers)
    ids = {a.json()["workflow_id"] for a in answers}
    assert codes == [200] * 49 + [202] and len(ids) == 1
    (workflow_id,) = ids
    state = await lab_.routed(lab_.client.get_workflow_handle(workflow_id))  # type: ignore[arg-type]
    rows = await lab_.store.roster.assignments_for(workflow_id)
    print(f"\n[50 identical webhooks] accepted={codes.count(202)} duplicates={codes.count(200)} "
          f"workflows={len(ids)} assignments={len(rows)} resubmissions={len(state.resubmissions)}")  # fmt: skip
    assert len(rows) == 1 and state.resubmissions == []
