"""The service's own health."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from starter.api.deps import AppDatabase, Client

router = APIRouter(tags=["service"])


class Health(BaseModel):
    ok: bool
    temporal: str
    database: str


@router.get("/healthz", response_model=None, responses={
    200: {"model": Health, "description": "both reachable"},
    503: {"model": Health, "description": "Temporal or the database unreachable, and why"},
})  # fmt: skip
async def healthz(database: AppDatabase, client: Client) -> JSONResponse:
    """Temporal and database reachability; 503 if either is down."""
    checks: dict[str, str] = {}
    try:
        connected = await client()
        await asyncio.wait_for(connected.service_client.check_health(), timeout=3)
        checks["temporal"] = "ok"
    except Exception as exc:  # any failure means "not reachable", with why
        checks["temporal"] = f"unreachable: {exc}"
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {exc}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"ok": ok, **checks}, status_code=200 if ok else 503)
