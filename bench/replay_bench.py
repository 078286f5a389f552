"""`replay_histories_per_s`: the committed corpus replayed with the worker's setup, as
`lead-router replay` replays it (several rounds of it: a corpus of real leads' histories
runs to hundreds, and from `starter.replay.FILES_PER_PROCESS` files on the replay is
shared with a process per core).

Two figures: with the history cache warm (each file's events already kept in binary
form, as on every run after the first: `starter.replay.history.read_history`), and cold (every
file's JSON parsed, as on a first run or with `LEAD_ROUTER_HISTORY_CACHE=off`)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starter.replay.history import history_files
from starter.replay.replayer import replay_files

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


def run_fresh(rounds: int) -> dict[str, Any]:
    """`run` in a new process, as `lead-router replay` runs: not in a process that has
    just driven the end-to-end phases (its heap and threads slowed replay ~10%)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.replay_bench", str(rounds)],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.PIPE,  # its errors, if any, reach the terminal
        text=True,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(int(sys.argv[1])))))
