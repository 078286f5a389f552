"""Analytics facts: written with the outbox row of each handover and with the last
release (idempotently: a later revision of a lead replaces an earlier one, a step is
written once), and the report's counts (`report_queries.py`), kept per range in the
report cache (`report_cache.py`) until facts of the range's days are written."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from activities.database.engine import Transactions
from activities.database.report_cache import ReportCache, day_of, mark_written, writes_between
from activities.database.report_queries import (
    F,
    dead_letters,
    round_robin_statement,
    tally_counts,
    tally_delay,
    window,
)
from activities.database.tables import LeadFactRow, StepFactRow
from domain.analytics.facts import LeadFacts
from domain.analytics.report import DELAYS, Tallies


def write_facts(conn: Connection, facts: LeadFacts | None) -> None:
    """Upsert the lead's row unless a later revision is there; add its new steps."""
    if facts is not None:
        _write(conn, facts)
        mark_written(conn, _days_written(facts))


def _days_written(facts: LeadFacts) -> list[tuple[str, str]]:
    """The days whose counts the facts change: the lead's and its steps' (the fairness
    counts go by the step's time)."""
    return [(facts.lead_id, facts.day), *((facts.lead_id, day_of(s.at)) for s in facts.steps)]


def _write(conn: Connection, facts: LeadFacts) -> None:
    values = facts.model_dump(exclude={"steps"})
    conn.execute(_upsert_lead(conn.dialect.name), values)
    steps = [{"lead_id": facts.lead_id, **s.model_dump()} for s in facts.steps]
    if steps:
        conn.execute(_insert_steps(conn.dialect.name), steps)


@functools.cache
def _upsert_lead(dialect: str) -> Any:
    table = LeadFactRow.__table__  # type: ignore[attr-defined]
    insert = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
    return insert.on_conflict_do_update(
        index_elements=["lead_id"],
        set_={c.name: insert.excluded[c.name] for c in table.columns if c.name != "lead_id"},
        where=table.c.revision <= insert.excluded.revision,
    )


@functools.cache
def _insert_steps(dialect: str) -> Any:
    table = StepFactRow.__table__  # type: ignore[attr-defined]
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(
        table
    ).on_conflict_do_nothing()


Counts = dict[str, dict[str, int]]
K = TypeVar("K", str, int)
Merged = tuple[Counts, dict[str, dict[str, dict[int, int]]], Counts]  # groups, histograms, by rule


