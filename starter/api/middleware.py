"""What every request passes before a route: the webhooks' rate limit and the
insecure-mode warning, then the request reader (`reading.py`): its headers and its body."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from starter.api.config import ApiConfig
from starter.api.errors import error
from starter.api.ratelimit import RateLimiter
from starter.api.reading import RequestReader

log = logging.getLogger("lead_router.api")


def add_guard(app: FastAPI, config: ApiConfig) -> None:
    app.add_middleware(RequestReader)  # added first: runs after the rate limit
    limiter = RateLimiter(config.rate_limit_per_minute) if config.rate_limit_per_minute else None

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        webhook = request.url.path.startswith("/webhooks/")
        if limiter and webhook:
            address = request.client.host if request.client else "unknown"
            wait = limiter.allow(address)
            if wait > 0:
                response = error(429, f"too many requests from {address}; retry later")
                response.headers["Retry-After"] = str(max(1, round(wait)))
                return response
        if config.insecure and webhook:
            log.warning(
                "INSECURE development mode: %s accepted without a signature check", request.url.path
            )
        return await call_next(request)
