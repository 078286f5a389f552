"""What every CRM client shares: one HTTP client under a client-side rate limit, and the
two ways a call fails: `CrmUnavailable` (429, 5xx, a timeout, a dropped connection, a
vendor's "try later" code: try again, after `Retry-After` when the CRM says) and
`CrmRejected` (a 4xx the CRM will keep refusing)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import httpx


class CrmUnavailable(Exception):
    def __init__(self, message: str, retry_after: float | None = None, code: str = "") -> None:
        super().__init__(message)
        self.retry_after, self.code = retry_after, code


class CrmRejected(Exception):
    """The CRM refused the request as it is; retrying the same request cannot help."""

    def __init__(self, message: str, status: int = 0, code: str = "") -> None:
        super().__init__(message)
        self.status, self.code = status, code


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


class CrmHttpClient:
    """The base of each CRM's client: `crm` names it, `retry_codes` are the vendor's
    error codes that mean "later" whatever the HTTP status, `tasks` whether the owner
    gets a task due at the SLA deadline."""

    crm = "crm"
    retry_codes: frozenset[str] = frozenset()

    def __init__(
        self, base_url: str, http: httpx.AsyncClient | None, limit: RateLimit, *, tasks: bool
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http or httpx.AsyncClient(timeout=10.0)
        self.limit = limit
        self.tasks = tasks

    async def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request under the rate limit; 2xx returned, everything else raised."""
        await self.limit.wait()
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.TimeoutException:
            raise CrmUnavailable(f"{self.crm} did not answer {method} {url} in time") from None
        except httpx.TransportError as exc:
            raise CrmUnavailable(f"{self.crm} unreachable for {method} {url}: {exc!r}") from None
        if response.status_code < 400:
            return response
        code, message = _error(response)
        what = f"{self.crm} answered {response.status_code} to {method} {url}: {message}"
        if response.status_code == 429:
            raise CrmUnavailable(what, retry_after=_retry_after(response))
        if response.status_code >= 500 or response.status_code in (408, 423):
            raise CrmUnavailable(what)
        if code in self.retry_codes:
            raise CrmUnavailable(what, retry_after=_retry_after(response), code=code)
        raise CrmRejected(what, response.status_code, code)


def json_of(response: httpx.Response) -> Any:
    """The body as JSON; None for an empty answer (a 204)."""
    return response.json() if response.content else None


def _error(response: httpx.Response) -> tuple[str, str]:
    """The vendor's code and own words: HubSpot's {"category", "message"}, Salesforce's
    [{"errorCode", "message", "fields"}], an OAuth {"error", "error_description"}."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:300] or response.reason_phrase
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]
    if not isinstance(body, dict):
        return "", str(body)[:300]
    code = str(body.get("category") or body.get("errorCode") or body.get("error") or "")
    text = str(body.get("message") or body.get("error_description") or "")
    fields = body.get("fields")
    where = f" (fields: {', '.join(map(str, fields))})" if fields else ""
    return code, (f"{code} {text}".strip() + where) or str(body)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None
