"""The API's error answers and its one bearer-token check."""

from __future__ import annotations

import hmac
from typing import Any

from fastapi.responses import JSONResponse


def error(status: int, detail: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def bearer_matches(header: str | None, token: str) -> bool:
    """`Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235)."""
    scheme, _, given = (header or "").strip().partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)
