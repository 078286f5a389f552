"""Webhook signature schemes: ours, HubSpot's v3 and Typeform's. Pure functions."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import unquote

HUBSPOT_MAX_AGE_MS = 5 * 60 * 1000


class SignatureError(ValueError):
    """Why a request's signature does not verify (never says what was expected)."""


def _digest(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def sign_generic(secret: str, body: bytes) -> str:
    """`X-Lead-Router-Signature`: sha256=<hex HMAC-SHA256 of the raw body>."""
    return "sha256=" + _digest(secret, body).hex()


def verify_generic(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise SignatureError("missing X-Lead-Router-Signature header")
    if not hmac.compare_digest(sign_generic(secret, body), header.strip().lower()):
        raise SignatureError("X-Lead-Router-Signature does not match the body")


def sign_hubspot_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot v3: base64 HMAC-SHA256 of method + URI + body + timestamp."""
    message = method.upper().encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(_digest(secret, message)).decode()


def hubspot_uri(uri: str) -> str:
    """HubSpot signs the URI with these URL-encoded characters decoded."""
    for encoded in (
        "%3A",
        "%2F",
        "%3F",
        "%40",
        "%21",
        "%24",
        "%27",
        "%28",
        "%29",
        "%2A",
        "%2C",
        "%3B",
    ):
        uri = uri.replace(encoded, unquote(encoded)).replace(encoded.lower(), unquote(encoded))
    return uri


def verify_hubspot_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    now_ms: int,
) -> None:
    if not signature or not timestamp:
        raise SignatureError("missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    if not timestamp.strip().isdigit():
        raise SignatureError("X-HubSpot-Request-Timestamp is not milliseconds since the epoch")
    age = now_ms - int(timestamp)
    if age > HUBSPOT_MAX_AGE_MS:
        raise SignatureError("X-HubSpot-Request-Timestamp is older than 5 minutes")
    if age < -HUBSPOT_MAX_AGE_MS:
        raise SignatureError("X-HubSpot-Request-Timestamp is in the future")
    expected = sign_hubspot_v3(secret, method, hubspot_uri(uri), body, timestamp.strip())
    if not hmac.compare_digest(expected, signature.strip()):
        raise SignatureError("X-HubSpot-Signature-v3 does not match the request")


def sign_typeform(secret: str, body: bytes) -> str:
    """`Typeform-Signature`: sha256=<base64 HMAC-SHA256 of the raw body>."""
    return "sha256=" + base64.b64encode(_digest(secret, body)).decode()


def verify_typeform(secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise SignatureError("missing Typeform-Signature header")
    if not hmac.compare_digest(sign_typeform(secret, body), header.strip()):
        raise SignatureError("Typeform-Signature does not match the body")
