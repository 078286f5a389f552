"""Erasure on request in the app database: one transaction drops the lead's key and its
personal data, keeps its routing facts, and records the erasure (no personal data)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, delete, func, insert, update
from sqlmodel import col, select

from activities.database.engine import Transactions
from activities.database.lead_keys import LeadKeys
from activities.database.tables import (
    AssignmentRow,
    CrmRecordRow,
    CrmWriteRow,
    DeadLetterRow,
    DeliveryRow,
    ErasureRow,
    LeadKeyRow,
    NotificationRow,
    now,
)
from domain.personal_data import ERASED, redact


class Erasures:
    def __init__(self, transactions: Transactions, lead_keys: LeadKeys) -> None:
        self._tx = transactions
        self._keys = lead_keys

    async def erase(
        self, lead_id: str, erased_by: str, workflow: str, email: str | None = None
    ) -> ErasureRow:
        """Destroy the lead's keys, delete its deliveries, dead letters (those retried
        as this lead, and, given the email, those whose body holds it) and CRM rows,
        blank its notification texts and the personal fields of its decisions. The
        analytics facts and the assignments' routing facts stay."""

        def work(conn: Connection) -> ErasureRow:
            counts = {
                "lead_keys": _delete(conn, delete(LeadKeyRow), LeadKeyRow, lead_id),
                "deliveries": _delete(conn, delete(DeliveryRow), DeliveryRow, lead_id),
                "dead_letters": _erase_dead_letters(conn, lead_id, email),
                "notifications": _blank_notifications(conn, lead_id),
                "assignments": _redact_decisions(conn, lead_id),
                "crm_records": _delete(conn, delete(CrmRecordRow), CrmRecordRow, lead_id),
                "crm_writes": _delete(conn, delete(CrmWriteRow), CrmWriteRow, lead_id),
            }
            row = ErasureRow(
                lead_id=lead_id,
                erased_at=now(),
                erased_by=erased_by,
                workflow=workflow,
                rows=", ".join(f"{table} {n}" for table, n in counts.items()),
            )
            values = row.model_dump(exclude={"id"})
            statement = insert(ErasureRow).values(**values).returning(col(ErasureRow.id))
            row.id = conn.execute(statement).scalar_one()
            return row

        erased = await self._tx.write(work)
        self._keys.forget(lead_id)
        return erased

    async def of(self, lead_id: str) -> ErasureRow | None:
        """The lead's latest erasure, or None if it was never erased."""
        statement = (
            select(ErasureRow)
            .where(col(ErasureRow.lead_id) == lead_id)
            .order_by(col(ErasureRow.erased_at).desc())
            .limit(1)
        )

        def work(conn: Connection) -> ErasureRow | None:
            found = conn.execute(statement).first()
            return None if found is None else ErasureRow.model_validate(found._mapping)

        return await self._tx.read(work)


def _delete(conn: Connection, statement: object, model: type, lead_id: str) -> int:
    return int(conn.execute(statement.where(model.lead_id == lead_id)).rowcount)  # type: ignore[attr-defined]


def _erase_dead_letters(conn: Connection, lead_id: str, email: str | None) -> int:
    which = col(DeadLetterRow.lead_id) == lead_id
    if email:
        pattern = (
            "%" + email.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        which = which | func.lower(col(DeadLetterRow.raw_body)).like(pattern, escape="\\")
    return int(conn.execute(delete(DeadLetterRow).where(which)).rowcount)


def _blank_notifications(conn: Connection, lead_id: str) -> int:
    statement = (
        update(NotificationRow).where(col(NotificationRow.lead_id) == lead_id).values(text=ERASED)
    )
    return int(conn.execute(statement).rowcount)


def _redact_decisions(conn: Connection, lead_id: str) -> int:
    rows = conn.execute(
        select(AssignmentRow.id, AssignmentRow.decision_json).where(
            col(AssignmentRow.lead_id) == lead_id
        )
    ).all()
    for row_id, decision_json in rows:
        redacted = json.dumps(redact(json.loads(decision_json)), separators=(",", ":"))
        conn.execute(
            update(AssignmentRow)
            .where(col(AssignmentRow.id) == row_id)
            .values(decision_json=redacted)
        )
    return len(rows)
