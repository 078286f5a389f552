"""`replay_histories_per_s`: the committed corpus replayed with the worker's setup."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from starter.history import history_files
from starter.replay import replay_files

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "histories"


async def run(rounds: int) -> dict[str, Any]:
    files = history_files([CORPUS]) * rounds
    started = time.perf_counter()
    outcomes = await replay_files(files)
    elapsed = time.perf_counter() - started
    return {
        "replay_histories": len(files),
        "replay_failures": sum(1 for o in outcomes if not o.ok),
        "replay_histories_per_s": round(len(files) / elapsed, 1),
    }
