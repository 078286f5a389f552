"""Erasure on request: the one way a lead is erased, for `lead-router erase` and
`POST /leads/{id}/erase`.

The lead's workflow is ended first (it could no longer read its own history), then one
database transaction destroys the lead's keys, which seal every payload of its history
in Temporal, deletes its personal data and records the erasure. The routing facts stay.
"""

from __future__ import annotations

from temporalio.client import Client

from activities.database import Database
from activities.database.tables import ErasureRow
from domain.texts import erased_text
from workflows.client import end_for_erasure


async def erase_lead(
    client: Client, database: Database, lead_id: str, erased_by: str, email: str | None = None
) -> ErasureRow:
    """Erase the lead; Temporal unreachable raises before anything is erased. `email`,
    when the request named one, also finds the dead letters that hold it."""
    workflow = await end_for_erasure(client, lead_id)
    return await database.erasures.erase(lead_id, erased_by, workflow, email)


async def erased_note(database: Database, lead_id: str) -> str | None:
    """What to tell a person asking about an erased lead, or None if it is not erased
    (never erased, or submitted again since, with a new key)."""
    erasure = await database.erasures.of(lead_id)
    if erasure is None or await database.lead_keys.stored(lead_id):
        return None
    database.lead_keys.forget(lead_id)  # erased by another process since this one read it
    facts = await database.analytics.facts_of(lead_id)
    return erased_text(
        lead_id,
        erasure.erased_at,
        erasure.erased_by,
        team=facts.team if facts else None,
        owner=facts.owner if facts else None,
        status=facts.status if facts else None,
    )
