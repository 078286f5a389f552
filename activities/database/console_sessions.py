"""The console's sessions: opened at login, found on every page, ended by logging out,
by an admin (`lead-router console end-sessions`) or by a changed password. The cookie's
token is never stored: a row is found by the token's SHA-256."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, update
from sqlmodel import col

from activities.database.engine import Transactions
from activities.database.tables import ConsoleSessionRow, aware

# a page view writes `last_seen_at` at most this often: a busy console is not a write load
SEEN_EVERY = timedelta(minutes=1)


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ConsoleSessions:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def open(
        self, token: str, user: str, credential: str, now: datetime, lifetime: timedelta
    ) -> None:
        """A new session; the expired ones of everybody go at the same time."""
        row = ConsoleSessionRow(id=session_id(token), user=user, credential=credential,
                                created_at=now, last_seen_at=now, expires_at=now + lifetime)  # fmt: skip

        def work(conn: Connection) -> None:
            conn.execute(delete(ConsoleSessionRow).where(col(ConsoleSessionRow.expires_at) <= now))
            conn.execute(ConsoleSessionRow.__table__.insert(), [row.model_dump()])  # type: ignore[attr-defined]

        await self._tx.write(work)

    async def find(self, token: str, now: datetime) -> ConsoleSessionRow | None:
        """The session the token opened, while it has not expired; it is marked as seen."""
        statement = select(ConsoleSessionRow).where(
            col(ConsoleSessionRow.id) == session_id(token), col(ConsoleSessionRow.expires_at) > now
        )
        found = await self._tx.lookup(lambda conn: conn.execute(statement).first())
        if found is None:
            return None
        row = ConsoleSessionRow.model_validate(found._mapping)
        if now - aware(row.last_seen_at) >= SEEN_EVERY:
            seen = update(ConsoleSessionRow).where(col(ConsoleSessionRow.id) == row.id)
            await self._tx.write(lambda conn: conn.execute(seen.values(last_seen_at=now)))
        return row

    async def end(self, token: str) -> bool:
        """Log out: False when there was no such session (already ended)."""
        return await self._delete(col(ConsoleSessionRow.id) == session_id(token)) > 0

    async def end_all_of(self, user: str) -> int:
        """End every session of `user` (after a password change, or a lost laptop)."""
        return await self._delete(col(ConsoleSessionRow.user) == user)

    async def open_ones(self, now: datetime) -> list[ConsoleSessionRow]:
        """The sessions that have not expired, the most recently seen first."""
        statement = (
            select(ConsoleSessionRow)
            .where(col(ConsoleSessionRow.expires_at) > now)
            .order_by(col(ConsoleSessionRow.last_seen_at).desc())
        )
        found = await self._tx.read(lambda conn: conn.execute(statement).all())
        return [ConsoleSessionRow.model_validate(r._mapping) for r in found]

    async def _delete(self, condition: object) -> int:
        statement = delete(ConsoleSessionRow).where(condition)  # type: ignore[arg-type]
        return int(await self._tx.write(lambda conn: conn.execute(statement).rowcount))
