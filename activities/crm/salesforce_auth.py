"""The connected app's credentials, and the JWT bearer flow's assertion: RS256 over the
app's key (`iss`), the integration user (`sub`) and the login URL (`aud`), valid three
minutes, as Salesforce's OAuth 2.0 JWT bearer flow asks. Signed with `cryptography`,
already a dependency."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from activities.crm.http import CrmRejected

LIFETIME = 180  # seconds; Salesforce accepts at most a few minutes


@dataclass(frozen=True)
class SalesforceLogin:
    """The connected app's credentials: a secret (client credentials) or a user and the
    private key whose certificate the app holds (JWT bearer)."""

    client_id: str
    client_secret: str | None = None
    username: str | None = None
    private_key: Path | None = None
    audience: str = "https://login.salesforce.com"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_assertion(login: SalesforceLogin, now: float) -> str:
    assert login.private_key is not None
    try:
        key = serialization.load_pem_private_key(login.private_key.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise CrmRejected(
            f"LEAD_ROUTER_SALESFORCE_PRIVATE_KEY_FILE {login.private_key}: cannot read an "
            f"unencrypted PEM private key ({exc}); give the key whose certificate the "
            "connected app holds"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CrmRejected(f"{login.private_key}: the JWT bearer flow needs an RSA key")
    header = _b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = {"iss": login.client_id, "sub": login.username, "aud": login.audience,
              "exp": int(now) + LIFETIME}  # fmt: skip
    signed = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signed}.{_b64(signature)}"
