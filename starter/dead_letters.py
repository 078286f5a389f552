"""Routing a dead letter again, with the current mapping and rules: for the CLI's
`dead-letters retry` and the console's retry button alike."""

from __future__ import annotations

from activities.database import Database
from domain.providers import PROVIDERS
from starter.intake import OWN_FIELDS, Accepted, IntakeService


class CannotRetry(ValueError):
    """No such dead letter, or it was retried already: the message says which."""


async def retry_dead_letter(db: Database, intake: IntakeService, letter_id: int) -> Accepted:
    """The retried lead's answer; `Rejected` (one entry per bad field) if it still is."""
    letter = await db.dead_letters.get(letter_id)
    if letter is None:
        raise CannotRetry(f"no dead letter {letter_id} (see `lead-router dead-letters list`)")
    if letter.retried_at is not None:
        raise CannotRetry(f"dead letter {letter_id} was already retried as {letter.lead_id}")
    body = letter.raw_body.encode("utf-8")
    provider = PROVIDERS.get(letter.source, OWN_FIELDS)
    lead, _ = intake.to_lead(provider, body, letter.source)
    accepted = await intake.record_and_start(letter.source, lead, body, f"dead-letter-{letter_id}")
    await db.dead_letters.mark_retried(letter_id, accepted.lead_id)
    return accepted
