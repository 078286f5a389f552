"""`lead-router submit`, `status`, `act` and `reassign`: a lead from the terminal."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from starter.cli.common import (
    AddressOpt,
    DatabaseOpt,
    DataDirOpt,
    JsonOpt,
    LeadArg,
    NamespaceOpt,
    fail,
    open_database,
    run_on_lead,
    settings_for,
)

if TYPE_CHECKING:
    from activities.database import Database
    from starter.runtime.settings import Settings

# domain.lifecycle.FirstActionKind's values, spelled here so `--help` imports no model
# (tests/starter/cli/test_cli.py keeps them in step)
ActionName = Literal["first_touch", "meeting_booked", "disqualified", "rejected", "misrouted"]


def submit(
    file: Annotated[
        str, typer.Argument(help="JSON Lines of form submissions, or - for stdin.")
    ] = "-",
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Start one lead workflow per line, through the same intake as the webhooks; prints
    {"lead_id", "workflow_id", "status", "duplicate"} per line.

    A lead that is still open is joined, not routed twice; the same line again within
    the dedupe window is the same delivery. A bad line prints {"line": N, "error": ...},
    is kept as a dead letter, and the exit status is 1.
    """
    import asyncio

    settings = settings_for(address, namespace, database, data_dir)
    target = open_database(settings)
    try:
        source = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise fail(f"{file}: cannot open: {exc.strerror}") from None
    with source:
        lines = source.readlines()
    try:
        errors = asyncio.run(_submit(target, settings, lines))
    except ValueError as exc:
        raise fail(str(exc)) from None
    if errors:
        raise typer.Exit(1)


async def _submit(database: Database, settings: Settings, lines: list[str]) -> int:
    from starter.intake import OWN_FIELDS, Rejected, intake_for

    await database.init()
    try:
        intake = intake_for(database, settings)
        errors = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                accepted = await intake.accept(OWN_FIELDS, line.strip().encode(), source="cli")
            except Rejected as exc:
                errors += 1
                typer.echo(json.dumps({"line": number, "error": str(exc)}))
                continue
            typer.echo(
                json.dumps(
                    {
                        "lead_id": accepted.lead_id,
                        "workflow_id": accepted.workflow_id,
                        "status": accepted.status,
                        "duplicate": accepted.duplicate,
                    }
                )
            )
        return errors
    finally:
        await database.close()


def status(
    lead: LeadArg,
    as_json: JsonOpt = False,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Show where a lead is: status, owner, team, SLA, input warnings and every decision."""
    from domain.texts import describe_state
    from workflows.client import lead_status

    state = run_on_lead(lead, address, namespace, lead_status)
    if as_json:
        typer.echo(state.model_dump_json(indent=2))
    else:
        typer.echo("\n".join(describe_state(state)))


def act(
    lead: LeadArg,
    owner: Annotated[str, typer.Option("--owner", help="The owner taking the action.")],
    action: Annotated[ActionName, typer.Option(help="What the owner did.")] = "first_touch",
    reason: Annotated[
        str | None,
        typer.Option(help="rejected, misrouted: a reason code of the rules' feedback_reasons."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="rejected, misrouted: in your words.")] = None,
    team: Annotated[str | None, typer.Option(help="misrouted: the team it belongs to.")] = None,
    territory: Annotated[
        str | None, typer.Option(help="misrouted: the territory it belongs to.")
    ] = None,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Record the owner's first action, or their feedback: `rejected` closes the lead with
    a reason, `misrouted` routes it again to --team or --territory. Refused (exit 1)
    unless they own the lead and it is still open."""
    from domain.lifecycle import FirstActionKind, Misroute
    from domain.texts import describe_state
    from workflows.client import record_action, report_misrouted

    if action == "misrouted":
        misroute = Misroute(
            owner_id=owner, reason=reason or "", note=note, team=team, territory=territory
        )
        state = run_on_lead(
            lead, address, namespace, lambda c, lead_id: report_misrouted(c, lead_id, misroute)
        )
        typer.echo("\n".join(describe_state(state)))
        return
    kind = FirstActionKind(action)
    outcome = run_on_lead(
        lead,
        address,
        namespace,
        lambda c, lead_id: record_action(c, lead_id, owner, kind, reason=reason, note=note),
    )
    typer.echo(outcome.model_dump_json(indent=2))


def reassign(
    lead: LeadArg,
    to: Annotated[str, typer.Option("--to", help="The new owner's roster id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the lead's history).")],
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Hand a lead to another owner by hand; their SLA clock starts now."""
    from domain.texts import describe_state
    from workflows.client import reassign_lead

    state = run_on_lead(
        lead, address, namespace, lambda c, lead_id: reassign_lead(c, lead_id, to, reason)
    )
    typer.echo("\n".join(describe_state(state)))


def trial_activated(
    lead: LeadArg,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
) -> None:
    """Send the product's trial activation: the trial signup is routed to sales. Refused
    (exit 1) unless the lead is an open trial signup."""
    from workflows.client import NotATrial, activate_trial

    try:
        state = run_on_lead(lead, address, namespace, activate_trial)
    except NotATrial as exc:
        raise fail(f"refused: {exc}", 1) from None
    typer.echo(f"trial activation sent to {state.lead_id}: it is routed to sales now")


def register(app: typer.Typer) -> None:
    for command in (submit, status, act, reassign):
        app.command()(command)
    app.command("trial-activated")(trial_activated)
