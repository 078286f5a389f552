"""The report's counts kept in memory per date range and grouping, for as long as no
fact of the range's days has been written since: the console's analytics page and its
charts ask for the same few ranges again and again, and a month of a busy team is
~85,000 rows to count.

Whether anything was written is one small read: `analytics_writes`, a counter per UTC day
that every write of facts bumps in the same transaction, for the lead's day of
submission and the days of its steps (on one of a few shards per day, so the handovers
of a cluster do not queue on one row). New leads land on today: a range that ends before
today stays in memory while they arrive. A write that lands while a range is being
counted leaves it one write behind: the next request sees the counter moved and counts
again, so an answer is never older than the last write seen before it was counted."""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from activities.database.tables import AnalyticsWritesRow

T = TypeVar("T")
SHARDS = 16
W = AnalyticsWritesRow.__table__.c  # type: ignore[attr-defined]


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def mark_written(conn: Connection, written: Iterable[tuple[str, str]]) -> None:
    """Bump the counter of each (lead id, day) written, in the transaction that wrote the
    facts and after it did (in one order: two such transactions never wait in a circle)."""
    table = AnalyticsWritesRow.__table__  # type: ignore[attr-defined]
    insert = (postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    bump = insert.on_conflict_do_update(
        index_elements=["day", "shard"], set_={"writes": W.writes + 1}
    )
    keys = {(day, zlib.crc32(lead.encode()) % SHARDS) for lead, day in written}
    for day, shard in sorted(keys):
        conn.execute(bump, {"day": day, "shard": shard, "writes": 1})


def writes_between(conn: Connection, since: datetime | None, until: datetime | None) -> int:
    """How many writes of facts the days of [since, until] have had (open ends: all)."""
    where = [
        *([W.day >= day_of(since)] if since is not None else []),
        # `until` is left out of the range: one at midnight ends with the day before
        *([W.day <= day_of(until - timedelta(microseconds=1))] if until is not None else []),
    ]
    return int(
        conn.execute(select(func.coalesce(func.sum(W.writes), 0)).where(*where)).scalar_one()
    )


class ReportCache:
    """The latest answers, at most `size` of them, each with its range's write count
    when it was counted; a changed count makes it stale. An answer of a month by team at
    a million leads holds ~2 MB (its settled days ~4 MB), and a span back from now is a
    new range each minute: 16 keep the API's memory bounded."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()

    async def through(self, key: Hashable, writes: int, count: Callable[[], Awaitable[T]]) -> T:
        found = self._answers.get(key)
        if found is not None and found[0] == writes:
            self._answers.move_to_end(key)
            return found[1]  # type: ignore[no-any-return]
        answer = await count()
        self._answers[key] = (writes, answer)
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)
        return answer
