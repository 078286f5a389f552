"""What every CRM call shares: a client-side rate limit, and the two ways a call fails:
`CrmUnavailable` (429, 5xx, a timeout, a dropped connection: try again, after
`Retry-After` when the CRM says) and `CrmRejected` (a 4xx the CRM will keep refusing)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import httpx


class CrmUnavailable(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CrmRejected(Exception):
    """The CRM refused the request as it is; retrying the same request cannot help."""


class RateLimit:
    """At most `requests` calls in any `seconds`, for this process (a sliding window)."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.requests, self.seconds = requests, seconds
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._sent and now - self._sent[0] >= self.seconds:
                    self._sent.popleft()
                if len(self._sent) < self.requests:
                    self._sent.append(now)
                    return
                await asyncio.sleep(self.seconds - (now - self._sent[0]))


async def call(
    http: httpx.AsyncClient, limit: RateLimit, crm: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """One request under the rate limit; 2xx returned, everything else raised as above."""
    await limit.wait()
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise CrmUnavailable(f"{crm} did not answer {method} {url} in time") from None
    except httpx.TransportError as exc:
        raise CrmUnavailable(f"{crm} unreachable for {method} {url}: {exc!r}") from None
    if response.status_code < 400:
        return response
    what = f"{crm} answered {response.status_code} to {method} {url}: {_message(response)}"
    if response.status_code == 429:
        raise CrmUnavailable(what, retry_after=_retry_after(response))
    if response.status_code >= 500 or response.status_code in (408, 423):
        raise CrmUnavailable(what)
    raise CrmRejected(what)


def _message(response: httpx.Response) -> str:
    """The vendor's own words: HubSpot's {"message"}, Salesforce's [{"message"}]."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if isinstance(body, dict):
        code = body.get("category") or body.get("errorCode") or ""
        return f"{code} {body.get('message', '')}".strip() or str(body)[:300]
    return str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None
