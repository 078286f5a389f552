"""The CRM side of each lead: its record's id, what each write (one per lead and step)
already did in the CRM, and the CRM events taken, each once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlmodel import col, select, update

from activities.database.engine import Transactions, insert_new
from activities.database.tables import CrmEventRow, CrmRecordRow, CrmWriteRow, now


class CrmLedger:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def begin_write(self, lead_id: str, step: int, crm: str) -> CrmWriteRow:
        """The write's row: new, or as a previous attempt left it."""
        row = CrmWriteRow(lead_id=lead_id, step=step, crm=crm, updated_at=now())

        def work(conn: Connection) -> CrmWriteRow:
            if conn.execute(insert_new(conn, CrmWriteRow), row.model_dump()).first() is not None:
                return row
            found = conn.execute(
                select(CrmWriteRow).where(
                    col(CrmWriteRow.lead_id) == lead_id, col(CrmWriteRow.step) == step
                )
            ).first()
            assert found is not None
            return CrmWriteRow.model_validate(found._mapping)

        return await self._tx.write(work)

    async def update_write(self, lead_id: str, step: int, **values: Any) -> None:
        statement = (
            update(CrmWriteRow)
            .where(col(CrmWriteRow.lead_id) == lead_id, col(CrmWriteRow.step) == step)
            .values(updated_at=now(), **values)
        )
        await self._tx.write(lambda conn: conn.execute(statement))

    async def remember_record(self, lead_id: str, crm: str, record_id: str) -> None:
        row = CrmRecordRow(lead_id=lead_id, crm=crm, record_id=record_id, created_at=now())

        def work(conn: Connection) -> None:
            if conn.execute(insert_new(conn, CrmRecordRow), row.model_dump()).first() is None:
                conn.execute(
                    update(CrmRecordRow)
                    .where(col(CrmRecordRow.lead_id) == lead_id, col(CrmRecordRow.crm) == crm)
                    .values(record_id=record_id)
                )

        await self._tx.write(work)

    async def lead_of_record(self, crm: str, record_id: str) -> str | None:
        statement = select(CrmRecordRow.lead_id).where(
            col(CrmRecordRow.crm) == crm, col(CrmRecordRow.record_id) == record_id
        )
        return await self._tx.read(lambda conn: conn.execute(statement).scalar())

    async def event_seen(self, crm: str, event_id: str) -> CrmEventRow | None:
        statement = select(CrmEventRow).where(
            col(CrmEventRow.crm) == crm, col(CrmEventRow.event_id) == event_id
        )
        found = await self._tx.read(lambda conn: conn.execute(statement).first())
        return CrmEventRow.model_validate(found._mapping) if found else None

    async def record_event(
        self, crm: str, event_id: str, lead_id: str | None, outcome: str
    ) -> None:
        row = CrmEventRow(
            crm=crm, event_id=event_id, lead_id=lead_id, outcome=outcome, received_at=now()
        )
        await self._tx.write(
            lambda conn: conn.execute(insert_new(conn, CrmEventRow), row.model_dump()).first()
        )

    async def writes_of_lead(self, lead_id: str) -> list[CrmWriteRow]:
        return await self._tx.rows_of_lead(CrmWriteRow, lead_id, col(CrmWriteRow.step))

    async def events_of_lead(self, lead_id: str) -> list[CrmEventRow]:
        return await self._tx.rows_of_lead(CrmEventRow, lead_id, col(CrmEventRow.received_at))
