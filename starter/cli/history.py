"""`lead-router history export` and `replay`: proving a change to the workflow code is
safe before it ships."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from starter.cli import common
from starter.cli.common import AddressOpt, LeadArg, NamespaceOpt, err, fail

if TYPE_CHECKING:
    from temporalio.client import Client

    from starter.replay.replayer import ReplayOutcome

history_app = typer.Typer(help="Work with lead histories.", no_args_is_help=True)
PROGRESS_FROM = 10  # histories; fewer finish before a bar is worth drawing


def history_files_of(paths: list[Path]) -> list[Path]:
    from starter.replay.history import HistoryFileError, history_files

    try:
        return history_files(paths)
    except HistoryFileError as exc:
        raise fail(str(exc)) from None


@history_app.command("export")
def export(
    lead: LeadArg,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write here (a name ending in .gz is gzipped); default stdout."),
    ] = None,
    run_id: Annotated[str | None, typer.Option(help="A run other than the latest.")] = None,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: common.DatabaseOpt = None,
    data_dir: common.DataDirOpt = None,
) -> None:
    """Write a lead's history as JSON, ready for `lead-router replay`.

    The format is that of the Web UI's download and `temporal workflow show --output json`.
    """
    from starter.replay.history import fetch_history, write_history

    settings = common.settings_for(address, namespace, database, data_dir)
    lead_id = common.lead_id_of(lead, settings)

    async def run(client: Client) -> None:
        history = await fetch_history(client, lead_id, run_id)
        if out is None:
            sys.stdout.write(history.to_json() + "\n")
        else:
            write_history(history, out)
            err.print(f"wrote {len(history.events)} events of {lead_id} to {out}")

    try:
        common.run_client(settings, run, lead_id, erased_ok=True)  # it stays sealed
    except OSError as exc:
        raise fail(f"{out}: cannot write: {exc.strerror}") from None


def replay(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...", help="History files (.json, .json.gz) or folders of them."
        ),
    ],
) -> None:
    """Replay histories against the current workflow code, one line per history.

    Uses the project's data converter (and payload keys, when configured). Exits 1 if any history does not replay, naming it and the first event the code
    diverges at: the change needs `workflow.patched` (see the README).
    """
    import asyncio

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from starter.replay.replayer import replay_files
    from starter.runtime.codec import CodecError

    files = history_files_of(paths)
    progress = Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=len(files) < PROGRESS_FROM,
    )
    task = progress.add_task("replay", total=len(files))

    def show(outcome: ReplayOutcome) -> None:
        typer.echo(outcome.line())  # stdout; the bar (stderr) keeps below it
        progress.advance(task)

    try:
        with progress:
            settings = common.settings_for()
            outcomes = asyncio.run(
                common.with_app_database(
                    settings,
                    lambda db: replay_files(
                        files, on_outcome=show, data_dir=settings.paths.data_dir, database=db
                    ),
                )
            )
    except CodecError as exc:
        raise fail(str(exc)) from None
    failed = [o for o in outcomes if not o.ok]
    summary = f"{len(outcomes) - len(failed)} of {len(outcomes)} histories replay"
    if failed:
        err.print(f"[red]{summary}; {len(failed)} fail[/red]")
        raise typer.Exit(1)
    err.print(summary)


def register(app: typer.Typer) -> None:
    app.add_typer(history_app, name="history")
    app.command()(replay)
