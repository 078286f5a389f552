"""Lead ids: stable, derived from the normalized email, with no email inside."""

from __future__ import annotations

import hmac
from functools import lru_cache

DEFAULT_ID_KEY = "lead-router-development-key"


def lead_id_for(email: str, key: str = DEFAULT_ID_KEY) -> str:
    """A keyed hash of the email, so an id can be recomputed from an email but not reversed."""
    # hmac.digest: the one-shot C path, the same bytes as hmac.new(...).digest()
    digest = hmac.digest(_key_bytes(key), email.encode(), "sha256").hex()
    return f"lead-{digest[:24]}"


@lru_cache(maxsize=8)
def _key_bytes(key: str) -> bytes:
    return key.encode()
