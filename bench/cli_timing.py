"""`cli_*_s`: whole-process times of the commands a person types most, as they type them:
`lead-router --help`, `route` on one lead, and `status` against a running `up`
(interpreter start, imports, the work, exit), the median of N runs each."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from starter.devserver import free_port

BIN = Path(sys.executable).parent / "lead-router"
LEAD = {"email": "cto@acme-robotics.com", "lead_type": "demo_request", "company_size": 2000,
        "country": "US", "state": "CA"}  # fmt: skip


def _timed(args: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, env=env, capture_output=True, check=True, timeout=60)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def run(runs: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        lead = Path(tmp) / "lead.jsonl"
        lead.write_text(json.dumps(LEAD) + "\n")
        env = {**os.environ, "LEAD_ROUTER_DATA_DIR": str(data), "LEAD_ROUTER_DATABASE_URL": ""}
        result = {
            "cli_help_s": _timed([str(BIN), "--help"], env, runs),
            "cli_route_one_s": _timed([str(BIN), "route", str(lead)], env, runs),
        }
        port = free_port()
        up = subprocess.Popen(
            [str(BIN), "up", "--temporal-port", str(port), "--ui-port", str(free_port()),
             "--api-port", str(free_port())],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            assert up.stdout is not None and "ready" in up.stdout.readline()
            address = ["--address", f"127.0.0.1:{port}"]
            submit = [str(BIN), "submit", str(lead), *address]
            subprocess.run(submit, env=env, check=True, capture_output=True, timeout=60)
            status = [str(BIN), "status", str(LEAD["email"]), *address]
            result["cli_status_s"] = _timed(status, env, runs)
        finally:
            os.killpg(up.pid, signal.SIGTERM)
            up.wait(timeout=60)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