class Analytics:
    def __init__(
        self, transactions: Transactions, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._tx = transactions
        self._cache = ReportCache()
        self._now = now

    async def record(self, facts: Iterable[LeadFacts]) -> int:
        """Write facts (the backfill); idempotent. Returns how many were given."""
        batch = list(facts)

        def work(conn: Connection) -> int:
            for one in batch:
                _write(conn, one)
            mark_written(conn, [day for one in batch for day in _days_written(one)])
            return len(batch)

        return await self._tx.write(work)

    async def tallies(
        self, since: datetime | None, until: datetime | None, by: str | None
    ) -> Tallies:
        """The report's counts and histograms. The facts' come from the report cache while
        no fact of the range's days was written (the same objects: a caller may keep what
        it made of them); the dead letters are counted each time."""
        writes = await self._writes(since, until)
        key = ("tallies", since, until, by)
        (groups, histograms, by_rule), dead = await asyncio.gather(
            self._cache.through(key, writes, lambda: self._settled_and_recent(since, until, by)),
            self._tx.read(lambda conn: dead_letters(conn, since, until)),
        )
        return Tallies.model_construct(
            groups=groups, histograms=histograms, by_rule=by_rule, dead_letters=dead
        )  # built here, of the declared types: no validation of ~40,000 histogram keys

    async def _settled_and_recent(
        self, since: datetime | None, until: datetime | None, by: str | None
    ) -> Merged:
        """A range that reaches back past the last few days is counted in parts added up:
        its whole days before them, kept in the cache (facts of old leads are seldom
        written again), the recent days, where new leads land and open ones change, and
        the part of a day it starts in (a span back from now starts at any minute). A new
        lead then costs a count of a few days, not of the whole month."""
        cut = settled_before(self._now())
        first = _midnight_from(since) if since is not None else None  # its first whole day
        if (until is not None and until <= cut) or (first is not None and first >= cut):
            return await self._count(since, until, by)
        settled = self._cache.through(
            ("settled", first, cut, by),
            await self._writes(first, cut),
            lambda: self._count(first, cut, by),
        )
        parts = [settled, self._count(cut, until, by, narrow=True)]
        if since is not None and first is not None and since < first:
            parts.append(self._count(since, first, by, narrow=True))
        return _merged(*await asyncio.gather(*parts))

    async def _count(
        self, since: datetime | None, until: datetime | None, by: str | None, narrow: bool = False
    ) -> Merged:
        """The queries side by side (each its own read transaction: on SQLite a thread
        each, never blocking writers), added up by group; `narrow`: a few days."""
        where = window(F.submitted_at, since, until)
        counted, delays = await asyncio.gather(
            self._tx.read(lambda conn: tally_counts(conn, where, by, narrow)),
            asyncio.gather(
                *(
                    self._tx.read(functools.partial(tally_delay, where=where, by=by, delay=d))
                    for d in DELAYS
                )
            ),
        )
        by_rule: dict[str, dict[str, int]] = {}
        groups: dict[str, dict[str, int]] = {}
        for rule, group, counts in counted:
            _add(by_rule.setdefault(rule, {}), counts)
            _add(groups.setdefault(rule if by == "rule" else group, {}), counts)
        histograms: dict[str, dict[str, dict[int, int]]] = {}
        for rows in delays:
            for group, delay, bucket, n in rows:
                histogram = histograms.setdefault(group, {}).setdefault(delay, {})
                histogram[bucket] = histogram.get(bucket, 0) + n  # a NULL group and "" are one
        return groups, histograms, by_rule

    async def _writes(self, since: datetime | None, until: datetime | None) -> int:
        return await self._tx.lookup(lambda conn: writes_between(conn, since, until))

    async def round_robin_counts(
        self, since: datetime | None, until: datetime | None
    ) -> dict[str, dict[str, int]]:
        """Round-robin assignments per team and owner, by the time they were made (from
        the report cache while no fact of the range's days was written)."""

        def work(conn: Connection) -> dict[str, dict[str, int]]:
            counts: dict[str, dict[str, int]] = {}
            for row in conn.execute(round_robin_statement(since, until)):
                _add(counts.setdefault(row.team or "", {}), {row.owner: int(row.n)})
            return counts

        writes = await self._writes(since, until)
        key = ("round_robin", since, until)
        return await self._cache.through(key, writes, lambda: self._tx.read(work))

    async def facts_of(self, lead_id: str) -> LeadFactRow | None:
        rows = await self._tx.rows_of_lead(LeadFactRow, lead_id, col(LeadFactRow.lead_id))
        return rows[0] if rows else None

    async def steps_of(self, lead_id: str) -> list[StepFactRow]:
        return await self._tx.rows_of_lead(StepFactRow, lead_id, col(StepFactRow.at))

    async def submitted_between(self, since: datetime, until: datetime) -> list[LeadFacts]:
        """Every lead submitted in [since, until), oldest first: the QA sample's population."""
        at = col(LeadFactRow.submitted_at)
        statement = select(LeadFactRow).where(at >= since, at < until).order_by(at)

        def work(conn: Connection) -> list[LeadFacts]:
            return [LeadFacts.model_validate(r._mapping) for r in conn.execute(statement)]

        return await self._tx.read(work)


def _add(total: dict[K, int], counts: dict[K, int]) -> None:
    for name, n in counts.items():
        total[name] = total.get(name, 0) + n


RECENT_DAYS = 2  # today and yesterday (UTC): where new leads land and open ones change


def settled_before(now: datetime) -> datetime:
    """Midnight (UTC) at the start of the recent days."""
    today = datetime.combine(now.astimezone(UTC).date(), time(), tzinfo=UTC)
    return today - timedelta(days=RECENT_DAYS - 1)


def _midnight_from(moment: datetime) -> datetime:
    """`moment` if it is a midnight (UTC), else the next one."""
    day = datetime.combine(moment.astimezone(UTC).date(), time(), tzinfo=UTC)
    return day if day == moment else day + timedelta(days=1)


def _merged(*parts: Merged) -> Merged:
    """The parts' counts added up, into new dicts (the cache's own are never changed)."""
    groups: Counts = {}
    by_rule: Counts = {}
    histograms: dict[str, dict[str, dict[int, int]]] = {}
    for part_groups, part_histograms, part_by_rule in parts:
        for group, counts in part_groups.items():
            _add(groups.setdefault(group, {}), counts)
        for rule, counts in part_by_rule.items():
            _add(by_rule.setdefault(rule, {}), counts)
        for group, delays in part_histograms.items():
            for delay, buckets in delays.items():
                _add(histograms.setdefault(group, {}).setdefault(delay, {}), buckets)
    return groups, histograms, by_rule
