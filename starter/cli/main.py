"""The `lead-router` command line: one module per noun under `starter/cli/`."""

from __future__ import annotations

import os
import sys

import typer
from pydantic import ValidationError

from starter.cli import (
    analytics,
    console,
    crm,
    db,
    dead_letters,
    history,
    keys,
    leads,
    owners,
    qa,
    roster,
    rules,
    service,
)
from starter.cli.common import DataDirOpt, err, given_data_dir


def main() -> None:
    try:
        app()
        code: int = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except ValidationError as exc:  # the environment's settings, named, not a traceback
        for problem in exc.errors(include_url=False):
            where = ".".join(str(p) for p in problem["loc"])
            what = str(problem["msg"]).removeprefix("Value error, ")
            err.print(f"[red]error:[/red] {f'{where}: ' if where else ''}{what}")
        code = 2
    telemetry = sys.modules.get("starter.runtime.telemetry")
    if telemetry is not None:  # imported only by a command that connected to Temporal
        telemetry.shutdown_tracing()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: the Temporal client's Rust threads can abort a
    # short-lived process while Python finalizes (temporalio/sdk-python#300).
    os._exit(code)


app = typer.Typer(
    name="lead-router",
    help="Route inbound B2B leads: enrich, classify, assign, and hold owners to an SLA.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def global_options(data_dir: DataDirOpt = None) -> None:
    given_data_dir(data_dir)


for noun in (
    rules,
    service,
    leads,
    roster,
    owners,
    dead_letters,
    history,
    keys,
    db,
    analytics,
    crm,
    console,
    qa,
):
    noun.register(app)
