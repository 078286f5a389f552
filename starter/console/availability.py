"""A rep away or back, from the team page: the owners service (`starter/owners.py`) the
CLI and the API use, with the console's viewer recorded as who did it."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.client import Client

from activities.database import Database
from domain.rules import RoutingRules
from starter.owners import set_away, set_back


@dataclass(frozen=True)
class AvailabilityChange:
    owner_id: str
    away: bool
    moved: list[str]  # the open leads asked to move to another rep


async def set_availability(
    database: Database,
    rules: RoutingRules,
    client: Client | None,
    owner_id: str,
    *,
    away: bool,
    reassign_open: bool,
    actor: str,
    task_queue: str,
) -> AvailabilityChange:
    """Mark the rep away (round-robin skips them) or back; with `reassign_open`, each of
    their open leads goes through the workflow's owner-unavailable path, the reason
    naming who set them away in the console."""
    by = f"{actor} in the console"
    if not away:
        await set_back(database, rules, owner_id, by=by, rules_where="the rules file")
        return AvailabilityChange(owner_id, False, [])
    summary = await set_away(
        database, rules, owner_id, by=by, rules_where="the rules file",
        reassign_open=reassign_open and client is not None, client=client, task_queue=task_queue,
    )  # fmt: skip
    return AvailabilityChange(owner_id, True, summary.reassigned)
