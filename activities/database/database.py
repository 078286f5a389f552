"""The app database: its engines and one repository per concern."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from activities.database.accounts import Accounts
from activities.database.analytics import Analytics
from activities.database.console_sessions import ConsoleSessions
from activities.database.crm import CrmLedger
from activities.database.deliveries import DeadLetters, Deliveries
from activities.database.engine import Transactions
from activities.database.erasures import Erasures
from activities.database.health import HealthLedger
from activities.database.lead_keys import LeadKeys
from activities.database.outbox import Outbox
from activities.database.revision import HEAD, revision_of
from activities.database.roster import Roster


class SchemaOutOfDate(RuntimeError):
    pass


class Database:
    def __init__(self, url: str | Path, master_keys: dict[str, bytes] | None = None) -> None:
        """`master_keys`: the codec's keys, which wrap each lead's own key."""
        self.transactions = Transactions(url)
        self.url = self.transactions.url
        self.engine = self.transactions.engine  # for ad hoc reads, as a health check's
        self.accounts = Accounts(self.transactions)
        self.roster = Roster(self.transactions)
        self.outbox = Outbox(self.transactions)
        self.deliveries = Deliveries(self.transactions)
        self.dead_letters = DeadLetters(self.transactions)
        self.analytics = Analytics(self.transactions)
        self.crm = CrmLedger(self.transactions)
        self.lead_keys = LeadKeys(self.transactions, master_keys)
        self.erasures = Erasures(self.transactions, self.lead_keys)
        self.health = HealthLedger(self.transactions)
        self.console_sessions = ConsoleSessions(self.transactions)

    async def init(self) -> Self:
        """Make sure the schema is current. The embedded SQLite database upgrades itself
        here; a server database is upgraded by the deployment's migration job before any
        worker or API starts (several of them upgrading at once would race), so here it
        is only checked."""
        at = await self.transactions.lookup(revision_of)
        if at == HEAD:
            return self
        if self.transactions.dialect == "sqlite":
            from activities.database.migrate import upgrade_on  # Alembic: see revision.py

            await self.transactions.write(upgrade_on)
            return self
        raise SchemaOutOfDate(
            f"the app database at {self.engine.url.render_as_string()} is at schema revision "
            f"{at or 'none'}, this code needs {HEAD}: run `lead-router db upgrade` "
            "(the deployment's migrate job) first"
        )

    async def close(self) -> None:
        await self.transactions.close()
