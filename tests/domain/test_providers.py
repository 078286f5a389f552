"""The providers' pure checks on their own (the webhook tests drive them over HTTP)."""

from __future__ import annotations

import time

import pytest

from domain.providers.base import SignatureError
from domain.providers.hubspot import verify_hubspot_v3


@pytest.mark.parametrize("stamp", ["²", "١٢٣", "9" * 5000, "1e3", "", "+5"])
def test_a_hubspot_timestamp_is_ascii_digits_or_refused(stamp: str) -> None:
    """`str.isdigit()` takes "²" and "١٢٣", which `int()` refuses or reads: never a crash."""
    now = int(time.time() * 1000)
    with pytest.raises(SignatureError, match="X-HubSpot-Request-Timestamp"):
        verify_hubspot_v3("s", "POST", "https://x/webhooks/hubspot", b"{}", "sig", stamp, now)
