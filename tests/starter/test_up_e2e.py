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

    def start(self, *flags: str) -> str:
        """Start `up`; a port another process took between free_port() and the bind is
        picked again (three tries), any other failure fails the test."""
        for _ in range(3):
            line = self._start(*flags)
            if "ready" in line:
                return line
            said = self.process.stderr.read() if self.process and self.process.stderr else ""
            if "address already in use" not in said and "is in use" not in said:
                raise AssertionError((line, said))
            self.port, self.ui_port, self.api_port = free_port(), free_port(), free_port()
        raise AssertionError("up could not find free ports in three tries")

    def _start(self, *flags: str) -> str:
        self.process = subprocess.Popen(
            [str(BIN), "up", "--data-dir", str(self.data_dir),
             "--temporal-port", str(self.port), "--ui-port", str(self.ui_port),
             "--api-port", str(self.api_port), *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env,
            start_new_session=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        return self.process.stdout.readline()  # blocks until `ready` (or exit)

    def demo_table(self) -> list[str]:
        """The demo's table of leads, as printed to a pipe (up to its bottom border)."""
        assert self.process is not None and self.process.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("└"):
            line = self.process.stdout.readline()
            assert line, ("up exited before its demo table", lines)
            lines.append(line.rstrip("\n"))
        return lines

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def cli_local(self, *args: str) -> subprocess.CompletedProcess[str]:
        """A command that reads the data dir, not Temporal."""
        return subprocess.run(
            [str(BIN), *args], capture_output=True, text=True, timeout=60, env=self.env
        )

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
        result = up.cli("status", email, "--json", "--data-dir", str(up.data_dir))
        assert result.returncode == 0, result.stderr
        state: dict[str, object] = json.loads(result.stdout)
        if state["status"] != "routing":
            return state
        time.sleep(0.1)
    raise AssertionError(f"{email} never left routing")


def test_up_submit_act_restart_and_find_every_lead(up: Up) -> None:
    ready = up.start()
    assert f"http://127.0.0.1:{up.ui_port}" in ready
    assert f"console http://127.0.0.1:{up.api_port}/console" in ready

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
    refused = up.cli(
        "act", "ops@northwind.io", "--owner", "someone.else", "--data-dir", str(up.data_dir)
    )
    assert refused.returncode == 1 and "not the current owner" in refused.stderr
    acted = up.cli(
        "act",
        "ops@northwind.io",
        "--owner",
        owner,
        "--action",
        "meeting_booked",
        "--data-dir",
        str(up.data_dir),
    )
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
    # the trial activates: the command reads the lead's state, sealed with its key
    data_dir = ("--data-dir", str(up.data_dir))
    activated = up.cli("trial-activated", "new@sakura-systems.jp", *data_dir)
    assert activated.returncode == 0, activated.stderr
    routed = _status(up, "new@sakura-systems.jp")
    deadline = time.monotonic() + 30
    while routed["status"] == "onboarding" and time.monotonic() < deadline:
        time.sleep(0.2)
        routed = _status(up, "new@sakura-systems.jp")
    assert routed["status"] == "waiting_first_action" and routed["owner"], routed
    assert up.stop() == 0


def test_demo_restarted_leaves_an_actioned_lead_actioned(up: Up) -> None:
    up.start("--demo")
    table = up.demo_table()
    # a pipe gets the whole table: no cell cut to fit 80 columns
    assert not any("…" in line for line in table), table
    assert max(len(line) for line in table) > 80
    row = next(line for line in table if "cfo@ledgerly.com" in line)
    assert "waiting_first_action" in row
    before = _status(up, "cfo@ledgerly.com")
    owner = str(before["owner"])
    acted = up.cli(
        "act",
        "cfo@ledgerly.com",
        "--owner",
        owner,
        "--action",
        "meeting_booked",
        "--data-dir",
        str(up.data_dir),
    )
    assert acted.returncode == 0, acted.stderr
    roster = up.cli_local("--data-dir", str(up.data_dir), "roster", "--json")
    loads = {m["id"]: m["open_leads"] for t in json.loads(roster.stdout)["teams"]
             for m in t["members"]}  # fmt: skip
    assert sum(loads.values()) > 0  # the roster reads up's database, not the default one
    assert up.stop() == 0

    up.start("--demo")
    again = up.demo_table()
    row = next(line for line in again if "cfo@ledgerly.com" in line)
    assert "actioned" in row and "waiting_first_action" not in row, row
    after = _status(up, "cfo@ledgerly.com")
    assert (after["status"], after["owner"], after["first_action"]) == (
        "actioned", owner, "meeting_booked")  # fmt: skip
    assert after["resubmissions"] == [] and len(after["decisions"]) == len(before["decisions"])
    closed = up.cli("act", "cfo@ledgerly.com", "--owner", owner, "--data-dir", str(up.data_dir))
    assert closed.returncode == 1
    assert f"refused: already actioned by {owner} on " in closed.stderr
    assert "UTC (meeting_booked)" in closed.stderr
    assert up.stop() == 0
