"""What the routing-health checks count, and the incidents open now (one row per check
over its threshold), so an incident is alerted once and cleared once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, delete, func, not_, select
from sqlmodel import col

from activities.database.engine import Transactions, insert_new
from activities.database.tables import CrmWriteRow, DeadLetterRow, IncidentRow, LeadFactRow
from domain.health import Incident

DAY = timedelta(days=1)
_OPEN = ("routing", "waiting_first_action")


class HealthLedger:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def counts(self, now: datetime, waiting_since: datetime) -> dict[str, int]:
        """Each check's count as of `now` (`domain.health.CHECKS` says what each is)."""
        since = now - DAY
        facts = LeadFactRow
        queries = {
            "dead_letters": select(func.count()).where(col(DeadLetterRow.received_at) >= since),
            "enrichment_fallbacks": select(func.count()).where(
                col(facts.submitted_at) >= since,
                not_(col(facts.size_known)),
                not_(col(facts.industry_known)),
            ),
            "unowned_in_review": select(func.count()).where(col(facts.status) == "unowned_review"),
            "crm_write_failures": select(func.count()).where(
                and_(col(CrmWriteRow.status) == "rejected", col(CrmWriteRow.updated_at) >= since)
            ),
            "waiting_too_long": select(func.count()).where(
                col(facts.status).in_(_OPEN), col(facts.submitted_at) < waiting_since
            ),
        }

        def work(conn: Connection) -> dict[str, int]:
            return {check: int(conn.execute(q).scalar_one()) for check, q in queries.items()}

        return await self._tx.read(work)

    async def open_incidents(self) -> list[Incident]:
        def work(conn: Connection) -> list[Incident]:
            rows = conn.execute(select(IncidentRow).order_by(col(IncidentRow.check))).all()
            return [
                Incident.model_validate(IncidentRow.model_validate(r._mapping).model_dump())
                for r in rows
            ]

        return await self._tx.read(work)

    async def record(self, opened: list[Incident], cleared: list[Incident]) -> None:
        """Open and clear in one transaction; an incident already open stays as it was."""

        def work(conn: Connection) -> None:
            for incident in opened:
                conn.execute(insert_new(conn, IncidentRow), incident.model_dump())
            checks = [i.check for i in cleared]
            if checks:
                conn.execute(delete(IncidentRow).where(col(IncidentRow.check).in_(checks)))

        await self._tx.write(work)
