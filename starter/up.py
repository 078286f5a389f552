"""`lead-router up`: the embedded Temporal, the worker, and optionally the demo leads."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

import uvicorn
from rich.console import Console
from rich.table import Table
from temporalio.client import Client

from activities.catalog import read_accounts
from activities.lead_activities import LeadActivities
from activities.store import Store
from domain.intake import InvalidSubmission, parse_submission
from domain.models import Account
from starter.api import create_app
from starter.cli_api import api_config
from starter.config import SAMPLE_ACCOUNTS, SAMPLE_LEADS, Settings
from starter.devserver import DevServer
from starter.intake import ClientSource
from starter.leads import lead_status, start_lead
from starter.temporal import connect
from worker import build_worker
from workflows.search_attributes import ensure_registered

console = Console(stderr=True)


async def run_up(
    settings: Settings,
    *,
    data_dir: Path,
    temporal_port: int,
    ui_port: int,
    external_address: str | None,
    demo: bool,
    api_port: int = 8000,
) -> None:
    if not os.environ.get("LEAD_ROUTER_DATABASE_URL") and not os.environ.get("DATABASE_URL"):
        settings = replace(settings, database_url=str(data_dir / "lead-router.db"))
    server: DevServer | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    store = await Store(settings.database_url).init()
    try:
        if external_address:
            client = await connect(external_address, settings.temporal_namespace)
            await ensure_registered(client)  # the embedded server gets them as flags
            ui = "your Temporal Web UI"
        else:
            server = DevServer(data_dir, temporal_port, ui_port)
            server.start()
            client = await server.connect(settings.temporal_namespace)
            ui = f"{server.ui_url}/namespaces/{settings.temporal_namespace}/workflows"
        acts = LeadActivities(
            store,
            rules_path=settings.rules_path,
            companies_path=settings.companies_path,
            slack_webhook_url=settings.slack_webhook_url,
        )
        insecure = bool(api_config(settings, insecure=True, ui_url=None).missing_secrets())
        if insecure:
            console.print(
                "[yellow]webhook secrets not set: the API runs in INSECURE development mode "
                "(unsigned webhooks accepted). Set LEAD_ROUTER_WEBHOOK_SECRET, "
                "LEAD_ROUTER_HUBSPOT_SECRET and LEAD_ROUTER_TYPEFORM_SECRET for real use.[/yellow]"
            )
        ui_base = server.ui_url if server else None
        api_app = create_app(
            api_config(settings, insecure=insecure, ui_url=ui_base),
            store,
            _shared(client),
        )
        api_server = uvicorn.Server(
            uvicorn.Config(api_app, host="127.0.0.1", port=api_port, log_level="warning")
        )
        async with build_worker(client, acts, settings.task_queue):
            api_task = asyncio.create_task(api_server.serve())
            while not api_server.started:
                if api_task.done():
                    raise RuntimeError(f"the API could not start on port {api_port} (in use?)")
                await asyncio.sleep(0.05)
            address = external_address or (server.address if server else "")
            print(
                f"lead-router ready: Temporal {address}, Web UI {ui}, "
                f"API http://127.0.0.1:{api_port} (docs /docs)",
                flush=True,
            )
            if demo:
                await _demo(client, store, settings)
                console.print(f"Open {ui} to see each lead's history. Ctrl-C stops.")
            await stop.wait()
            console.print("stopping: the API and the worker finish, then Temporal stops")
            api_server.should_exit = True
            await api_task
    finally:
        await store.close()
        if server is not None:
            server.stop()


def _shared(client: Client) -> ClientSource:
    async def get() -> Client:
        return client

    return get


async def _demo(client: Client, store: Store, settings: Settings) -> None:
    if await store.count_accounts() == 0:
        accounts = [a for a in read_accounts(SAMPLE_ACCOUNTS) if isinstance(a, Account)]
        await store.upsert_accounts(accounts)
        console.print(f"imported {len(accounts)} sample CRM accounts")
    lead_ids = []
    for number, line in enumerate(SAMPLE_LEADS.read_text().splitlines(), start=1):
        try:
            lead = parse_submission(json.loads(line), source="demo", id_key=settings.id_key)
        except InvalidSubmission as exc:
            console.print(f"[yellow]{SAMPLE_LEADS.name}:{number}: {exc} (not submitted)[/yellow]")
            continue
        await start_lead(client, lead, settings.task_queue, submission_id=f"demo-{lead.lead_id}")
        lead_ids.append((lead.email, lead.lead_id))
    table = Table(title=f"{len(lead_ids)} demo leads")
    for column in ("email", "status", "team", "owner", "SLA due (UTC)", "rule"):
        table.add_column(column)
    for email, lead_id in lead_ids:
        state = None
        for _ in range(100):
            state = await lead_status(client, lead_id)
            if state.status.value != "routing":
                break
            await asyncio.sleep(0.1)
        assert state is not None
        due = f"{state.sla_due_at:%a %H:%M}" if state.sla_due_at else "-"
        table.add_row(
            email,
            state.status.value,
            state.team or "-",
            state.owner or "-",
            due,
            ",".join(state.rule_ids),
        )
    Console(file=sys.stdout).print(table)
