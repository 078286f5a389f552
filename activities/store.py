"""TRANSITIONAL FACADE, to be removed: the old `Store` API over the repositories of
activities.database, kept only so that starter/ and bench/ work unchanged while the
edges are being split. New code uses `activities.database.Database` and its
repositories (`db.accounts`, `db.roster`, `db.outbox`, `db.deliveries`,
`db.dead_letters`); once the callers are rewired, delete this module.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Self

from activities.database import Database, database_url
from activities.database.tables import AssignmentRow, DeadLetterRow, DeliveryRow, NotificationRow
from domain.assign import RosterState
from domain.models import Account, Assignment, RoutingPlan
from domain.rules import RoutingRules

# the names other modules import from here today
__all__ = ["AssignmentRow", "DeliveryRow", "Store", "database_url"]


class Store:
    def __init__(self, url: str | Path) -> None:
        self.database = Database(url)
        self.url = self.database.url
        self.engine = self.database.engine
        self.accounts = self.database.accounts
        self.roster = self.database.roster
        self.outbox = self.database.outbox

    async def init(self) -> Self:
        await self.database.init()
        return self

    async def close(self) -> None:
        await self.database.close()

    async def upsert_accounts(self, accounts: Sequence[Account]) -> None:
        await self.accounts.upsert(accounts)

    async def find_accounts(
        self, domain: str | None, company: str | None
    ) -> tuple[Account | None, Account | None]:
        return await self.accounts.find(domain, company)

    async def all_accounts(self) -> list[Account]:
        return await self.accounts.all()

    async def count_accounts(self) -> int:
        return await self.accounts.count()

    async def load_state(self) -> RosterState:
        return await self.roster.load_state()

    async def set_away(self, owner_id: str, away: bool) -> None:
        await self.roster.set_away(owner_id, away)

    async def assign(
        self,
        lead_id: str,
        step: int,
        plan: RoutingPlan,
        rules: RoutingRules,
        *,
        exclude: Collection[str] = (),
        teams: Iterable[str] | None = None,
    ) -> Assignment:
        return await self.roster.assign(lead_id, step, plan, rules, exclude=exclude, teams=teams)

    async def record_manual(self, lead_id: str, step: int, assignment: Assignment) -> Assignment:
        return await self.roster.record_manual(lead_id, step, assignment)

    async def release(self, lead_id: str, step: int) -> bool:
        return await self.roster.release(lead_id, step)

    async def assignments_for(self, lead_id: str) -> list[AssignmentRow]:
        return await self.roster.assignments_for(lead_id)

    async def record_notification(
        self, lead_id: str, step: int, kind: str, recipient: str | None, text: str, slack: bool
    ) -> NotificationRow:
        return await self.outbox.record(lead_id, step, kind, recipient, text, slack)

    async def mark_slack(self, row_id: int, sent: bool) -> None:
        await self.outbox.mark_slack(row_id, sent)

    async def notifications_for(self, lead_id: str) -> list[NotificationRow]:
        return await self.outbox.for_lead(lead_id)

    async def claim_delivery(
        self, row: DeliveryRow, window_start: datetime | None
    ) -> DeliveryRow | None:
        return await self.database.deliveries.claim(row, window_start)

    async def mark_delivery(self, key: str, status: str, error: str | None = None) -> None:
        await self.database.deliveries.mark(key, status, error)

    async def deliveries_to_start(
        self, accepted_before: datetime, limit: int = 100
    ) -> list[DeliveryRow]:
        return await self.database.deliveries.to_start(accepted_before, limit)

    async def delivery(self, key: str) -> DeliveryRow | None:
        return await self.database.deliveries.get(key)

    async def latest_delivery_for(self, lead_id: str) -> DeliveryRow | None:
        return await self.database.deliveries.latest_for(lead_id)

    async def count_deliveries(self) -> dict[str, int]:
        return await self.database.deliveries.count_by_status()

    async def add_dead_letter(self, source: str, reason: str, raw_body: str) -> int:
        return await self.database.dead_letters.add(source, reason, raw_body)

    async def dead_letters(self, include_retried: bool = False) -> list[DeadLetterRow]:
        return await self.database.dead_letters.all(include_retried)

    async def dead_letter(self, letter_id: int) -> DeadLetterRow | None:
        return await self.database.dead_letters.get(letter_id)

    async def mark_dead_letter_retried(self, letter_id: int, lead_id: str) -> None:
        await self.database.dead_letters.mark_retried(letter_id, lead_id)
