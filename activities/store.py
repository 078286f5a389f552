"""The app database: CRM accounts, owner load and availability, round-robin state,
and the assignment ledger that makes every assignment idempotent.

SQLite by default (WAL, writes under BEGIN IMMEDIATE so concurrent workers
serialize, reads under a plain BEGIN so they never wait); any SQLAlchemy async URL works.
On SQLite each transaction runs whole in a thread on the standard sqlite3 driver (see
Store.__init__). The hot paths (intake, enrichment, assignment, notification) use few
statements, built once: each costs SQLAlchemy's execution overhead.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, SQLModel, col, delete, select, update

from domain.assign import OwnerState, RosterState
from domain.assign import assign as choose_owner
from domain.enrich import company_name_key
from domain.models import Account, Assignment, RoutingPlan
from domain.rules import RoutingRules

_TIMESTAMP = DateTime(timezone=True)  # PostgreSQL keeps the zone; SQLite stores UTC text


def _now() -> datetime:
    return datetime.now(UTC)


class AccountRow(SQLModel, table=True):
    __tablename__ = "accounts"
    domain: str = Field(primary_key=True)
    name: str
    name_key: str = Field(index=True)
    owner_id: str | None = None
    is_customer: bool = False
    open_opportunity_owner_id: str | None = None
    named_account: bool = False


class OwnerRow(SQLModel, table=True):
    __tablename__ = "owners"
    owner_id: str = Field(primary_key=True)
    away: bool = False
    open_leads: int = 0
    updated_at: datetime = Field(default_factory=_now, sa_type=_TIMESTAMP)


class RoundRobinRow(SQLModel, table=True):
    __tablename__ = "round_robin"
    team_id: str = Field(primary_key=True)
    owner_id: str = Field(primary_key=True)
    current: int = 0


class AssignmentRow(SQLModel, table=True):
    """One row per (lead, step): the ledger that stops a retry from assigning twice."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("lead_id", "step"),)
    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(index=True)
    step: int
    owner_id: str | None = Field(default=None, index=True)
    team: str | None = None
    method: str
    decision_json: str
    released: bool = False
    created_at: datetime = Field(default_factory=_now, sa_type=_TIMESTAMP)


