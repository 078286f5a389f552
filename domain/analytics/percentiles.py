"""Percentiles from histograms: the database counts delays per bucket (SQL-side, so a
report over a million leads never reads a million rows), and these functions read the
percentiles off the counts. A bucket keeps three significant figures of a delay in
milliseconds (87 ms, 1.23 s, 4 min 12 s, 2 h 5 min): at most 1% under the true value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

# (below this many ms, round down to a multiple of this): three significant figures
BUCKET_STEPS: tuple[tuple[int, int], ...] = tuple((10 ** (e + 3), 10**e) for e in range(10))
PERCENTILES = (0.5, 0.9, 0.95)


def bucket(ms: int) -> int:
    """The histogram bucket of a delay: its first three significant figures."""
    for below, step in BUCKET_STEPS:
        if ms < below:
            return (ms // step) * step
    raise ValueError(f"a delay of {ms} ms is out of range")


class Delays(BaseModel):
    """Seconds; None when no lead has the delay."""

    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    max: float | None = None


def nearest_rank(histogram: Mapping[int, int], p: float) -> int | None:
    """The smallest value with at least ceil(p * n) of the n counted values at or below it."""
    n = sum(histogram.values())
    if n == 0:
        return None
    rank = max(1, math.ceil(p * n - 1e-9))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to n")


def delays(histogram: Mapping[int, int]) -> Delays:
    """p50/p90/p95/max in seconds from a histogram of bucketed milliseconds."""
    if not any(histogram.values()):
        return Delays()
    found = [nearest_rank(histogram, p) for p in PERCENTILES]
    p50, p90, p95 = (None if v is None else v / 1000 for v in found)
    top = max(v for v, n in histogram.items() if n)
    return Delays(p50=p50, p90=p90, p95=p95, max=top / 1000)


def merged(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    """One histogram from several (a report's groups into its total)."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for value, n in histogram.items():
            total[value] = total.get(value, 0) + n
    return total
