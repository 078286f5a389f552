"""The queue's order across pages. Temporal's SQL visibility has no ORDER BY (it answers
newest started first), so the soonest SLA cannot be asked for: the open leads are cut
into windows of their SLA due time (overdue by more than a day, by 4 hours, ... due in
more than a day, then no deadline), each counted (the counts side by side); a page lists
only the windows its rows fall in, cut in four until one is small enough to read whole
and sort. So page 2 starts where page 1 ended, whatever the visibility order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio.client import Client, WorkflowExecution

from workflows.search_attributes import SLA_DUE_AT

READ_WHOLE = 200  # a window with at most this many leads is listed whole and sorted
_EDGES = [timedelta(hours=h) for h in (-24, -4, -1, -0.25, 0, 0.25, 1, 4, 24)]
_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Window:
    """Leads whose SLA is due in [start, end) (an open end: no bound); `undated`: the
    leads without a deadline, last, newest first (visibility's own order)."""

    start: datetime | None = None
    end: datetime | None = None
    undated: bool = False

    def clause(self) -> str:
        if self.undated:
            return f"{SLA_DUE_AT.name} IS NULL"
        parts = [f"{SLA_DUE_AT.name} IS NOT NULL"]
        if self.start is not None:
            parts.append(f"{SLA_DUE_AT.name} >= '{self.start.isoformat()}'")
        if self.end is not None:
            parts.append(f"{SLA_DUE_AT.name} < '{self.end.isoformat()}'")
        return " AND ".join(parts)

    def parts(self) -> list[Window] | None:
        """Windows that make this one, earlier first (four, counted side by side: fewer
        rounds than halves); None when it cannot be cut."""
        if self.undated:
            return None
        if self.end is None:
            assert self.start is not None  # the dated windows all have one end
            return [Window(self.start, self.start + _WEEK), Window(self.start + _WEEK, None)]
        if self.start is None:
            return [Window(None, self.end - _WEEK), Window(self.end - _WEEK, self.end)]
        step = (self.end - self.start) / 4
        if step < timedelta(seconds=1):
            return None
        cuts = [self.start + n * step for n in range(1, 4)]
        return [Window(a, b) for a, b in zip([self.start, *cuts], [*cuts, self.end], strict=True)]


def windows(now: datetime, view: str) -> list[Window]:
    """The windows in order of urgency, only those a view can have leads in."""
    edges = [now + e for e in _EDGES]
    dated = [Window(a, b) for a, b in zip([None, *edges], [*edges, None], strict=True)]
    if view == "due-soon":  # up to 15 minutes from now, that one included
        return [Window(now, now + timedelta(minutes=15, microseconds=1))]
    if view == "overdue":
        return [w for w in dated if w.end is not None and w.end <= now]
    return [*dated, Window(undated=True)]


async def _count(client: Client, query: str, window: Window) -> int:
    return (await client.count_workflows(f"{query} AND {window.clause()}")).count


async def _listed(
    client: Client, query: str, window: Window, limit: int
) -> list[WorkflowExecution]:
    found = []
    async for execution in client.list_workflows(
        f"{query} AND {window.clause()}", page_size=min(limit, 1000), limit=limit
    ):
        found.append(execution)
    return found


async def in_order(
    client: Client, query: str, now: datetime, view: str, offset: int, rows: int
) -> tuple[list[WorkflowExecution], int]:
    """The executions at [offset, offset + rows) of the queue, soonest SLA first (then
    those without one, newest first), and how many match in all."""
    cuts = windows(now, view)
    counts = await asyncio.gather(*(_count(client, query, w) for w in cuts))
    total = sum(counts)
    return await _rows_in(client, query, list(zip(cuts, counts, strict=True)), offset, rows), total


async def _rows_in(
    client: Client, query: str, counted: list[tuple[Window, int]], offset: int, rows: int
) -> list[WorkflowExecution]:
    found: list[WorkflowExecution] = []
    at = 0
    for window, count in counted:
        start, end = max(offset - at, 0), min(offset + rows - at, count)
        at += count
        if start >= end:
            continue
        parts = window.parts() if count > READ_WHOLE else None
        if parts is None:  # small enough, or cannot be cut: read it, sort it
            listed = await _listed(client, query, window, end if window.undated else count)
            ordered = listed if window.undated else sorted(listed, key=_due)
            found.extend(ordered[start:end])
            continue
        counts = await asyncio.gather(*(_count(client, query, p) for p in parts))
        found.extend(
            await _rows_in(client, query, list(zip(parts, counts, strict=True)), start, end - start)
        )
    return found


def _due(execution: WorkflowExecution) -> datetime:
    due = execution.typed_search_attributes.get(SLA_DUE_AT)
    assert due is not None  # a dated window's leads all have one
    return due
