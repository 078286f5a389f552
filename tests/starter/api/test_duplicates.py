"""Duplicate deliveries answer with the same ids and start nothing; a new submission for
an open lead joins its workflow as a resubmission; never a second owner."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType

from tests.starter.api.conftest import Api, ApiFactory, lead_id_of, unique_email

pytestmark = pytest.mark.asyncio(loop_scope="session")


def demo(email: str, **extra: Any) -> dict[str, Any]:
    return {"email": email, "lead_type": "demo_request", "company_size": 400,
            "country": "US", "state": "NY", **extra}  # fmt: skip


def hubspot(email: str, submission_id: str, page: str = "https://x.io/demo") -> dict[str, Any]:
    return {"submissionId": submission_id, "formId": "f-dup", "pageUrl": page,
            "fields": [{"name": "email", "value": email},
                       {"name": "numemployees", "value": "201-500"},
                       {"name": "lead_type", "value": "demo_request"}]}  # fmt: skip


def typeform(email: str, event_id: str, token: str = "tok-1") -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "form_response",
            "form_response": {"form_id": "tf-dup", "token": token, "answers": [
                {"type": "email", "email": email,
                 "field": {"id": "e", "type": "email", "ref": "email"}},
                {"type": "number", "number": 400,
                 "field": {"id": "n", "type": "number", "ref": "company_size"}}]}}  # fmt: skip


async def routed_once_without_resubmission(app: Api, first: httpx.Response) -> dict[str, Any]:
    lead_id = first.json()["lead_id"]
    state = await app.routed(lead_id)
    assert state["resubmissions"] == []
    rows = await app.first_assignments(lead_id)
    assert len(rows) == 1, rows
    assert len(await app.lab.store.roster.assignments_for(lead_id)) == 1
    return state


def same_delivery(first: httpx.Response, second: httpx.Response) -> None:
    assert first.status_code == 202, first.text
    assert second.status_code == 200, second.text
    a, b = first.json(), second.json()
    assert a["duplicate"] is False and b["duplicate"] is True
    for key in ("lead_id", "workflow_id", "status_url", "temporal_ui_url"):
        assert a[key] == b[key], key


async def test_same_idempotency_key_twice(api: ApiFactory) -> None:
    app = await api()
    email = unique_email()
    first = await app.forms(demo(email), idempotency_key="delivery-7f1c")
    # a retried delivery may even carry a changed body: the key says it is the same one
    second = await app.forms(demo(email, message="retry"), idempotency_key="delivery-7f1c")
    same_delivery(first, second)
    assert first.json()["lead_id"] == lead_id_of(email)
    await routed_once_without_resubmission(app, first)


async def test_the_same_body_without_its_key_is_the_same_delivery(api: ApiFactory) -> None:
    """Sent once with an Idempotency-Key, then identical without one: a duplicate, not a
    resubmission; a different body without a key is still a resubmission."""
    app = await api()
    email = unique_email()
    first = await app.forms(demo(email), idempotency_key="delivery-9a2e")
    second = await app.forms(demo(email))
    same_delivery(first, second)
    await routed_once_without_resubmission(app, first)
    other = await app.forms(demo(email, message="call me"))
    assert other.status_code == 202 and other.json()["duplicate"] is False, other.text
    lead_id = first.json()["lead_id"]
    state = await app.until(lead_id, lambda s: len(s.get("resubmissions", [])) == 1)
    assert state["owner"] is not None


async def test_same_hubspot_submission_id_twice(api: ApiFactory) -> None:
    app = await api()
    email = unique_email()
    first = await app.hubspot(hubspot(email, f"sub-{email}"))
    await asyncio.sleep(0.01)  # a redelivery is signed again with a later timestamp
    second = await app.hubspot(hubspot(email, f"sub-{email}", page="https://x.io/other"))
    same_delivery(first, second)
    await routed_once_without_resubmission(app, first)


async def test_same_typeform_event_id_twice(api: ApiFactory) -> None:
    app = await api()
    email = unique_email()
    first = await app.typeform(typeform(email, f"evt-{email}"))
    second = await app.typeform(typeform(email, f"evt-{email}"))
    same_delivery(first, second)
    await routed_once_without_resubmission(app, first)


async def test_identical_body_without_an_id_within_the_window(api: ApiFactory) -> None:
    app = await api()
    payload = demo(unique_email())
    first = await app.forms(payload)
    await app.routed(first.json()["lead_id"])
    second = await app.forms(payload)
    same_delivery(first, second)
    state = await routed_once_without_resubmission(app, first)
    assert state["status"] == "waiting_first_action"


async def test_an_identical_body_after_the_window_is_a_new_submission(api: ApiFactory) -> None:
    """Outside the dedupe window the same body is no longer a duplicate: it is a new
    submission for the open lead and joins it as a resubmission, like any other."""
    app = await api(dedupe_window=timedelta(seconds=0))
    payload = demo(unique_email())
    first = await app.forms(payload)
    lead_id = first.json()["lead_id"]
    await app.routed(lead_id)
    second = await app.forms(payload)
    assert second.status_code == 202, second.text
    assert second.json()["duplicate"] is False
    assert second.json()["workflow_id"] == first.json()["workflow_id"]
    state = await app.until(lead_id, lambda s: len(s.get("resubmissions", [])) == 1, timeout=5)
    assert len(await app.lab.store.roster.assignments_for(lead_id)) == 1
    assert state["owner"] == (await app.first_assignments(lead_id))[0].owner_id


async def test_twenty_identical_concurrent_posts_start_one_workflow(api: ApiFactory) -> None:
    app = await api()
    email = unique_email()
    payload = demo(email)
    answers = await asyncio.gather(*(app.forms(payload) for _ in range(20)))
    codes = Counter(a.status_code for a in answers)
    assert codes == {202: 1, 200: 19}, [a.text for a in answers]
    assert {a.json()["lead_id"] for a in answers} == {lead_id_of(email)}
    assert {a.json()["workflow_id"] for a in answers} == {answers[0].json()["workflow_id"]}
    assert sum(a.json()["duplicate"] for a in answers) == 19
    first = next(a for a in answers if a.status_code == 202)
    await routed_once_without_resubmission(app, first)
    handle = app.lab.client.get_workflow_handle(lead_id_of(email))
    kinds = Counter([event.event_type async for event in handle.fetch_history_events()])
    assert kinds[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED] == 1
    # signal-with-start records its start signal once; a duplicate would add another
    assert kinds[EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED] == 1


async def test_concurrent_duplicates_by_provider_id(api: ApiFactory) -> None:
    app = await api()
    email = unique_email()
    answers = await asyncio.gather(
        *(app.typeform(typeform(email, f"evt-{email}", token=f"t{i}")) for i in range(10))
    )
    assert Counter(a.status_code for a in answers) == {202: 1, 200: 9}
    first = next(a for a in answers if a.status_code == 202)
    await routed_once_without_resubmission(app, first)


async def test_a_new_submission_joins_the_open_lead(api: ApiFactory) -> None:
    app = await api()
    email = unique_email()
    first = await app.forms(demo(email, lead_type="content_download"))
    assert first.status_code == 202
    lead_id = first.json()["lead_id"]
    routed = await app.routed(lead_id)
    again = await app.forms(demo(email, lead_type="pricing", message="can we talk price?"))
    assert again.status_code == 202, again.text
    assert again.json()["duplicate"] is False
    assert again.json()["workflow_id"] == first.json()["workflow_id"]
    state = await app.until(lead_id, lambda s: len(s.get("resubmissions", [])) == 1, timeout=10)
    assert state["resubmissions"][0]["lead_type"] == "pricing"
    assert state["owner"] == routed["owner"]
    rows = await app.lab.store.roster.assignments_for(lead_id)
    assert [(r.step, r.owner_id) for r in rows] == [(0, routed["owner"])]
    # the same address through another provider joins the same lead too
    other = await app.typeform(typeform(email, f"evt-join-{email}"))
    assert other.status_code == 202 and other.json()["workflow_id"] == lead_id
    await app.until(lead_id, lambda s: len(s.get("resubmissions", [])) == 2, timeout=10)
    assert len(await app.lab.store.roster.assignments_for(lead_id)) == 1
