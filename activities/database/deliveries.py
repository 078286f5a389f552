"""Webhook deliveries (idempotency by key, and the outbox that starts leads Temporal
could not take when they arrived) and dead letters (authenticated submissions that were
rejected, kept to be fixed and retried)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func
from sqlmodel import col, delete, select, update

from activities.database.engine import Transactions, insert_new
from activities.database.tables import DeadLetterRow, DeliveryRow, aware, now

# intake's statements, built once (values bound at execution)
_DELIVERY_BY_KEY = select(DeliveryRow).where(col(DeliveryRow.key) == bindparam("b_key"))
# the same content from the same source for the same lead: a delivery whose body was sent
# once with an Idempotency-Key and again without one is still the same delivery
_SAME_CONTENT = select(DeliveryRow).where(
    col(DeliveryRow.lead_id) == bindparam("b_lead"),
    col(DeliveryRow.source) == bindparam("b_source"),
    col(DeliveryRow.lead_json) == bindparam("b_json"),
)
_UPDATE_DELIVERY = (
    update(DeliveryRow)
    .where(col(DeliveryRow.key) == bindparam("b_key"))
    .values(attempts=col(DeliveryRow.attempts) + 1)
)


class Deliveries:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def claim(self, row: DeliveryRow, window_start: datetime | None) -> DeliveryRow | None:
        """Record a new delivery; if the key is known (and, with a window, recent), return
        the existing row instead. Concurrent identical deliveries: exactly one claims it."""
        values = row.model_dump()

        def work(conn: Connection) -> DeliveryRow | bool | None:
            """None: claimed; the row: a repeat; False: a twin claimed it meanwhile."""
            if window_start is not None and (twin := _recent_twin(conn, row, window_start)):
                return twin
            if conn.execute(insert_new(conn, DeliveryRow), values).first() is not None:
                return None
            found = conn.execute(_DELIVERY_BY_KEY, {"b_key": row.key}).first()
            assert found is not None  # the conflicting row, committed before we looked
            existing = DeliveryRow.model_validate(found._mapping)
            if window_start is None or aware(existing.created_at) >= window_start:
                return existing
            # the same body again after the dedupe window: a new delivery, unless a twin
            # of it claimed the key first (PostgreSQL; SQLite writers are serialized)
            conn.execute(delete(DeliveryRow).where(col(DeliveryRow.key) == row.key))
            again = conn.execute(insert_new(conn, DeliveryRow), values).first()
            return None if again is not None else False

        outcome = await self._tx.write(work)
        if isinstance(outcome, bool):
            return await self.get(row.key)
        return outcome

    async def mark(self, key: str, status: str, error: str | None = None) -> None:
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "started":
            values["started_at"] = now()
        await self._tx.write(lambda conn: conn.execute(_UPDATE_DELIVERY, {"b_key": key, **values}))

    async def to_start(self, accepted_before: datetime, limit: int = 100) -> list[DeliveryRow]:
        """Queued deliveries, and accepted ones a crash may have left unstarted."""
        async with self._tx.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(DeliveryRow)
                    .where(
                        (col(DeliveryRow.status) == "queued")
                        | (
                            (col(DeliveryRow.status) == "accepted")
                            & (col(DeliveryRow.created_at) < accepted_before)
                        )
                    )
                    .order_by(col(DeliveryRow.created_at))
                    .limit(limit)
                )
            ).all()
        return [DeliveryRow.model_validate(r._mapping) for r in rows]

    async def get(self, key: str) -> DeliveryRow | None:
        async with self._tx.engine.connect() as conn:
            row = (await conn.execute(_DELIVERY_BY_KEY, {"b_key": key})).first()
        return DeliveryRow.model_validate(row._mapping) if row else None

    async def latest_for(self, lead_id: str) -> DeliveryRow | None:
        async with self._tx.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(DeliveryRow)
                    .where(DeliveryRow.lead_id == lead_id)
                    .order_by(col(DeliveryRow.created_at).desc())
                )
            ).first()
        return DeliveryRow.model_validate(row._mapping) if row else None

    async def received_since(self, since: datetime, limit: int = 5000) -> list[DeliveryRow]:
        """The deliveries accepted since `since`, newest first, at most `limit`."""
        query = (
            select(DeliveryRow)
            .where(col(DeliveryRow.created_at) >= since)
            .order_by(col(DeliveryRow.created_at).desc())
            .limit(limit)
        )
        async with self._tx.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [DeliveryRow.model_validate(r._mapping) for r in rows]

    async def count_by_status(self) -> dict[str, int]:
        async with self._tx.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(DeliveryRow.status, func.count()).group_by(col(DeliveryRow.status))
                )
            ).all()
        return {str(r[0]): int(r[1]) for r in rows}


class DeadLetters:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def add(self, source: str, reason: str, raw_body: str) -> int:
        async with self._tx.engine.begin() as conn:
            result = await conn.execute(
                DeadLetterRow.__table__.insert().values(  # type: ignore[attr-defined]
                    source=source, reason=reason, raw_body=raw_body, received_at=now()
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    async def all(self, include_retried: bool = False) -> list[DeadLetterRow]:
        query = select(DeadLetterRow).order_by(col(DeadLetterRow.id))
        if not include_retried:
            query = query.where(col(DeadLetterRow.retried_at).is_(None))
        async with self._tx.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [DeadLetterRow.model_validate(r._mapping) for r in rows]

    async def get(self, letter_id: int) -> DeadLetterRow | None:
        async with self._tx.engine.connect() as conn:
            row = (
                await conn.execute(select(DeadLetterRow).where(DeadLetterRow.id == letter_id))
            ).first()
        return DeadLetterRow.model_validate(row._mapping) if row else None

    async def mark_retried(self, letter_id: int, lead_id: str) -> None:
        async with self._tx.engine.begin() as conn:
            await conn.execute(
                update(DeadLetterRow)
                .where(col(DeadLetterRow.id) == letter_id)
                .values(retried_at=now(), lead_id=lead_id)
            )


def _recent_twin(conn: Connection, row: DeliveryRow, since: datetime) -> DeliveryRow | None:
    """A delivery of the same content, under another key, within the dedupe window."""
    params = {"b_lead": row.lead_id, "b_source": row.source, "b_json": row.lead_json}
    for found in conn.execute(_SAME_CONTENT, params):
        if found.key != row.key and aware(found.created_at) >= since:
            return DeliveryRow.model_validate(found._mapping)
    return None
