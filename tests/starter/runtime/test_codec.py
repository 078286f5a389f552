"""AES-GCM payload codec: round trips, key rotation, tampering, and the codec server."""

from __future__ import annotations

import base64

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from starter.runtime.codec import CodecError, EncryptionCodec, new_key, parse_keys

OLD = base64.b64decode(new_key())
NEW = base64.b64decode(new_key())


def _payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_round_trip_hides_the_data_and_names_the_key() -> None:
    codec = EncryptionCodec({"k1": OLD})
    [sealed] = await codec.encode([_payload('{"email": "ann@acme.com"}')])
    assert b"ann@acme.com" not in sealed.SerializeToString()
    assert sealed.metadata["encryption-key-id"] == b"k1"
    [opened] = await codec.decode([sealed])
    assert opened.data == b'{"email": "ann@acme.com"}'
    assert opened.metadata["encoding"] == b"json/plain"


async def test_rotation_new_key_seals_old_key_still_opens() -> None:
    [old_sealed] = await EncryptionCodec({"k1": OLD}).encode([_payload("old")])
    rotated = EncryptionCodec({"k2": NEW, "k1": OLD})
    [new_sealed] = await rotated.encode([_payload("new")])
    assert new_sealed.metadata["encryption-key-id"] == b"k2"
    opened = await rotated.decode([old_sealed, new_sealed])
    assert [p.data for p in opened] == [b"old", b"new"]
    with pytest.raises(CodecError, match="k1"):
        await EncryptionCodec({"k2": NEW}).decode([old_sealed])


async def test_tampering_is_detected() -> None:
    codec = EncryptionCodec({"k1": OLD})
    [sealed] = await codec.encode([_payload("x")])
    sealed.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(InvalidTag):
        await codec.decode([sealed])


def test_bad_key_material_names_the_source_and_key() -> None:
    with pytest.raises(CodecError, match="env: key 'a' must be 16, 24 or 32 bytes"):
        parse_keys("a:" + base64.b64encode(b"short").decode(), "env")
    with pytest.raises(CodecError, match="item 1 is not id:base64key"):
        parse_keys("nocolon", "env")
