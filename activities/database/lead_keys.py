"""Each lead's own key, the one its payloads in Temporal are sealed with.

A key is made when the lead's first delivery is started and kept here, wrapped with the
active codec key when payload encryption is configured; erasure deletes it, and with it
every way to read what the lead's histories hold. Keys are cached in memory for a few
minutes, so the hot path reads the database once per lead and process."""

from __future__ import annotations

import base64
import os
import secrets
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, insert
from sqlmodel import col, select

from activities.database.engine import Transactions
from activities.database.tables import LeadKeyRow, now

_NONCE = 12
_CACHE_LIMIT = 50_000
CACHE_SECONDS = 300.0  # how long a process may hold a key it read (an erasure elsewhere)


class LeadKeyError(RuntimeError):
    """A lead key that cannot be opened: the codec key that wrapped it is not configured."""


class LeadKeys:
    def __init__(
        self,
        transactions: Transactions,
        master_keys: dict[str, bytes] | None = None,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self._tx = transactions
        self._master = dict(master_keys or {})
        self._cache_seconds = cache_seconds
        self._by_lead: dict[str, tuple[str, bytes, float]] = {}
        self._by_id: dict[str, tuple[bytes, float]] = {}

    async def ensure(self, lead_id: str) -> tuple[str, bytes]:
        """The lead's key (id, key), made now if it has none. Two intakes of one lead at
        once may each make one: both seal, both open, erasure destroys both."""
        found = await self.sealing_key(lead_id)
        if found is not None:
            return found
        key_id, key = f"lk-{secrets.token_hex(12)}", AESGCM.generate_key(bit_length=256)
        wrapped_with, stored = self._wrap(key_id, key)
        row = LeadKeyRow(
            key_id=key_id, lead_id=lead_id, wrapped_with=wrapped_with, key=stored, created_at=now()
        )
        await self._tx.write(lambda conn: conn.execute(insert(LeadKeyRow), [row.model_dump()]))
        self._remember(lead_id, key_id, key)
        return key_id, key

    async def sealing_key(self, lead_id: str) -> tuple[str, bytes] | None:
        """The key new payloads of the lead are sealed with; None if it has none."""
        cached = self._by_lead.get(lead_id)
        if cached is not None and cached[2] > time.monotonic():
            return cached[0], cached[1]
        statement = (
            select(LeadKeyRow)
            .where(col(LeadKeyRow.lead_id) == lead_id)
            .order_by(col(LeadKeyRow.created_at), col(LeadKeyRow.key_id))
            .limit(1)
        )
        row = await self._tx.lookup(lambda conn: _one(conn, statement))
        if row is None:
            return None
        key = self._unwrap(row)
        self._remember(lead_id, row.key_id, key)
        return row.key_id, key

    async def opening_key(self, key_id: str) -> bytes | None:
        """The key with this id; None once its lead was erased."""
        cached = self._by_id.get(key_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        statement = select(LeadKeyRow).where(col(LeadKeyRow.key_id) == key_id)
        row = await self._tx.lookup(lambda conn: _one(conn, statement))
        if row is None:
            return None
        key = self._unwrap(row)
        self._remember(row.lead_id, row.key_id, key)
        return key

    async def stored(self, lead_id: str) -> bool:
        """Whether the database holds a key for the lead now (never the cache: another
        process may have erased it since this one read it)."""
        statement = select(LeadKeyRow.key_id).where(col(LeadKeyRow.lead_id) == lead_id).limit(1)
        return await self._tx.lookup(lambda conn: conn.execute(statement).first() is not None)

    def forget(self, lead_id: str) -> None:
        """Drop the lead's keys from this process's memory (after its erasure)."""
        dropped = self._by_lead.pop(lead_id, None)
        if dropped is not None:
            self._by_id.pop(dropped[0], None)

    def _remember(self, lead_id: str, key_id: str, key: bytes) -> None:
        if len(self._by_id) >= _CACHE_LIMIT:
            self._by_lead.clear()
            self._by_id.clear()
        until = time.monotonic() + self._cache_seconds
        self._by_lead[lead_id] = (key_id, key, until)
        self._by_id[key_id] = (key, until)

    def _wrap(self, key_id: str, key: bytes) -> tuple[str, str]:
        if not self._master:
            return "", base64.b64encode(key).decode()
        master_id, master = next(iter(self._master.items()))
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(master).encrypt(nonce, key, key_id.encode())
        return master_id, base64.b64encode(nonce + sealed).decode()

    def _unwrap(self, row: LeadKeyRow) -> bytes:
        stored = base64.b64decode(row.key)
        if not row.wrapped_with:
            return stored
        master = self._master.get(row.wrapped_with)
        if master is None:
            raise LeadKeyError(
                f"lead key {row.key_id} of {row.lead_id} is wrapped with codec key "
                f"{row.wrapped_with!r}, which is not configured: add it to "
                "LEAD_ROUTER_CODEC_KEYS (or the key file) of this process"
            )
        try:
            return AESGCM(master).decrypt(stored[:_NONCE], stored[_NONCE:], row.key_id.encode())
        except InvalidTag:
            raise LeadKeyError(
                f"lead key {row.key_id} of {row.lead_id} does not open with codec key "
                f"{row.wrapped_with!r}: the configured key of that id is not the one that "
                "wrapped it"
            ) from None


def _one(conn: Connection, statement: object) -> LeadKeyRow | None:
    found = conn.execute(statement).first()  # type: ignore[call-overload]
    return None if found is None else LeadKeyRow.model_validate(found._mapping)
