"""`lead-router crm owners`: the CRM's owners next to the roster, flagging members with
no CRM id or one the CRM does not know (asked for real when a CRM is configured)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from starter.cli.common import JsonOpt, RulesOpt, fail, rules_from

crm_app = typer.Typer(help="The CRM lead-router writes owners to.", no_args_is_help=True)


@crm_app.command("owners")
def owners(
    rules: RulesOpt = None,
    as_json: JsonOpt = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Check the rules file only; ask no CRM.")
    ] = False,
) -> None:
    """List the CRM's owners beside the roster; exit 1 when a member's id is missing or
    unknown to the CRM."""
    from activities.crm.http import CrmRejected, CrmUnavailable
    from domain.crm import Crm, roster_vs_crm
    from starter.runtime.crm import crm_client
    from starter.runtime.settings import Settings

    roster = rules_from(rules)
    settings = Settings().crm
    client = None if offline else crm_client(settings)
    crm: Crm = settings.crm or "hubspot"
    name = {"hubspot": "HubSpot owners", "salesforce": "Salesforce users"}[crm]
    users = None
    if client is not None:
        try:
            users = asyncio.run(client.users())
        except (CrmUnavailable, CrmRejected) as exc:
            raise fail(f"cannot list the {client.crm} owners: {exc}") from None
    rows = roster_vs_crm(roster, crm, users)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        table = Table(title=f"roster and {name}" if users is not None else "roster (no CRM "
                      "asked: set LEAD_ROUTER_HUBSPOT_TOKEN or LEAD_ROUTER_SALESFORCE_*)")  # fmt: skip
        for column in rows[0] if rows else []:
            table.add_column(column)
        for row in rows:
            table.add_row(
                *(f"[red]{v}[/red]" if k == "problem" and v else v for k, v in row.items())
            )
        Console(width=160).print(table)
    if any(r["problem"] and r["member"] for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(crm_app, name="crm")
