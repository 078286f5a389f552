"""The lead codec on its own: the workflow id picks the lead's key, the payload names it,
an erased lead's payloads never open, other workflows keep the codec keys."""

from __future__ import annotations

import base64

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext

from activities.database import Database
from activities.database.lead_keys import LeadKeyError
from starter.runtime.codec import ENCODING as CODEC_ENCODING
from starter.runtime.codec import new_key
from starter.runtime.lead_codec import ENCODING, LeadErased, lead_data_converter

CODEC_KEYS = {"k1": base64.b64decode(new_key())}


def _payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


def _activity(workflow_id: str) -> ActivitySerializationContext:
    return ActivitySerializationContext(
        namespace="default", activity_id="1", activity_type="notify", activity_task_queue="q",
        workflow_id=workflow_id, workflow_type="LeadRoutingWorkflow", is_local=False,
    )  # fmt: skip


async def test_a_leads_payloads_seal_with_its_key_and_stop_opening_once_erased(
    tmp_path: object,
) -> None:
    store = await Database(f"{tmp_path}/keys.db", CODEC_KEYS).init()
    try:
        await store.lead_keys.ensure("lead-a")
        codec = lead_data_converter(store.lead_keys, CODEC_KEYS).payload_codec
        assert codec is not None
        for context in (WorkflowSerializationContext("default", "lead-a"), _activity("lead-a")):
            [sealed] = await codec.with_context(context).encode([_payload('"ada@acme.com"')])  # type: ignore[attr-defined]
            assert sealed.metadata["encoding"] == ENCODING and b"ada" not in sealed.data
            # decoding needs no context: the payload names its key (codec server, replay)
            assert (await codec.decode([sealed]))[0].data == b'"ada@acme.com"'

        # a workflow without a lead key (the floor benchmark, old leads) keeps the codec keys
        [other] = await codec.with_context(
            WorkflowSerializationContext("default", "floor-1")
        ).encode([_payload('"x"')])  # type: ignore[attr-defined]
        assert other.metadata["encoding"] == CODEC_ENCODING

        await store.erasures.erase("lead-a", "test", "none")
        with pytest.raises(LeadErased, match="lead-a was erased on request"):
            await codec.decode([sealed])
        # and a fresh process, which never cached it, cannot open it either
        fresh = await Database(f"{tmp_path}/keys.db", CODEC_KEYS).init()
        fresh_codec = lead_data_converter(fresh.lead_keys, CODEC_KEYS).payload_codec
        with pytest.raises(LeadErased):
            await fresh_codec.decode([sealed])  # type: ignore[union-attr]
        await fresh.close()
    finally:
        await store.close()


async def test_a_lead_key_is_kept_wrapped_and_needs_the_codec_key_that_wrapped_it(
    tmp_path: object,
) -> None:
    store = await Database(f"{tmp_path}/keys.db", CODEC_KEYS).init()
    key_id, key = await store.lead_keys.ensure("lead-b")
    await store.close()
    cells = str(await _rows(f"{tmp_path}/keys.db"))
    assert base64.b64encode(key).decode() not in cells and "k1" in cells
    without = await Database(f"{tmp_path}/keys.db", {"k2": base64.b64decode(new_key())}).init()
    try:
        with pytest.raises(
            LeadKeyError, match="wrapped with codec key 'k1', which is not configured"
        ):
            await without.lead_keys.opening_key(key_id)
    finally:
        await without.close()


async def _rows(path: str) -> list[tuple[object, ...]]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM lead_keys").fetchall()
