"""Output that fits its destination: whole tables and unwrapped lines when stdout or
stderr is a pipe, a file or a log, and `--json` on every command that prints a table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer.main

from starter.cli.main import app
from starter.runtime.settings import environment_variables

SCRIPT = Path(sys.executable).parent / "lead-router"
TABLE_COMMANDS = (("roster",), ("dead-letters", "list"), ("simulate",), ("backtest",),
                  ("status",))  # fmt: skip


def lead_router(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in environment_variables()}
    env.pop("COLUMNS", None)  # a pipe's width is Rich's 80 unless we say otherwise
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60
    )


def test_a_table_in_a_pipe_is_whole(tmp_path: Path) -> None:
    result = lead_router("roster", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert not any("…" in line for line in lines), lines[:5]
    assert max(len(line) for line in lines) > 80
    assert "America/Los_Angeles" in result.stdout and "\x1b[" not in result.stdout


def test_an_error_in_a_log_is_one_line(tmp_path: Path) -> None:
    result = lead_router("dead-letters", "list", "--data-dir", "no/such/place", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and len(result.stderr) > 80, result.stderr
    assert result.stderr.startswith("error: no app database at no/such/place/lead-router.db")


def test_every_command_that_prints_a_table_has_json() -> None:
    root = typer.main.get_command(app)
    for words in TABLE_COMMANDS:
        command = root
        for word in words:
            command = command.commands[word]  # type: ignore[attr-defined]
        options = {o for p in command.params for o in p.opts}
        assert "--json" in options, words


def test_the_api_says_where_it_listens(tmp_path: Path) -> None:
    from starter.devserver import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in environment_variables()}
    service = subprocess.Popen(
        [str(SCRIPT), "api", "--insecure-dev", "--port", str(port), "--data-dir", "data",
         "--address", "127.0.0.1:1"],
        cwd=tmp_path, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert service.stderr is not None
        lines: list[str] = []
        while not lines or "listening" not in lines[-1]:  # blocks until it says so
            lines.append(service.stderr.readline())
            assert lines[-1], ("the API exited", lines)
        assert f"lead-router API listening on http://127.0.0.1:{port} (docs /docs)" in lines[-1]
    finally:
        service.terminate()
        service.wait(timeout=30)
