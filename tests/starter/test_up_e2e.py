"""End to end: `lead-router up` on free ports, the CLI against it, a restart on the same data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from starter.devserver import free_port

BIN = Path(sys.executable).parent / "lead-router"
LEADS = [
    {"email": "cto@acme-robotics.com", "lead_type": "demo_request", "country": "US", "state": "CA"},
    {"email": "ops@northwind.io", "lead_type": "pricing", "country": "US", "state": "NY"},
    {"email": "reader@tinytasks.app", "lead_type": "webinar"},
    {"email": "new@sakura-systems.jp", "lead_type": "trial_signup"},
]


class Up:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port, self.ui_port, self.api_port = free_port(), free_port(), free_port()
        self.env = {**os.environ, "LEAD_ROUTER_DATABASE_URL": "", "DATABASE_URL": ""}
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        self.process = subprocess.Popen(
            [str(BIN), "up", "--data-dir", str(self.data_dir),
             "--temporal-port", str(self.port), "--ui-port", str(self.ui_port),
             "--api-port", str(self.api_port)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env,
            start_new_session=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until `ready` (or exit)
        assert "ready" in line, (line, self.process.stderr.read() if self.process.stderr else "")
        return line

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN), *args, "--address", f"127.0.0.1:{self.port}"],
            input=stdin, capture_output=True, text=True, timeout=60, env=self.env,
        )  # fmt: skip


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    server = Up(tmp_path / "data")
    yield server
    if server.process and server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGKILL)


def _status(up: Up, email: str) -> dict[str, object]:
    for _ in range(100):
        result = up.cli("status", email, "--json")
        assert result.returncode == 0, result.stderr
        state: dict[str, object] = json.loads(result.stdout)
        if state["status"] != "routing":
            return state
        time.sleep(0.1)
    raise AssertionError(f"{email} never left routing")


def test_up_submit_act_restart_and_find_every_lead(up: Up) -> None:
    ready = up.start()
    assert f"http://127.0.0.1:{up.ui_port}" in ready

    lines = "\n".join(json.dumps(x) for x in LEADS) + "\n"
    database = str(up.data_dir / "lead-router.db")  # the intake's, as `up` uses it
    submitted = up.cli("submit", "-", "--database", database, stdin=lines)
    assert submitted.returncode == 0, submitted.stderr
    ids = [json.loads(line) for line in submitted.stdout.splitlines()]
    assert len(ids) == len(LEADS) and all(i["lead_id"] == i["workflow_id"] for i in ids)
    assert {i["status"] for i in ids} == {"started"} and not any(i["duplicate"] for i in ids)
    again = up.cli("submit", "-", "--database", database, stdin=lines)
    assert [json.loads(line)["duplicate"] for line in again.stdout.splitlines()] == [True] * 4

    before = {lead["email"]: _status(up, str(lead["email"])) for lead in LEADS}
    assert before["cto@acme-robotics.com"]["team"] == "enterprise-us-west"
    assert before["new@sakura-systems.jp"]["status"] == "onboarding"

    owner = str(before["ops@northwind.io"]["owner"])
    refused = up.cli("act", "ops@northwind.io", "--owner", "someone.else")
    assert refused.returncode == 1 and "not the current owner" in refused.stderr
    acted = up.cli("act", "ops@northwind.io", "--owner", owner, "--action", "meeting_booked")
    assert acted.returncode == 0, acted.stderr
    assert json.loads(acted.stdout)["status"] == "actioned"

    assert up.stop() == 0
    up.start()
    for lead in LEADS:
        email = str(lead["email"])
        after = _status(up, email)
        if email == "ops@northwind.io":
            assert after["status"] == "actioned" and after["owner"] == owner
        else:
            for key in ("status", "owner", "team", "sla_due_at", "escalation_level"):
                assert after[key] == before[email][key], (email, key)
    assert up.stop() == 0
