"""The console's pages (GET): queue, lead, team, analytics, rules, dead letters. Each
reads what it shows and hands it to its template; the writes are in `actions.py`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from temporalio.service import RPCError, RPCStatusCode

from domain.analytics.fairness import fairness
from domain.models import Lead, Tier
from domain.rules import RoutingRules, RulesError
from domain.rules_check import policy_warnings
from starter.analytics import weights_of
from starter.api.deps import AppDatabase, Config
from starter.console.access import SIGNED_IN, Temporal
from starter.console.queue import FILTERS, STATUSES, VIEWS, BadFilter, open_leads, visibility_query
from starter.console.render import error_page, page
from starter.console.rules_in_force import rules_in_force, rules_or_problem
from starter.console.team import team_view
from workflows.client import lead_status
from workflows.lead_routing import LeadRoutingWorkflow

router = APIRouter(prefix="/console", include_in_schema=False, dependencies=[SIGNED_IN])
Text = Annotated[str, Query(max_length=120)]
FAIRNESS_WINDOW = timedelta(days=30)  # the team page's fairness: the last month's leads


def temporal_link(config: Config, lead_id: str) -> str | None:
    if not config.ui_url:
        return None
    return f"{config.ui_url}/namespaces/{config.namespace}/workflows/{lead_id}"


@router.get("")
async def queue(
    request: Request,
    config: Config,
    client: Temporal,
    view: Text = "open",
    team: Text = "",
    tier: Text = "",
    owner: Text = "",
    status: Text = "",
    after: Annotated[str, Query(max_length=4096)] = "",
    rows_only: bool = False,
) -> Response:
    """Open leads, the most urgent first; `rows_only` is the live refresh's fragment."""
    filters = {"team": team, "tier": tier, "owner": owner, "status": status}
    try:
        now = datetime.now(UTC)
        query = visibility_query(
            view, filters, now, LeadRoutingWorkflow.__name__, config.task_queue
        )
        found = await open_leads(client, query, view, now, after or None)
    except BadFilter as exc:
        return error_page(request, 422, "That filter cannot be used", str(exc),
                          "clear the filter and pick a value from the lists")  # fmt: skip
    rules = _rules_or_none(config)
    return page(
        request,
        "queue_rows.html" if rows_only else "queue.html",
        queue=found,
        view=view,
        views=VIEWS,
        filters=filters,
        filter_names=list(FILTERS),
        statuses=STATUSES,
        teams=[t.id for t in rules.teams] if rules else [],
        tiers=[t.value for t in Tier],
        ui=lambda lead_id: temporal_link(config, lead_id),
    )


@router.get("/leads/{lead_id}")
async def lead(
    request: Request,
    lead_id: str,
    config: Config,
    database: AppDatabase,
    client: Temporal,
) -> Response:
    try:
        state = await lead_status(client, lead_id)
    except RPCError as exc:
        delivery = await database.deliveries.latest_for(lead_id)
        if delivery is not None and delivery.status != "started":
            return error_page(request, 202, f"{lead_id} is queued",
                              "the lead was accepted and waits for Temporal to take it",
                              "reload in a few seconds")  # fmt: skip
        if exc.status is RPCStatusCode.NOT_FOUND:
            return error_page(request, 404, "No such lead", f"no lead {lead_id} in Temporal",
                              "check the id, or find the lead in the queue")  # fmt: skip
        raise
    rules = _rules_or_none(config)
    members = [m.id for t in rules.teams for m in t.members if m.active] if rules else []
    delivery, facts = await asyncio.gather(
        database.deliveries.latest_for(lead_id), database.analytics.facts_of(lead_id)
    )
    came_in = Lead.model_validate_json(delivery.lead_json) if delivery else None
    return page(request, "lead.html", lead=state, members=members, came_in=came_in, facts=facts,
                temporal=temporal_link(config, lead_id), notice=request.query_params.get("done"))  # fmt: skip


@router.get("/team")
async def team(request: Request, config: Config, database: AppDatabase) -> Response:
    rules = rules_or_problem(config.rules_path)
    since = datetime.now(UTC) - FAIRNESS_WINDOW
    state, counts = await asyncio.gather(
        database.roster.load_state(), database.analytics.round_robin_counts(since, None)
    )
    shares = fairness(counts, weights_of(rules))
    return page(request, "team.html", teams=team_view(rules, state, shares), rules=rules,
                days=FAIRNESS_WINDOW.days, notice=request.query_params.get("done"))  # fmt: skip


@router.get("/rules")
async def rules_page(request: Request, config: Config) -> Response:
    problems: list[str] = []
    rules = None
    try:
        rules = rules_in_force(config.rules_path)
    except RulesError as exc:
        problems = str(exc).splitlines()
    warnings = policy_warnings(rules, datetime.now(UTC)) if rules else []
    return page(request, "rules.html", rules=rules, path=config.rules_path, problems=problems,
                warnings=warnings, preview=None, text="", days=7)  # fmt: skip


@router.get("/dead-letters")
async def dead_letters(
    request: Request,
    database: AppDatabase,
    all_: bool = Query(False, alias="all"),
) -> Response:
    letters = await database.dead_letters.all(include_retried=all_)
    return page(request, "dead_letters.html", letters=letters, show_all=all_,
                notice=request.query_params.get("done"))  # fmt: skip


def _rules_or_none(config: Config) -> RoutingRules | None:
    try:
        return rules_in_force(config.rules_path)
    except RulesError:
        return None