class NotificationRow(SQLModel, table=True):
    """The notification outbox: every notification lands here, Slack or not."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("lead_id", "step", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    lead_id: str = Field(index=True)
    step: int
    kind: str
    recipient: str | None = None
    text: str
    slack_status: str = "not_configured"  # not_configured, pending, sent
    slack_attempts: int = 0
    created_at: datetime = Field(default_factory=_now, sa_type=_TIMESTAMP)
    sent_at: datetime | None = Field(default=None, sa_type=_TIMESTAMP)


class DeliveryRow(SQLModel, table=True):
    """Every accepted webhook delivery, written before the workflow starts.

    The key (Idempotency-Key, the provider's delivery id, or a hash of the body)
    makes a repeat answer with the same ids; `status` makes this the outbox that
    starts leads Temporal could not take when they arrived.
    """

    __tablename__ = "deliveries"
    key: str = Field(primary_key=True)
    source: str
    lead_id: str = Field(index=True)
    submission_id: str
    lead_json: str
    status: str = Field(default="accepted", index=True)  # accepted, queued, started
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = Field(default_factory=_now, sa_type=_TIMESTAMP)
    started_at: datetime | None = Field(default=None, sa_type=_TIMESTAMP)


class DeadLetterRow(SQLModel, table=True):
    """An authenticated submission that was rejected, kept so it can be fixed and retried."""

    __tablename__ = "dead_letters"
    id: int | None = Field(default=None, primary_key=True)
    source: str
    reason: str
    raw_body: str
    received_at: datetime = Field(default_factory=_now, sa_type=_TIMESTAMP)
    retried_at: datetime | None = Field(default=None, sa_type=_TIMESTAMP)
    lead_id: str | None = None


# The hot paths' statements, built once (values bound at execution)
_ACCOUNT_BY_DOMAIN = select(AccountRow).where(col(AccountRow.domain) == bindparam("b_domain"))
_NAMED_ACCOUNT_BY_NAME = select(AccountRow).where(
    col(AccountRow.name_key) == bindparam("b_key"), col(AccountRow.named_account)
)
_DELIVERY_BY_KEY = select(DeliveryRow).where(col(DeliveryRow.key) == bindparam("b_key"))
_UPDATE_DELIVERY = (
    update(DeliveryRow)
    .where(col(DeliveryRow.key) == bindparam("b_key"))
    .values(attempts=col(DeliveryRow.attempts) + 1)
)
_NOTIFICATION = select(NotificationRow).where(
    col(NotificationRow.lead_id) == bindparam("b_lead"),
    col(NotificationRow.step) == bindparam("b_step"),
    col(NotificationRow.kind) == bindparam("b_kind"),
)
_OWNERS = select(OwnerRow)
_ROUND_ROBIN = select(RoundRobinRow)
_INSERT_OWNER = OwnerRow.__table__.insert()  # type: ignore[attr-defined]
_UPDATE_OWNER = update(OwnerRow).where(col(OwnerRow.owner_id) == bindparam("b_owner"))
_INSERT_RR = RoundRobinRow.__table__.insert()  # type: ignore[attr-defined]
_UPDATE_RR = update(RoundRobinRow).where(
    col(RoundRobinRow.team_id) == bindparam("b_team"),
    col(RoundRobinRow.owner_id) == bindparam("b_owner"),
)
_LEDGER_ROW = select(AssignmentRow).where(
    col(AssignmentRow.lead_id) == bindparam("b_lead"),
    col(AssignmentRow.step) == bindparam("b_step"),
)
_INSERT_ASSIGNMENT = AssignmentRow.__table__.insert()  # type: ignore[attr-defined]


def database_url(value: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a plain file path."""
    text = str(value)
    if "://" in text:
        return text
    return f"sqlite+aiosqlite:///{Path(text).expanduser()}"


def _sqlite_setup(engine: Engine, busy_timeout_ms: int = 15000) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")  # first: the next may wait
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # writers take the write lock up front; readers never wait for it (WAL)
        read = conn.get_execution_options().get(_READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


_READ_ONLY = "lead_router_read_only"
T = TypeVar("T")


def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.begin() as conn:
        return work(conn)


class Store:
    def __init__(self, url: str | Path) -> None:
        self.url = database_url(url)
        if self.url.startswith("sqlite"):
            path = self.url.split(":///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_async_engine(self.url)
        # the same pool, for transactions that only read
        self.reader = self.engine.execution_options(**{_READ_ONLY: True})
        self._sync: Engine | None = None
        self._sync_reader: Engine | None = None
        self._lookups: Engine | None = None
        if self.engine.dialect.name == "sqlite":
            _sqlite_setup(self.engine.sync_engine)
            if not self.url.endswith(":memory:"):
                # The hot paths run each transaction whole, in a thread, on the plain
                # sqlite3 driver: the write lock is held only while its statements run,
                # never across event-loop turns (with aiosqlite every statement is a
                # round trip through the loop, and a busy loop held the lock for all of
                # them while the other process backed off in SQLite's busy handler).
                sync_url = self.url.replace("+aiosqlite", "")  # the standard sqlite3 driver
                self._sync = create_engine(
                    sync_url,
                    connect_args={"check_same_thread": False},
                )
                _sqlite_setup(self._sync)
                self._sync_reader = self._sync.execution_options(**{_READ_ONLY: True})
                # point reads on the event loop itself (see `_lookup`): one connection,
                # only ever used from the loop's thread, that never waits for a lock
                self._lookups = create_engine(
                    sync_url,
                    connect_args={"check_same_thread": False, "timeout": 0},
                    poolclass=StaticPool,
                ).execution_options(**{_READ_ONLY: True})
                _sqlite_setup(self._lookups.engine, busy_timeout_ms=0)

    async def _write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction."""
        if self._sync is not None:
            return await asyncio.to_thread(_in_transaction, self._sync, work)
        async with self.engine.begin() as conn:
            return await conn.run_sync(work)

    async def _read(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction that only reads (never waits for writers)."""
        if self._sync_reader is not None:
            return await asyncio.to_thread(_in_transaction, self._sync_reader, work)
        async with self.reader.connect() as conn:
            return await conn.run_sync(work)

    async def _lookup(self, work: Callable[[Connection], T]) -> T:
        """A point read by index, on the event loop: in WAL mode a read does not wait for
        writers, and under load the hop to a thread and back cost several times the read
        (~0.05 ms). Should SQLite answer busy all the same (recovering after a crash), the
        read waits in a thread as any other."""
        if self._lookups is not None:
            try:
                return _in_transaction(self._lookups, work)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
        return await self._read(work)

    async def init(self) -> Store:
        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        return self

    async def close(self) -> None:
        await self.engine.dispose()
        for engine in (self._sync, self._lookups):
            if engine is not None:
                engine.engine.dispose()

    # CRM accounts

    async def upsert_accounts(self, accounts: Sequence[Account]) -> None:
        # a file may list a domain twice: the last row wins, as in a spreadsheet
        accounts = list({a.domain: a for a in accounts}.values())
        if not accounts:
            return
        domains = [a.domain for a in accounts]
        async with self.engine.begin() as conn:
            await conn.execute(delete(AccountRow).where(col(AccountRow.domain).in_(domains)))
            await conn.execute(
                AccountRow.__table__.insert(),  # type: ignore[attr-defined]
                [{**a.model_dump(), "name_key": company_name_key(a.name) or ""} for a in accounts],
            )

    async def find_accounts(
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

        return await self._lookup(work)

    async def all_accounts(self) -> list[Account]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(select(AccountRow))).all()
        return [_account(r) for r in rows]

    async def count_accounts(self) -> int:
        async with self.engine.connect() as conn:
            result = await conn.execute(select(func.count()).select_from(AccountRow))
            return int(result.scalar_one())

    # Roster state

    async def load_state(self) -> RosterState:
        return await self._read(_load_state)

    async def set_away(self, owner_id: str, away: bool) -> None:
        def work(conn: Connection) -> None:
            _lock_roster(conn)
            _ensure_owners(conn, [owner_id])
            conn.execute(
                update(OwnerRow)
                .where(col(OwnerRow.owner_id) == owner_id)
                .values(away=away, updated_at=_now())
            )

        await self._write(work)

    # Assignment ledger

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
        """Assign once per (lead, step): a repeat returns the recorded answer unchanged."""

        def work(conn: Connection) -> Assignment:
            _lock_roster(conn)
            existing = _recorded(conn, lead_id, step)
            if existing is not None:
                return existing
            state = _load_state(conn)
            before = {k: (v.open_leads, v.away) for k, v in state.owners.items()}
            rr_before = {t: dict(m) for t, m in state.rr.items()}
            result = choose_owner(plan, rules, state, exclude=exclude, teams=teams)
            _save_state(conn, state, before, rr_before)
            _record_assignment(conn, lead_id, step, result)
            return result

        return await self._write(work)

    async def record_manual(self, lead_id: str, step: int, assignment: Assignment) -> Assignment:
        """Record an assignment chosen by a person (manual reassign), once per step."""

        def work(conn: Connection) -> Assignment:
            _lock_roster(conn)
            existing = _recorded(conn, lead_id, step)
            if existing is not None:
                return existing
            if assignment.owner:
                _ensure_owners(conn, [assignment.owner])
                conn.execute(
                    update(OwnerRow)
                    .where(col(OwnerRow.owner_id) == assignment.owner)
                    .values(open_leads=OwnerRow.open_leads + 1, updated_at=_now())
                )
            _record_assignment(conn, lead_id, step, assignment)
            return assignment

        return await self._write(work)

    async def release(self, lead_id: str, step: int) -> bool:
        """Drop the owner's open-lead count for this step, once. True if it changed now."""

        def work(conn: Connection) -> bool:
            _lock_roster(conn)
            row = conn.execute(_LEDGER_ROW, {"b_lead": lead_id, "b_step": step}).first()
            if row is None or row.released or row.owner_id is None:
                return False
            conn.execute(
                update(AssignmentRow).where(col(AssignmentRow.id) == row.id).values(released=True)
            )
            conn.execute(
                update(OwnerRow)
                .where(col(OwnerRow.owner_id) == row.owner_id, col(OwnerRow.open_leads) > 0)
                .values(open_leads=OwnerRow.open_leads - 1, updated_at=_now())
            )
            return True

        return await self._write(work)

    # Notification outbox

    async def record_notification(
        self, lead_id: str, step: int, kind: str, recipient: str | None, text: str, slack: bool
    ) -> NotificationRow:
        """Write the notification once; a repeat returns the row as it stands."""
        row = NotificationRow(
            lead_id=lead_id,
            step=step,
            kind=kind,
            recipient=recipient,
            text=text,
            slack_status="pending" if slack else "not_configured",
            created_at=_now(),
        )

        def work(conn: Connection) -> NotificationRow:
            inserted = conn.execute(
                _insert_new(conn, NotificationRow), row.model_dump(exclude={"id"})
            ).first()
            if inserted is not None:
                row.id = inserted[0]
                return row
            found = _notification(conn, lead_id, step, kind)
            assert found is not None
            return found

        return await self._write(work)

    async def mark_slack(self, row_id: int, sent: bool) -> None:
        values: dict[str, Any] = {"slack_attempts": NotificationRow.slack_attempts + 1}
        if sent:
            values.update(slack_status="sent", sent_at=_now())
        await self._write(
            lambda conn: conn.execute(
                update(NotificationRow).where(col(NotificationRow.id) == row_id).values(**values)
            )
        )

    async def notifications_for(self, lead_id: str) -> list[NotificationRow]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(NotificationRow)
                    .where(NotificationRow.lead_id == lead_id)
                    .order_by(col(NotificationRow.id))
                )
            ).all()
        return [NotificationRow.model_validate(r._mapping) for r in rows]

    # Webhook deliveries (idempotency and the start outbox)

    async def claim_delivery(
        self, row: DeliveryRow, window_start: datetime | None
    ) -> DeliveryRow | None:
        """Record a new delivery; if the key is known (and, with a window, recent), return
        the existing row instead. Concurrent identical deliveries: exactly one claims it."""
        values = row.model_dump()

        def work(conn: Connection) -> DeliveryRow | bool | None:
            """None: claimed; the row: a repeat; False: a twin claimed it meanwhile."""
            if conn.execute(_insert_new(conn, DeliveryRow), values).first() is not None:
                return None
            found = conn.execute(_DELIVERY_BY_KEY, {"b_key": row.key}).first()
            assert found is not None  # the conflicting row, committed before we looked
            existing = DeliveryRow.model_validate(found._mapping)
            if window_start is None or _aware(existing.created_at) >= window_start:
                return existing
            # the same body again after the dedupe window: a new delivery, unless a twin
            # of it claimed the key first (PostgreSQL; SQLite writers are serialized)
            conn.execute(delete(DeliveryRow).where(col(DeliveryRow.key) == row.key))
            again = conn.execute(_insert_new(conn, DeliveryRow), values).first()
            return None if again is not None else False

        outcome = await self._write(work)
        if isinstance(outcome, bool):
            return await self.delivery(row.key)
        return outcome

    async def mark_delivery(self, key: str, status: str, error: str | None = None) -> None:
        values: dict[str, Any] = {"status": status, "last_error": error}
        if status == "started":
            values["started_at"] = _now()
        await self._write(lambda conn: conn.execute(_UPDATE_DELIVERY, {"b_key": key, **values}))

    async def deliveries_to_start(
        self, accepted_before: datetime, limit: int = 100
    ) -> list[DeliveryRow]:
        """Queued deliveries, and accepted ones a crash may have left unstarted."""
        async with self.engine.connect() as conn:
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

    async def delivery(self, key: str) -> DeliveryRow | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(_DELIVERY_BY_KEY, {"b_key": key})).first()
        return DeliveryRow.model_validate(row._mapping) if row else None

    async def latest_delivery_for(self, lead_id: str) -> DeliveryRow | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    select(DeliveryRow)
                    .where(DeliveryRow.lead_id == lead_id)
                    .order_by(col(DeliveryRow.created_at).desc())
                )
            ).first()
        return DeliveryRow.model_validate(row._mapping) if row else None

    async def count_deliveries(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(DeliveryRow.status, func.count()).group_by(col(DeliveryRow.status))
                )
            ).all()
        return {str(r[0]): int(r[1]) for r in rows}

    # Dead letters

    async def add_dead_letter(self, source: str, reason: str, raw_body: str) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                DeadLetterRow.__table__.insert().values(  # type: ignore[attr-defined]
                    source=source, reason=reason, raw_body=raw_body, received_at=_now()
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    async def dead_letters(self, include_retried: bool = False) -> list[DeadLetterRow]:
        query = select(DeadLetterRow).order_by(col(DeadLetterRow.id))
        if not include_retried:
            query = query.where(col(DeadLetterRow.retried_at).is_(None))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [DeadLetterRow.model_validate(r._mapping) for r in rows]

    async def dead_letter(self, letter_id: int) -> DeadLetterRow | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(select(DeadLetterRow).where(DeadLetterRow.id == letter_id))
            ).first()
        return DeadLetterRow.model_validate(row._mapping) if row else None

    async def mark_dead_letter_retried(self, letter_id: int, lead_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                update(DeadLetterRow)
                .where(col(DeadLetterRow.id) == letter_id)
                .values(retried_at=_now(), lead_id=lead_id)
            )

    async def assignments_for(self, lead_id: str) -> list[AssignmentRow]:
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(AssignmentRow)
                    .where(AssignmentRow.lead_id == lead_id)
                    .order_by(col(AssignmentRow.step))
                )
            ).all()
        return [AssignmentRow.model_validate(r._mapping) for r in rows]


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _account(row: Any) -> Account:
    data = dict(row._mapping)
    data.pop("name_key", None)
    return Account.model_validate(data)


