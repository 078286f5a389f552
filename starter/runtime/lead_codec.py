"""Each lead's payloads sealed with the lead's own key, so erasure can make its
histories unreadable without editing them.

temporalio gives the codec the workflow id of every payload it encodes (its
serialization context): the client's start, signals, updates and queries, the worker's
commands, activity arguments and results, summaries. A lead's workflow id is its lead
id, so every payload of the lead is sealed with the key the app database keeps for it
(`activities/database/lead_keys.py`); the payload names that key, so decoding needs no
context (the Web UI's codec server, `history export`, replay). Once erasure has deleted
the key, nothing (not the codec keys either) opens them. Payloads of workflows without
a lead key (before this existed, tests, benchmarks) go to the codec keys as before."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Protocol, Self

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    ActivitySerializationContext,
    DataConverter,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
    WorkflowSerializationContext,
)

from starter.runtime.codec import (
    LEAD_DATA_CONVERTER,
    EncryptionCodec,
    configured_keys,
    data_converter,
)

ENCODING = b"binary/lead-sealed"
KEY_ID = "lead-key-id"
LEAD_ID = "lead-id"
LEAD_WORKFLOW_PREFIX = "lead-"
_NONCE = 12
# what a converter without the app database says of a sealed payload, and what to do
LEAD_SEALED_HINT = (
    ENCODING.decode(),
    " (sealed with the lead's own key: run where the app database is, with --data-dir or "
    "LEAD_ROUTER_DATABASE_URL)",
)


class LeadKeySource(Protocol):
    async def sealing_key(self, lead_id: str) -> tuple[str, bytes] | None: ...

    async def opening_key(self, key_id: str) -> bytes | None: ...


class LeadErased(ValueError):
    """A payload whose lead key was destroyed: the lead was erased on request."""

    def __init__(self, lead_id: str) -> None:
        super().__init__(
            f"lead {lead_id} was erased on request: its key is destroyed and what its "
            "history held can no longer be read (its routing facts remain in analytics)"
        )
        self.lead_id = lead_id


class LeadSealingCodec(PayloadCodec, WithSerializationContext):
    def __init__(
        self, keys: LeadKeySource, inner: PayloadCodec | None, lead_id: str | None = None
    ) -> None:
        self.keys = keys
        self.inner = inner
        self.lead_id = lead_id

    def with_context(self, context: SerializationContext) -> Self:
        workflow_id = None
        if isinstance(context, WorkflowSerializationContext | ActivitySerializationContext):
            workflow_id = context.workflow_id
        lead_id = (
            workflow_id if workflow_id and workflow_id.startswith(LEAD_WORKFLOW_PREFIX) else None
        )
        if lead_id == self.lead_id:
            return self
        return type(self)(self.keys, self.inner, lead_id)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        found = await self.keys.sealing_key(self.lead_id) if self.lead_id else None
        if found is None:
            return await self.inner.encode(payloads) if self.inner else list(payloads)
        key_id, key = found
        aead = AESGCM(key)
        metadata = {"encoding": ENCODING, KEY_ID: key_id.encode(), LEAD_ID: self.lead_id.encode()}  # type: ignore[union-attr]
        sealed = []
        for payload in payloads:
            nonce = os.urandom(_NONCE)
            data = aead.encrypt(nonce, payload.SerializeToString(), key_id.encode())
            sealed.append(Payload(metadata=metadata, data=nonce + data))
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        opened = [await self._open(p) for p in payloads]
        return await self.inner.decode(opened) if self.inner else opened

    async def _open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata[KEY_ID].decode()
        key = await self.keys.opening_key(key_id)
        if key is None:
            raise LeadErased(payload.metadata.get(LEAD_ID, b"?").decode())
        inner = Payload()
        data = payload.data
        inner.ParseFromString(AESGCM(key).decrypt(data[:_NONCE], data[_NONCE:], key_id.encode()))
        return inner


def lead_data_converter(keys: LeadKeySource, codec_keys: dict[str, bytes] | None) -> DataConverter:
    """The project's converter, sealing each lead's payloads with the lead's key."""
    inner = EncryptionCodec(codec_keys) if codec_keys else None
    return dataclasses.replace(LEAD_DATA_CONVERTER, payload_codec=LeadSealingCodec(keys, inner))


def converter_for(lead_keys: LeadKeySource | None) -> DataConverter:
    """The converter a process uses: with the app database's `lead_keys`, each lead's
    payloads sealed with its key (and the configured codec keys for the rest); without,
    the codec keys alone."""
    if lead_keys is None:
        return data_converter()
    return lead_data_converter(lead_keys, configured_keys())
