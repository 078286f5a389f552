"""`replay_histories_per_s`: the committed corpus replayed with the worker's setup.

Two figures: with the history cache warm (each file's events already kept in binary
form, as on every run after the first: `starter.history.read_history`), and cold (every
file's JSON parsed, as on a first run or with `LEAD_ROUTER_HISTORY_CACHE=off`)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starter.history import history_files
from starter.replay import replay_files

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "histories"
CACHE = "LEAD_ROUTER_HISTORY_CACHE"


@contextmanager
def _cache(value: str) -> Iterator[None]:
    before = os.environ.get(CACHE)
    os.environ[CACHE] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[CACHE]
        else:
            os.environ[CACHE] = before


async def _timed(files: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    outcomes = await replay_files(files)
    return len(files) / (time.perf_counter() - started), sum(1 for o in outcomes if not o.ok)


async def run(rounds: int) -> dict[str, Any]:
    corpus = history_files([CORPUS])
    files = corpus * rounds
    with _cache("off"):
        cold, cold_failures = await _timed(files)
    with tempfile.TemporaryDirectory() as folder, _cache(folder):
        await replay_files(corpus)  # fills the cache, as a first run does
        warm, warm_failures = await _timed(files)
    return {
        "replay_histories": len(files),
        "replay_failures": cold_failures + warm_failures,
        "replay_histories_per_s": round(warm, 1),
        "replay_cold_histories_per_s": round(cold, 1),
    }
