"""`lead_key_*`: what sealing each lead with its own key costs on the hot path: making
the key at intake (one write), a worker's first read of it (then cached), and sealing and
opening one 2 KB payload with it."""

from __future__ import annotations

import base64
import os
import tempfile
import time
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from activities.database import Database
from starter.runtime.codec import new_key
from starter.runtime.lead_codec import lead_data_converter


async def run(leads: int, payloads: int) -> dict[str, Any]:
    codec_keys = {"k1": base64.b64decode(new_key())}
    ids = [f"lead-{i:024x}" for i in range(leads)]
    with tempfile.TemporaryDirectory() as tmp:
        intake = await Database(f"{tmp}/keys.db", codec_keys).init()
        worker = await Database(f"{tmp}/keys.db", codec_keys).init()
        try:
            started = time.perf_counter()
            for lead_id in ids:
                await intake.lead_keys.ensure(lead_id)
            made = time.perf_counter() - started
            started = time.perf_counter()
            for lead_id in ids:
                await worker.lead_keys.sealing_key(lead_id)
            read = time.perf_counter() - started
            codec = lead_data_converter(worker.lead_keys, codec_keys).payload_codec
            assert codec is not None
            payload = Payload(metadata={"encoding": b"json/plain"}, data=os.urandom(2000))
            started = time.perf_counter()
            for n in range(payloads):
                context = WorkflowSerializationContext("default", ids[n % leads])
                await codec.decode(await codec.with_context(context).encode([payload]))  # type: ignore[attr-defined]
            sealed = time.perf_counter() - started
        finally:
            await intake.close()
            await worker.close()
    return {
        "lead_key_make_ms": round(made / leads * 1000, 3),
        "lead_key_first_read_ms": round(read / leads * 1000, 3),
        "lead_key_seal_open_2kb_ms": round(sealed / payloads * 1000, 4),
    }
