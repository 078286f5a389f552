"""The report's counts kept in memory per date range and grouping, for as long as no
fact has been written since: the console's analytics page and its charts ask for the
same few ranges again and again, and a month of a busy team is ~85,000 rows to count.

Whether anything was written is one cheap read: `analytics_writes`, a counter that every
write of facts bumps in the same transaction (on one of a few shards, so the handovers of
a cluster do not queue on one row). A write that lands while a report is being counted
leaves the cache one write behind: the next request sees the counter moved and counts
again, so an answer is never older than the last write seen before it was counted."""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from activities.database.tables import AnalyticsWritesRow

T = TypeVar("T")
SHARDS = 16
W = AnalyticsWritesRow.__table__.c  # type: ignore[attr-defined]


def mark_written(conn: Connection, lead_ids: Iterable[str]) -> None:
    """Bump the leads' shards of the write counter, in the transaction that wrote their
    facts and after it did (in shard order: two such transactions never wait on each other
    in a circle)."""
    table = AnalyticsWritesRow.__table__  # type: ignore[attr-defined]
    insert = (postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
    bump = insert.on_conflict_do_update(index_elements=["shard"], set_={"writes": W.writes + 1})
    for shard in sorted({zlib.crc32(lead.encode()) % SHARDS for lead in lead_ids}):
        conn.execute(bump, {"shard": shard, "writes": 1})


def writes_so_far(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.sum(W.writes), 0))).scalar() or 0)


class ReportCache:
    """The latest answers, at most `size` of them, each with the write count it was
    counted at; a changed count makes every one of them stale."""

    def __init__(self, size: int = 64) -> None:
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
