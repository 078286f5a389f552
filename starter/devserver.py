"""The embedded Temporal: the `temporal` CLI's dev server on a SQLite file."""

from __future__ import annotations

import asyncio
import socket
import subprocess
from pathlib import Path

from temporalio.client import Client

from starter.runtime.binaries import temporal_cli
from starter.runtime.lead_codec import LeadKeySource
from starter.runtime.settings import TemporalSettings
from starter.runtime.temporal import connect
from workflows.search_attributes import dev_server_flags

# The history service reads each of its task queues (transfer: new workflow tasks;
# timer: SLA deadlines; visibility: search attributes) at most 20 times a second per
# shard by default. The dev server has one shard, so under a steady stream of leads a
# new lead's first workflow task waited for the next read: 15 leads/s, first-task
# pickup p50 25-31 ms; with these, 2.5-3 ms (bench/README.md). deploy/dynamicconfig.yaml
# sets the same for the compose server.
SERVER_RATES = {
    "history.transferProcessorMaxPollRPS": 1000,
    "history.timerProcessorMaxPollRPS": 1000,
    "history.visibilityProcessorMaxPollRPS": 1000,
    # the console's queue asks visibility a dozen counts a view (starter/console/
    # queue_order.py); the server's default of 10 a second would hold views back ~1 s
    "frontend.namespaceRPS.visibility": 200,
}


def server_flags() -> list[str]:
    """Flags for `temporal server start-dev`: our search attributes, low-latency queues,
    room for the console's visibility counts."""
    flags = dev_server_flags()
    for key, value in SERVER_RATES.items():
        flags += ["--dynamic-config-value", f"{key}={value}"]
    return flags


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DevServer:
    """`temporal server start-dev` with persistence, the Web UI and our search attributes."""

    def __init__(self, data_dir: Path, port: int = 7233, ui_port: int = 8233) -> None:
        self.data_dir = data_dir
        self.port = port
        self.ui_port = ui_port
        self.process: subprocess.Popen[bytes] | None = None
        self._log_start = 0  # where this run's lines begin in temporal.log

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for port in (self.port, self.ui_port):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(
                        f"port {port} is in use (another `lead-router up`?); "
                        "pick others with --temporal-port / --ui-port"
                    )
        log = (self.data_dir / "temporal.log").open("ab")
        self._log_start = log.tell()
        self.process = subprocess.Popen(
            [
                temporal_cli(),
                "server",
                "start-dev",
                "--db-filename",
                str(self.data_dir / "temporal.db"),
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ui-port",
                str(self.ui_port),
                "--log-level",
                "warn",
                *server_flags(),
            ],
            stdout=log,
            stderr=log,
        )

    async def connect(
        self,
        namespace: str = "default",
        timeout: float = 60.0,
        lead_keys: LeadKeySource | None = None,
    ) -> Client:
        """Wait until the server answers, then return a client (sealing each lead's
        payloads with its key when given the app database's `lead_keys`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"the Temporal dev server exited ({self.process.returncode}); "
                    f"see {self.data_dir / 'temporal.log'}:\n{self.log_tail()}"
                )
            try:
                return await connect(
                    TemporalSettings(address=self.address, namespace=namespace), lead_keys
                )
            except ConnectionError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    def log_tail(self, lines: int = 15) -> str:
        """The last lines this run wrote to temporal.log."""
        with (self.data_dir / "temporal.log").open("rb") as log:
            log.seek(self._log_start)
            said = log.read().decode(errors="replace").splitlines()
        return "\n".join(said[-lines:])

    def bind_failed(self) -> bool:
        """Whether this run exited because one of its ports was taken meanwhile."""
        return (
            self.process is not None
            and self.process.poll() is not None
            and ("address already in use" in self.log_tail(200).lower())
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