def _lock_roster(conn: Connection) -> None:
    """One roster writer at a time. SQLite: BEGIN IMMEDIATE already holds the write
    lock. PostgreSQL: a transaction-scoped advisory lock (every worker, every host)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7411)"))


def _insert_new(conn: Connection, model: type[SQLModel]) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in this database's dialect, returning the new
    row's primary key (no row: nothing was inserted). Built once per dialect and run
    with the row as parameters: values built into the statement cost more than the
    insert itself."""
    return _insert_new_statement(conn.dialect.name, model)


@functools.cache
def _insert_new_statement(dialect: str, model: type[SQLModel]) -> Any:
    table = model.__table__  # type: ignore[attr-defined]
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)


def _recorded(conn: Connection, lead_id: str, step: int) -> Assignment | None:
    row = conn.execute(_LEDGER_ROW, {"b_lead": lead_id, "b_step": step}).first()
    return Assignment.model_validate(json.loads(row.decision_json)) if row else None


def _notification(conn: Connection, lead_id: str, step: int, kind: str) -> NotificationRow | None:
    params = {"b_lead": lead_id, "b_step": step, "b_kind": kind}
    row = conn.execute(_NOTIFICATION, params).first()
    return NotificationRow.model_validate(row._mapping) if row else None


def _record_assignment(conn: Connection, lead_id: str, step: int, assignment: Assignment) -> None:
    """The ledger row for (lead, step); a lead with no owner holds nothing to release."""
    conn.execute(
        _INSERT_ASSIGNMENT,
        {
            "lead_id": lead_id,
            "step": step,
            "owner_id": assignment.owner,
            "team": assignment.team,
            "method": assignment.method,
            "decision_json": assignment.model_dump_json(),
            "released": assignment.owner is None,
            "created_at": _now(),
        },
    )


