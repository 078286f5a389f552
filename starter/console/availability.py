"""A rep away or back, from the team page. One small function, so the owners service
(`starter/owners.py`, `set_away(..., reassign_open=True)`, on another branch) can take
its place at the merge without touching the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from temporalio.client import Client

from activities.database import Database
from starter.console.queue import open_leads, visibility_query
from workflows.client import mark_owner_unavailable


@dataclass(frozen=True)
class AvailabilityChange:
    owner_id: str
    away: bool
    moved: list[str]  # the open leads asked to move to another rep


async def set_availability(
    database: Database,
    client: Client | None,
    owner_id: str,
    *,
    away: bool,
    reassign_open: bool,
    actor: str,
    workflow_type: str,
    task_queue: str,
) -> AvailabilityChange:
    """Mark the rep away (round-robin skips them) or back; with `reassign_open`, each of
    their open leads is told the owner is unavailable, with who did it as the reason, and
    its workflow hands it on (the decision records the reason on the lead)."""
    await database.roster.set_away(owner_id, away)
    moved: list[str] = []
    if away and reassign_open and client is not None:
        query = visibility_query(
            "open",
            {"owner": owner_id, "status": "waiting_first_action"},
            datetime.now(UTC),
            workflow_type,
            task_queue,
        )
        reason = f"{owner_id} set away by {actor} in the console"
        for row in (await open_leads(client, query)).rows:
            await mark_owner_unavailable(client, row.lead_id, owner_id, reason)
            moved.append(row.lead_id)
    return AvailabilityChange(owner_id, away, moved)
