"""The signature schemes as pure functions: the providers' published vectors, and an
independent HMAC from the `openssl` CLI for Typeform's scheme and ours."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from domain.providers.base import SignatureError
from domain.providers.forms import sign_generic, verify_generic
from domain.providers.hubspot import sign_hubspot_v3, verify_hubspot_v3
from domain.providers.typeform import sign_typeform, verify_typeform

# HubSpot's own SDK tests (hubspot-api-python, tests/spec/utils/test_signature.py)
HUBSPOT_VECTOR = {
    "secret": "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
    "method": "POST",
    "uri": "https://www.example.com/webhook_uri",
    "body": b"{'example_field':'example_value'}",
    "timestamp": "15000000",
    "signature": "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=",
}
FIVE_MINUTES_MS = 5 * 60 * 1000


def openssl_hmac(secret: str, message: bytes, *, base64: bool) -> str:
    """HMAC-SHA256 by the openssl CLI: an implementation that shares no code with ours."""
    if base64:
        digest = subprocess.run(
            ["openssl", "dgst", "-sha256", "-hmac", secret, "-binary"],
            input=message, capture_output=True, check=True,
        ).stdout  # fmt: skip
        return (
            subprocess.run(
                ["openssl", "base64", "-A"], input=digest, capture_output=True, check=True
            )
            .stdout.decode()
            .strip()
        )
    out = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret, "-hex"],
        input=message, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    return out.rsplit("= ", 1)[1].strip()


def test_hubspot_v3_matches_hubspots_published_vector() -> None:
    v = HUBSPOT_VECTOR
    got = sign_hubspot_v3(v["secret"], v["method"], v["uri"], v["body"], v["timestamp"])  # type: ignore[arg-type]
    assert got == v["signature"]
    message = b"POST" + str(v["uri"]).encode() + v["body"] + str(v["timestamp"]).encode()  # type: ignore[operator]
    assert openssl_hmac(str(v["secret"]), message, base64=True) == v["signature"]


def test_hubspot_v3_vector_verifies_when_fresh_and_is_refused_when_stale() -> None:
    v: dict[str, Any] = HUBSPOT_VECTOR
    args = (v["secret"], v["method"], v["uri"], v["body"], v["signature"], v["timestamp"])
    verify_hubspot_v3(*args, now_ms=15_000_000 + 1_000)
    verify_hubspot_v3(*args, now_ms=15_000_000 + FIVE_MINUTES_MS)  # exactly 5 minutes is fine
    with pytest.raises(SignatureError, match="older than 5 minutes"):
        verify_hubspot_v3(*args, now_ms=15_000_000 + FIVE_MINUTES_MS + 1)
    with pytest.raises(SignatureError, match="older than 5 minutes"):
        verify_hubspot_v3(*args, now_ms=1_790_000_000_000)  # 2026: the vector is from 1970
    with pytest.raises(SignatureError, match="future"):
        verify_hubspot_v3(*args, now_ms=15_000_000 - FIVE_MINUTES_MS - 1)
    tampered = (*args[:3], v["body"] + b" ", *args[4:])
    with pytest.raises(SignatureError, match="does not match"):
        verify_hubspot_v3(*tampered, now_ms=15_000_000)


def test_hubspot_v3_signs_the_uri_with_hubspots_listed_characters_decoded() -> None:
    v: dict[str, Any] = HUBSPOT_VECTOR
    encoded = "https://www.example.com/webhook_uri?next=https%3A%2F%2Fa.io%2Fx%3Fy%40z"
    decoded = "https://www.example.com/webhook_uri?next=https://a.io/x?y@z"
    signature = openssl_hmac(
        v["secret"], b"POST" + decoded.encode() + v["body"] + v["timestamp"].encode(), base64=True
    )
    verify_hubspot_v3(
        v["secret"], "POST", encoded, v["body"], signature, v["timestamp"], now_ms=15_000_000
    )


@pytest.mark.parametrize(
    "body",
    [b'{"email":"a@b.io"}', b"", '{"name": "J\u00fcrgen \u2713"}'.encode(), bytes(range(256))],
    ids=["json", "empty", "utf8", "binary"],
)
def test_typeform_and_generic_schemes_agree_with_openssl(body: bytes) -> None:
    secret = "s3cr3t with spaces & symbols!"
    assert sign_typeform(secret, body) == "sha256=" + openssl_hmac(secret, body, base64=True)
    assert sign_generic(secret, body) == "sha256=" + openssl_hmac(secret, body, base64=False)
    verify_typeform(secret, body, "sha256=" + openssl_hmac(secret, body, base64=True))
    verify_generic(secret, body, "sha256=" + openssl_hmac(secret, body, base64=False).upper())
    with pytest.raises(SignatureError):
        verify_typeform("other secret", body, sign_typeform(secret, body))
    with pytest.raises(SignatureError):
        verify_generic("other secret", body, sign_generic(secret, body))
