"""CRM accounts: imported from the CRM export, looked up by email domain or by the
company name of a named account while a lead is enriched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func
from sqlmodel import col, delete, select

from activities.database.engine import Transactions
from activities.database.tables import AccountRow
from domain.enrich import company_name_key
from domain.models import Account

# enrichment's statements, built once (values bound at execution)
_ACCOUNT_BY_DOMAIN = select(AccountRow).where(col(AccountRow.domain) == bindparam("b_domain"))
_NAMED_ACCOUNT_BY_NAME = select(AccountRow).where(
    col(AccountRow.name_key) == bindparam("b_key"), col(AccountRow.named_account)
)


class Accounts:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def upsert(self, accounts: Sequence[Account]) -> None:
        # a file may list a domain twice: the last row wins, as in a spreadsheet
        accounts = list({a.domain: a for a in accounts}.values())
        if not accounts:
            return
        domains = [a.domain for a in accounts]
        async with self._tx.engine.begin() as conn:
            await conn.execute(delete(AccountRow).where(col(AccountRow.domain).in_(domains)))
            await conn.execute(
                AccountRow.__table__.insert(),  # type: ignore[attr-defined]
                [{**a.model_dump(), "name_key": company_name_key(a.name) or ""} for a in accounts],
            )

    async def find(
        self, domain: str | None, company: str | None
    ) -> tuple[Account | None, Account | None]:
        """The account for the email domain, and the named account with this company name."""
        key = company_name_key(company)

        def work(conn: Connection) -> tuple[Account | None, Account | None]:
            by_domain = by_name = None
            if domain:
                row = conn.execute(_ACCOUNT_BY_DOMAIN, {"b_domain": domain}).first()
                by_domain = _account(row) if row else None
            if key and by_domain is None:
                row = conn.execute(_NAMED_ACCOUNT_BY_NAME, {"b_key": key}).first()
                by_name = _account(row) if row else None
            return by_domain, by_name

        return await self._tx.lookup(work)

    async def all(self) -> list[Account]:
        async with self._tx.engine.connect() as conn:
            rows = (await conn.execute(select(AccountRow))).all()
        return [_account(r) for r in rows]

    async def count(self) -> int:
        async with self._tx.engine.connect() as conn:
            result = await conn.execute(select(func.count()).select_from(AccountRow))
            return int(result.scalar_one())


def _account(row: Any) -> Account:
    data = dict(row._mapping)
    data.pop("name_key", None)
    return Account.model_validate(data)
