"""A real Temporal outage: leads posted while the server is down are kept (202, queued)
and started exactly once by the outbox drainer when it comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from temporalio.worker import Worker

from starter.devserver import DevServer, free_port
from starter.runtime.settings import TemporalSettings
from starter.runtime.temporal import ClientProvider
from tests.starter.api.conftest import ApiFactory, lead_id_of, unique_email
from tests.workflows.conftest import LabFactory
from worker import build_worker

pytestmark = pytest.mark.asyncio(loop_scope="session")

LEADS = 10


def demo(email: str) -> dict[str, Any]:
    return {"email": email, "lead_type": "demo_request", "company": "Outage Inc",
            "company_size": 250, "country": "US", "state": "NY"}  # fmt: skip


async def test_leads_posted_during_an_outage_route_exactly_once_after_it(
    api: ApiFactory, lab: LabFactory, tmp_path: Path
) -> None:
    data_dir = tmp_path / "temporal"
    port, ui_port = free_port(), free_port()
    server = DevServer(data_dir, port, ui_port)
    worker: Worker | None = None
    try:
        server.start()
        lab_ = await lab(start_worker=False)
        worker = build_worker(await server.connect(), lab_.acts, lab_.task_queue)
        await worker.__aenter__()
        app = await api(
            lab_,
            client_source=ClientProvider(TemporalSettings(address=server.address)),
            drain_every=0.2,
        )

        # the service is up and serving before the outage
        before = await app.forms(demo(unique_email("before")))
        assert before.status_code == 202 and before.json()["status"] == "started", before.text
        await app.routed(before.json()["lead_id"])

        await worker.__aexit__(None, None, None)
        worker = None
        server.stop()

        emails = [unique_email(f"outage{i}") for i in range(LEADS)]
        answers = await asyncio.gather(*(app.forms(demo(e)) for e in emails))
        for email, answer in zip(emails, answers, strict=True):
            assert answer.status_code == 202, answer.text
            assert answer.json()["status"] == "queued", answer.text
            assert answer.json()["lead_id"] == lead_id_of(email)
            assert answer.json()["duplicate"] is False
        assert await app.lab.store.deliveries.count_by_status() == {"started": 1, "queued": LEADS}
        during = await asyncio.gather(*(app.lead(lead_id_of(e)) for e in emails))

        server = DevServer(data_dir, port, ui_port)
        server.start()
        worker = build_worker(await server.connect(), lab_.acts, lab_.task_queue)
        await worker.__aenter__()

        states = await asyncio.gather(*(app.routed(lead_id_of(e), timeout=60) for e in emails))
        assert all(s["team"] == "mm-us-east" for s in states), states
        first_rows = [await app.first_assignments(lead_id_of(e)) for e in emails]
        deliveries = await app.lab.store.deliveries.count_by_status()
        started = deliveries.get("started", 0) - 1  # less the lead from before the outage
        lost = sum(1 for rows in first_rows if not rows)
        doubled = sum(1 for rows in first_rows if len(rows) > 1)
        print(
            f"outbox drain: leads={LEADS} started={started} lost={lost} double-assigned={doubled}"
        )
        assert (started, lost, doubled) == (LEADS, 0, 0)
        assert deliveries == {"started": LEADS + 1}
        for email, state in zip(emails, states, strict=True):
            rows = await app.lab.store.roster.assignments_for(lead_id_of(email))
            assert [(r.step, r.owner_id) for r in rows] == [(0, state["owner"])]
            assert state["resubmissions"] == []

        # while Temporal was down, the status URL said where each lead was
        for email, answer in zip(emails, during, strict=True):
            assert answer.status_code == 200, (email, answer.status_code, answer.text)
            assert answer.json() == {"lead_id": lead_id_of(email), "status": "queued"}
    finally:
        if worker is not None:
            await worker.__aexit__(None, None, None)
        server.stop()


async def test_temporal_never_reachable_queues_and_says_so(api: ApiFactory) -> None:
    """Nothing listens at the Temporal address: every lead is kept, and the service
    says so on the status URL and the health check."""
    nowhere = ClientProvider(TemporalSettings(address=f"127.0.0.1:{free_port()}"))
    app = await api(client_source=nowhere, drain_every=0.2)
    email = unique_email()
    posted = await app.forms(demo(email))
    assert posted.status_code == 202, posted.text
    assert posted.json()["status"] == "queued"
    assert await app.lab.store.deliveries.count_by_status() == {"queued": 1}
    health = await app.http.get("/healthz")
    assert health.status_code == 503
    assert health.json()["database"] == "ok"
    assert health.json()["temporal"].startswith("unreachable")
    status = await app.lead(lead_id_of(email))
    assert status.status_code == 200, status.text
    assert status.json() == {"lead_id": lead_id_of(email), "status": "queued"}
