"""What every request passes before a route: the webhooks' rate limit, the insecure-mode
warning, and the declared body size."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from starter.api.config import ApiConfig
from starter.api.errors import error
from starter.api.ratelimit import RateLimiter
from starter.api.routes.webhooks import MAX_BODY

log = logging.getLogger("lead_router.api")


def add_guard(app: FastAPI, config: ApiConfig) -> None:
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
        if request.method == "POST":
            length = request.headers.get("content-length")
            if length and length.isdigit() and int(length) > MAX_BODY:
                return error(413, f"body over {MAX_BODY // 1024} KiB")
        return await call_next(request)
