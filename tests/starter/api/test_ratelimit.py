"""The webhook rate limit: per address, refilling over time, bounded memory."""

from __future__ import annotations

import httpx

from activities.database import Database
from starter.api.app import create_app
from starter.api.config import ApiConfig
from starter.api.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_per_address() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(3)] == [0, 0, 0]
    wait = limiter.allow("a")
    assert 0 < wait <= 1.0
    assert limiter.allow("b") == 0  # another address has its own bucket
    clock.now += 1.0  # one token back at 60/min
    assert limiter.allow("a") == 0
    assert limiter.allow("a") > 0


def test_memory_is_bounded() -> None:
    limiter = RateLimiter(per_minute=60, max_addresses=100)
    for i in range(1000):
        limiter.allow(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._buckets) == 100


async def test_webhooks_answer_429_with_retry_after(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = await Database(tmp_path / "app.db").init()
    app = create_app(
        ApiConfig(task_queue="q", id_key="k", insecure=True, rate_limit_per_minute=6), store,
        _no_temporal,
    )  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        codes = []
        for _ in range(3):
            response = await http.post("/webhooks/forms", content=b"[]",
                                       headers={"content-type": "application/json"})  # fmt: skip
            codes.append(response.status_code)
        assert codes[0] == 422 and codes[-1] == 429
        assert int(response.headers["retry-after"]) >= 1
        health = await http.get("/healthz")  # only the webhooks are limited
        assert health.status_code in (200, 503)
    await store.close()


async def _no_temporal():  # type: ignore[no-untyped-def]
    raise ConnectionError("no Temporal in this test")
