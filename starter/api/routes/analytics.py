"""`GET /analytics/summary`: the routing report as JSON, as `lead-router report --json`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from activities.rules_file import load_rules_file
from domain.analytics.groupings import GROUPINGS
from domain.analytics.window import window
from domain.rules import RulesError
from starter.analytics import routing_report
from starter.api.deps import AppDatabase, Config
from starter.api.errors import error, token_refusal
from starter.api.schemas import errors

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get(
    "/summary",
    response_model=None,
    responses={
        200: {"description": "the report, as `lead-router report --json`"},
        **errors(400, 401, 422, 503),
    },
    openapi_extra={"security": [{"bearer": []}]},
)
async def summary(
    database: AppDatabase,
    config: Config,
    since: Annotated[str | None, Query(description="7d, 12h, 2026-11-01 or an ISO time")] = None,
    until: Annotated[str | None, Query(description="same forms as since")] = None,
    by: Annotated[str | None, Query(description=f"one of {', '.join(GROUPINGS)}")] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Counts, delays, rates against targets, fairness and outcomes by rule for the leads
    submitted in the window. Bearer token: LEAD_ROUTER_API_TOKEN."""
    if (refused := token_refusal(config, authorization, "analytics")) is not None:
        return refused
    if by is not None and by not in GROUPINGS:
        return error(422, [{"field": "by", "message": f"choose one of {', '.join(GROUPINGS)}"}])
    try:
        start, end = window(since, until, datetime.now(UTC))
    except ValueError as exc:
        field = "until" if str(exc).startswith("--until") else "since"
        message = str(exc).replace("--since", "since").replace("--until", "until")
        return error(422, [{"field": field, "message": message}])
    try:
        rules = load_rules_file(config.rules_path)
    except RulesError as exc:
        return error(503, f"the rules file cannot be read: {exc}")
    result = await routing_report(database, rules, start, end, by)
    return Response(result.model_dump_json(), media_type="application/json")
