"""Lead ids: stable, derived from the normalized email, with no email inside."""

from __future__ import annotations

import hashlib
import hmac

DEFAULT_ID_KEY = "lead-router-development-key"


def lead_id_for(email: str, key: str = DEFAULT_ID_KEY) -> str:
    """A keyed hash of the email, so an id can be recomputed from an email but not reversed."""
    digest = hmac.new(key.encode(), email.encode(), hashlib.sha256).hexdigest()
    return f"lead-{digest[:24]}"
