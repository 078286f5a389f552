"""The notification outbox: every notification is written once per (lead, step, kind)
before Slack or email hears of it, so a retried activity never sends twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam
from sqlmodel import col, select, update

from activities.database.analytics import write_facts
from activities.database.engine import Transactions, insert_new
from activities.database.tables import NotificationRow, now
from domain.analytics.facts import LeadFacts

# notification's statement, built once (values bound at execution)
_NOTIFICATION = select(NotificationRow).where(
    col(NotificationRow.lead_id) == bindparam("b_lead"),
    col(NotificationRow.step) == bindparam("b_step"),
    col(NotificationRow.kind) == bindparam("b_kind"),
)


class Outbox:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def record(
        self,
        lead_id: str,
        step: int,
        kind: str,
        recipient: str | None,
        text: str,
        slack: bool,
        facts: LeadFacts | None = None,
        email: bool = False,
    ) -> NotificationRow:
        """Write the notification once; a repeat returns the row as it stands. The lead's
        analytics facts, if given, are written in the same transaction."""
        row = NotificationRow(
            lead_id=lead_id,
            step=step,
            kind=kind,
            recipient=recipient,
            text=text,
            slack_status="pending" if slack else "not_configured",
            email_status="pending" if email else "not_configured",
            created_at=now(),
        )

        def work(conn: Connection) -> NotificationRow:
            write_facts(conn, facts)
            inserted = conn.execute(
                insert_new(conn, NotificationRow), row.model_dump(exclude={"id"})
            ).first()
            if inserted is not None:
                row.id = inserted[0]
                return row
            found = _notification(conn, lead_id, step, kind)
            assert found is not None
            return found

        return await self._tx.write(work)

    async def mark_slack(self, row_id: int, sent: bool) -> None:
        values: dict[str, Any] = {"slack_attempts": NotificationRow.slack_attempts + 1}
        if sent:
            values.update(slack_status="sent", sent_at=now())
        await self._mark(row_id, values)

    async def mark_email(self, row_id: int, sent: bool) -> None:
        values: dict[str, Any] = {"email_attempts": NotificationRow.email_attempts + 1}
        if sent:
            values.update(email_status="sent", sent_at=now())
        await self._mark(row_id, values)

    async def _mark(self, row_id: int, values: dict[str, Any]) -> None:
        await self._tx.write(
            lambda conn: conn.execute(
                update(NotificationRow).where(col(NotificationRow.id) == row_id).values(**values)
            )
        )

    async def for_lead(self, lead_id: str) -> list[NotificationRow]:
        return await self._tx.rows_of_lead(NotificationRow, lead_id, col(NotificationRow.id))


def _notification(conn: Connection, lead_id: str, step: int, kind: str) -> NotificationRow | None:
    params = {"b_lead": lead_id, "b_step": step, "b_kind": kind}
    row = conn.execute(_NOTIFICATION, params).first()
    return NotificationRow.model_validate(row._mapping) if row else None