def _ensure_owners(conn: Connection, owner_ids: Iterable[str]) -> None:
    ids = list(owner_ids)
    known = set(
        (conn.execute(select(OwnerRow.owner_id).where(col(OwnerRow.owner_id).in_(ids)))).scalars()
    )
    missing = [
        {"owner_id": i, "away": False, "open_leads": 0, "updated_at": _now()}
        for i in ids
        if i not in known
    ]
    if missing:
        conn.execute(_INSERT_OWNER, missing)


def _load_state(conn: Connection) -> RosterState:
    state = RosterState()
    for row in conn.execute(_OWNERS).all():
        state.owners[row.owner_id] = OwnerState(open_leads=row.open_leads, away=row.away)
    for rr in conn.execute(_ROUND_ROBIN).all():
        state.rr.setdefault(rr.team_id, {})[rr.owner_id] = rr.current
    return state


def _save_state(
    conn: Connection,
    state: RosterState,
    before: dict[str, tuple[int, bool]],
    rr_before: dict[str, dict[str, int]],
) -> None:
    """Write what the assignment changed, one statement per kind of change. `before`
    holds every owner row loaded, so an owner missing from it has no row yet."""
    now = _now()
    new_owners, owner_updates = [], []
    for owner_id, s in state.owners.items():
        if owner_id not in before:
            new_owners.append(
                {
                    "owner_id": owner_id,
                    "open_leads": s.open_leads,
                    "away": s.away,
                    "updated_at": now,
                }
            )
        elif before[owner_id] != (s.open_leads, s.away):
            owner_updates.append(
                {"b_owner": owner_id, "open_leads": s.open_leads, "away": s.away, "updated_at": now}
            )
    new_rr, rr_updates = [], []
    for team_id, members in state.rr.items():
        old = rr_before.get(team_id, {})
        for owner_id, current in members.items():
            if owner_id not in old:
                new_rr.append({"team_id": team_id, "owner_id": owner_id, "current": current})
            elif old[owner_id] != current:
                rr_updates.append({"b_team": team_id, "b_owner": owner_id, "current": current})
    for statement, rows in (
        (_INSERT_OWNER, new_owners),
        (_UPDATE_OWNER, owner_updates),
        (_INSERT_RR, new_rr),
        (_UPDATE_RR, rr_updates),
    ):
        if rows:
            conn.execute(statement, rows)
