"""AES-GCM payload encryption, so leads' personal data is not readable in Temporal.

Each encrypted payload carries the id of the key that sealed it, so keys rotate:
new payloads use the first (active) key; any listed key still opens old ones.
Keys come from LEAD_ROUTER_CODEC_KEYS ("id:base64key,id2:base64key") or a key file
(LEAD_ROUTER_CODEC_KEY_FILE, one "id:base64key" a line; the first is active).
"""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    PayloadCodec,
)

from domain.rules import RoutingRules
from starter.runtime.settings import CodecSettings

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE = 12


class CodecError(ValueError):
    pass


def parse_keys(text: str, source: str) -> dict[str, bytes]:
    """Ordered {key id: 32-byte key} from "id:base64key" items (commas or lines)."""
    keys: dict[str, bytes] = {}
    items = [i.strip() for i in text.replace("\n", ",").split(",") if i.strip()]
    for n, item in enumerate(items, start=1):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise CodecError(f"{source}: item {n} is not id:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise CodecError(f"{source}: key {key_id!r} is not base64") from None
        if len(key) not in (16, 24, 32):
            raise CodecError(f"{source}: key {key_id!r} must be 16, 24 or 32 bytes, not {len(key)}")
        keys[key_id] = key
    if not keys:
        raise CodecError(f"{source}: no keys")
    return keys


def configured_keys(settings: CodecSettings | None = None) -> dict[str, bytes] | None:
    """The configured keys, or None when encryption is off."""
    settings = settings or CodecSettings()
    if settings.keys:
        return parse_keys(settings.keys, "LEAD_ROUTER_CODEC_KEYS")
    if path := settings.key_file:
        try:
            return parse_keys(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise CodecError(f"{path}: cannot read the key file: {exc.strerror}") from None
    return None


def new_key() -> str:
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()


class EncryptionCodec(PayloadCodec):
    def __init__(self, keys: dict[str, bytes]) -> None:
        if not keys:
            raise CodecError("an encryption codec needs at least one key")
        self.keys = keys
        self.active_id = next(iter(keys))
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(_NONCE)
        sealed = self._aead[self.active_id].encrypt(
            nonce, payload.SerializeToString(), self.active_id.encode()
        )
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: self.active_id.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # not ours: plain payloads from before encryption was on
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        aead = self._aead.get(key_id)
        if aead is None:
            raise CodecError(f"payload sealed with key {key_id!r}, which is not configured")
        nonce, sealed = payload.data[:_NONCE], payload.data[_NONCE:]
        inner = Payload()
        inner.ParseFromString(aead.decrypt(nonce, sealed, key_id.encode()))
        return inner


_DECODED_RULES: dict[bytes, RoutingRules] = {}


class _PydanticJSONSharingRules(PydanticJSONPlainPayloadConverter):
    """Pydantic JSON, with a rule set validated once per distinct content: the one
    mechanism that shares a lead's pinned rules, on the worker and on replay.

    Every lead pins a copy of the same rules (~19 KB), decoded twice per lead: the
    workflow's `load_rules` result and the assignment's argument. Validating them cost
    ~0.5-1 ms each time under load. Keyed by the payload's exact bytes, the shared copy
    is what validating those bytes gives; rules are frozen, so sharing them is safe."""

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        if type_hint is not RoutingRules:
            return super().from_payload(payload, type_hint)
        rules = _DECODED_RULES.get(payload.data)
        if rules is None:
            rules = super().from_payload(payload, RoutingRules)
            if len(_DECODED_RULES) >= 32:
                _DECODED_RULES.clear()
            _DECODED_RULES[payload.data] = rules
        return rules


_SHARING_JSON = _PydanticJSONSharingRules()
_CONVERTERS = tuple(
    _SHARING_JSON if isinstance(c, JSONPlainPayloadConverter) else c
    for c in DefaultPayloadConverter.default_encoding_payload_converters
)


class LeadPayloadConverter(CompositePayloadConverter):
    """temporalio.contrib.pydantic's converter (the same JSON), sharing decoded rules.

    Its encoding converters are built once and shared (they hold nothing but caches):
    the SDK builds a new payload converter for every data converter it makes, two per
    workflow activation, and building pydantic's (with an empty cache of type adapters)
    each time was a tenth of replay's time."""

    def __init__(self) -> None:
        super().__init__(*_CONVERTERS)


LEAD_DATA_CONVERTER = DataConverter(payload_converter_class=LeadPayloadConverter)


def data_converter(keys: dict[str, bytes] | None = None) -> DataConverter:
    """The project's converter: pydantic JSON, encrypted when keys are configured."""
    keys = keys if keys is not None else configured_keys()
    if not keys:
        return LEAD_DATA_CONVERTER
    return dataclasses.replace(LEAD_DATA_CONVERTER, payload_codec=EncryptionCodec(keys))
