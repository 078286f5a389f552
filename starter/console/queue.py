"""The queue page's rows, from Temporal's visibility: the search attributes each lead's
workflow keeps current (workflows/search_attributes.py). No workflow is queried."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecution

from starter.console.queue_order import in_order
from workflows.search_attributes import (
    ESCALATION_LEVEL,
    LEAD_OWNER,
    LEAD_SOURCE,
    LEAD_STATUS,
    LEAD_TEAM,
    LEAD_TIER,
    LEAD_TYPE,
    SLA_DUE_AT,
)

VIEWS = {
    "open": "every open lead",
    "due-soon": "due in the next 15 minutes",
    "overdue": "overdue",
    "unowned": "unowned, in review",
}
FILTERS = {"team": LEAD_TEAM, "tier": LEAD_TIER, "owner": LEAD_OWNER, "status": LEAD_STATUS}
STATUSES = ("routing", "waiting_first_action", "onboarding", "unowned_review", "suppressed")
_VALUE = re.compile(r"^[A-Za-z0-9_.@:+-]{1,120}$")
ROW_LIMIT = 50  # a page: visibility's answer time grows with the rows asked for


class BadFilter(ValueError):
    """A filter value that cannot be a team, tier, owner or status id."""


@dataclass(frozen=True)
class QueueRow:
    lead_id: str
    status: str
    lead_type: str
    source: str
    tier: str | None
    team: str | None
    owner: str | None
    sla_due_at: datetime | None
    escalation_level: int
    started_at: datetime | None


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    total: int  # the matching leads: more than the rows when over ROW_LIMIT
    query: str
    after: str | None = None  # the next page's token, when there is one


def visibility_query(
    view: str, filters: dict[str, str], now: datetime, workflow_type: str, task_queue: str
) -> str:
    """The List Filter for a view and the filters; each value checked, never pasted raw.
    The task queue keeps another deployment's leads in a shared namespace out."""
    if view not in VIEWS:
        raise BadFilter(f"view: choose one of {', '.join(VIEWS)}")
    if not _VALUE.match(task_queue):
        raise BadFilter(f"task queue: {task_queue[:40]!r} cannot be searched")
    parts = [
        f"WorkflowType = '{workflow_type}'",
        "ExecutionStatus = 'Running'",
        f"TaskQueue = '{task_queue}'",
    ]
    for name, value in filters.items():
        if not value:
            continue
        if name not in FILTERS or not _VALUE.match(value):
            raise BadFilter(f"{name}: {value[:40]!r} is not a valid {name} id")
        parts.append(f"{FILTERS[name].name} = '{value}'")
    soon = (now + timedelta(minutes=15)).isoformat()
    if view == "due-soon":
        parts.append(f"{SLA_DUE_AT.name} >= '{now.isoformat()}' AND {SLA_DUE_AT.name} <= '{soon}'")
    elif view == "overdue":
        parts.append(f"{SLA_DUE_AT.name} < '{now.isoformat()}'")
    elif view == "unowned":
        parts.append(f"{LEAD_STATUS.name} = 'unowned_review'")
    return " AND ".join(parts)


def _row(execution: WorkflowExecution) -> QueueRow:
    found = execution.typed_search_attributes

    def get(key: Any) -> Any:
        return found.get(key)

    return QueueRow(
        lead_id=execution.id,
        status=get(LEAD_STATUS) or "routing",
        lead_type=get(LEAD_TYPE) or "",
        source=get(LEAD_SOURCE) or "",
        tier=get(LEAD_TIER),
        team=get(LEAD_TEAM),
        owner=get(LEAD_OWNER),
        sla_due_at=get(SLA_DUE_AT),
        escalation_level=get(ESCALATION_LEVEL) or 0,
        started_at=execution.start_time,
    )


async def open_leads(
    client: Client, query: str, view: str, now: datetime, after: str | None = None
) -> Queue:
    """A page of matching leads (the one after the token `after`: how many came before),
    the most urgent first across pages (`queue_order.py`), and how many match in all."""
    if after and not after.isdigit():
        raise BadFilter("after: not a page token from this queue; start from page one")
    offset = int(after or 0)
    executions, total = await in_order(client, query, now, view, offset, ROW_LIMIT)
    following = offset + ROW_LIMIT
    return Queue(
        rows=[_row(e) for e in executions],
        total=total,
        query=query,
        after=str(following) if following < total else None,
    )
