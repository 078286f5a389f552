"""`lead-router submit`, `status`, `act`, `reassign` and `erase`: a lead from the
terminal."""

from __future__ import annotations

import getpass
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
    lead_id_of,
    open_database,
    run_on_lead,
    settings_for,
)

if TYPE_CHECKING:
    from activities.database import Database
    from activities.database.tables import ErasureRow
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
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Show where a lead is: status, owner, team, SLA, input warnings and every decision."""
    from domain.texts import describe_state
    from workflows.client import lead_status

    state = run_on_lead(lead, address, namespace, lead_status, database, data_dir)
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
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
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
            lead, address, namespace, lambda c, lead_id: report_misrouted(c, lead_id, misroute),
            database, data_dir,
        )  # fmt: skip
        typer.echo("\n".join(describe_state(state)))
        return
    kind = FirstActionKind(action)
    outcome = run_on_lead(
        lead,
        address,
        namespace,
        lambda c, lead_id: record_action(c, lead_id, owner, kind, reason=reason, note=note),
        database,
        data_dir,
    )
    typer.echo(outcome.model_dump_json(indent=2))


def reassign(
    lead: LeadArg,
    to: Annotated[str, typer.Option("--to", help="The new owner's roster id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the lead's history).")],
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Hand a lead to another owner by hand; their SLA clock starts now."""
    from domain.texts import describe_state
    from workflows.client import reassign_lead

    state = run_on_lead(
        lead,
        address,
        namespace,
        lambda c, lead_id: reassign_lead(c, lead_id, to, reason),
        database,
        data_dir,
    )
    typer.echo("\n".join(describe_state(state)))


YesOpt = Annotated[bool, typer.Option("--yes", help="Erase without asking first (for scripts).")]
ByOpt = Annotated[
    str | None,
    typer.Option("--by", help="Who asked for it, recorded with the erasure (default: you)."),
]


def erase(
    lead: LeadArg,
    yes: YesOpt = False,
    by: ByOpt = None,
    as_json: JsonOpt = False,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Erase a person's lead on request (GDPR): end its workflow, destroy the key that
    seals its history in Temporal, delete its deliveries, dead letters, notification texts
    and CRM rows. Its routing facts (team, owner, times, outcome) stay for analytics; the
    erasure is recorded (when, by whom, which lead id). Cannot be undone."""
    settings = settings_for(address, namespace, database, data_dir)
    lead_id = lead_id_of(lead, settings)
    email = lead.strip().lower() if "@" in lead else None
    if not yes:
        if not sys.stdin.isatty():
            raise fail("erasure cannot be undone: add --yes to erase without a prompt")
        typer.confirm(f"Erase lead {lead_id} for good?", abort=True)
    erasure = _erase(settings, lead_id, by or f"cli:{getpass.getuser()}", email)
    if as_json:
        record = erasure.model_dump(mode="json", exclude={"id"})
        typer.echo(json.dumps(record))
    else:
        typer.echo(
            f"erased lead {lead_id}: workflow {erasure.workflow}; {erasure.rows}; "
            "its routing facts stay in analytics"
        )


def _erase(settings: Settings, lead_id: str, erased_by: str, email: str | None) -> ErasureRow:
    import asyncio

    from temporalio.service import RPCError

    from activities.database.database import SchemaOutOfDate
    from starter.erasure import erase_lead
    from starter.runtime.temporal import connect

    database = open_database(settings)

    async def run() -> ErasureRow:
        try:
            await database.init()
            client = await connect(settings.temporal, database.lead_keys)
            return await erase_lead(client, database, lead_id, erased_by, email)
        finally:
            await database.close()

    try:
        return asyncio.run(run())
    except (ConnectionError, SchemaOutOfDate) as exc:
        raise fail(f"{exc}; nothing was erased") from None
    except RPCError as exc:
        raise fail(f"Temporal: {exc.message}; nothing was erased") from None


def trial_activated(
    lead: LeadArg,
    address: AddressOpt = None,
    namespace: NamespaceOpt = None,
    database: DatabaseOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Send the product's trial activation: the trial signup is routed to sales. Refused
    (exit 1) unless the lead is an open trial signup."""
    from workflows.client import NotATrial, activate_trial

    try:
        state = run_on_lead(lead, address, namespace, activate_trial, database, data_dir)
    except NotATrial as exc:
        raise fail(f"refused: {exc}", 1) from None
    typer.echo(f"trial activation sent to {state.lead_id}: it is routed to sales now")


def register(app: typer.Typer) -> None:
    for command in (submit, status, act, reassign, erase):
        app.command()(command)
    app.command("trial-activated")(trial_activated)
