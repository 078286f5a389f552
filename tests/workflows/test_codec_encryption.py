"""With encryption on, a lead routes, its history has no plaintext, and the codec
server decrypts it for the Web UI (with the token, from the allowed origin only)."""

from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from activities.database import Database
from domain.intake import parse_submission
from starter.api.app import create_app
from starter.api.config import ApiConfig
from starter.runtime.codec import data_converter, new_key
from tests.workflows.conftest import LabFactory
from worker import build_worker
from workflows.client import lead_status, start_lead

OLD = base64.b64decode(new_key())

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_encrypted_lead_routes_and_its_history_has_no_plaintext(lab: LabFactory) -> None:
    lab_ = await lab(start_worker=False)
    keys = {"k1": OLD}
    config = lab_.client.config()
    config["data_converter"] = data_converter(keys)
    client = Client(**config)
    email = f"secret.person+{uuid.uuid4().hex[:6]}@acme-robotics.com"
    async with build_worker(client, lab_.acts, lab_.task_queue):
        lead = parse_submission({"email": email, "first_name": "Secretia", "country": "US"})
        handle = await start_lead(client, lead, lab_.task_queue)
        for _ in range(200):
            state = await lead_status(client, handle.id)
            if state.owner:
                break
        assert state.owner is not None
        history = await client.get_workflow_handle(handle.id).fetch_history()
    raw = json.dumps(history.to_json_dict())
    assert email not in raw and "Secretia" not in raw
    assert "encryption-key-id" in raw

    # the codec server decrypts the same payloads for the Web UI, with the token only
    store = await Database(":memory:").init()
    app = create_app(
        ApiConfig(task_queue="q", id_key="k", insecure=True, codec_keys=keys,
                  codec_token="tok", codec_origin="http://ui.example"),
        store, lambda: _never(),
    )  # fmt: skip
    first = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    body = {"payloads": [json.loads(json.dumps(_as_dict(first)))]}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        denied = await http.post("/codec/decode", json=body)
        assert denied.status_code == 401
        opened = await http.post(
            "/codec/decode", json=body, headers={"Authorization": "Bearer tok"}
        )
        assert opened.status_code == 200
        data = base64.b64decode(opened.json()["payloads"][0]["data"])
        assert email.encode() in data
        preflight = await http.options(
            "/codec/decode",
            headers={"Origin": "http://ui.example", "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "authorization,content-type,x-namespace"},
        )  # fmt: skip
        assert preflight.headers.get("access-control-allow-origin") == "http://ui.example"
        other = await http.options(
            "/codec/decode",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert other.headers.get("access-control-allow-origin") != "http://evil.example"
    await store.close()


def _as_dict(payload: Payload) -> dict[str, object]:
    from google.protobuf import json_format

    return json_format.MessageToDict(payload)


async def _never() -> Client:
    raise ConnectionError("not used")
