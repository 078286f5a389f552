"""`lead-router up`: the embedded Temporal, the worker, and optionally the demo leads."""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import signal
from dataclasses import replace

import uvicorn
from rich.table import Table
from temporalio.client import Client

from activities.catalog import read_accounts
from activities.database import Database
from activities.lead_activities import LeadActivities
from activities.rules_file import refuse_invalid_rules
from domain.intake import InvalidSubmission, parse_submission
from domain.models import Account
from starter.api.app import create_app
from starter.api.config import ApiConfig, api_config, webhooks_note
from starter.api.server import uvicorn_config
from starter.console.auth import hash_password
from starter.devserver import DevServer
from starter.intake import OWN_FIELDS, ClientSource, IntakeService, Rejected
from starter.runtime import stdio
from starter.runtime.channels import notification_channels, ops_channels
from starter.runtime.codec import configured_keys
from starter.runtime.crm import crm_client
from starter.runtime.settings import SAMPLE_ACCOUNTS, SAMPLE_LEADS, Settings
from starter.runtime.temporal import connect
from worker import build_worker
from workflows.client import lead_status
from workflows.schedules import ensure_schedules
from workflows.search_attributes import ensure_registered

console = stdio.console(stderr=True)


async def run_up(
    settings: Settings,
    *,
    temporal_port: int,
    ui_port: int,
    external_address: str | None,
    demo: bool,
    api_port: int = 8000,
    insecure: bool = False,
) -> None:
    refuse_invalid_rules(settings.routing.rules_path)  # before Temporal or the API start
    server: DevServer | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    database = await Database(settings.database.url, configured_keys(settings.codec)).init()
    try:
        if external_address:
            client = await connect(
                settings.with_temporal(external_address).temporal, database.lead_keys
            )
            await ensure_registered(client)  # the embedded server gets them as flags
            ui = "your Temporal Web UI"
        else:
            server = DevServer(settings.paths.data_dir, temporal_port, ui_port)
            server.start()
            client = await server.connect(settings.temporal.namespace, lead_keys=database.lead_keys)
            ui = f"{server.ui_url}/namespaces/{settings.temporal.namespace}/workflows"
        acts = LeadActivities(
            database,
            rules_path=settings.routing.rules_path,
            companies_path=settings.routing.companies_path,
            crm=crm_client(settings.crm),
            channels=notification_channels(settings, server.ui_url if server else None),
            ops=ops_channels(settings),
            qa_dir=settings.paths.data_dir / "qa-samples",
        )
        acts.rules.check()  # primes the last valid version new leads fall back on
        await ensure_schedules(client, settings.temporal.task_queue)  # health, QA sample
        config, password = console_login(
            api_config(settings, insecure=insecure, ui_url=server.ui_url if server else None)
        )
        console.print(webhooks_note(config))
        api_app = create_app(config, database, _shared(client))
        api_server = uvicorn.Server(uvicorn_config(api_app, config, "127.0.0.1", api_port))
        async with build_worker(client, acts, settings.temporal.task_queue):
            api_task = asyncio.create_task(api_server.serve())
            while not api_server.started:
                if api_task.done():
                    raise RuntimeError(f"the API could not start on port {api_port} (in use?)")
                await asyncio.sleep(0.05)
            address = external_address or (server.address if server else "")
            print(
                f"lead-router ready: Temporal {address}, Web UI {ui}, "
                f"console http://127.0.0.1:{api_port}/console, "
                f"API http://127.0.0.1:{api_port} (docs /docs)",
                flush=True,
            )
            if password:
                console.print(
                    f"console login: user demo, password {password} (this run only; set "
                    "LEAD_ROUTER_CONSOLE_USERS or LEAD_ROUTER_API_TOKEN to choose your own)"
                )
            if demo:
                await _demo(client, database, api_app.state.intake, settings)
                console.print(
                    f"Open the console at http://127.0.0.1:{api_port}/console for the queue, "
                    f"the team and the figures, and {ui} for each lead's history. Ctrl-C stops."
                )
            await stop.wait()
            console.print("stopping: the API and the worker finish, then Temporal stops")
            api_server.should_exit = True
            await api_task
    finally:
        await database.close()
        if server is not None:
            server.stop()


def console_login(config: ApiConfig) -> tuple[ApiConfig, str | None]:
    """A fresh clone has no API token and no console users: the console gets a user
    `demo` with a password for this run only, printed beside the console's address."""
    if config.api_token or config.console.users or config.insecure:
        return config, None
    password = secrets.token_urlsafe(12)
    users = f"demo={hash_password(password)}"
    return replace(config, console=config.console.model_copy(update={"users": users})), password


def _shared(client: Client) -> ClientSource:
    async def get() -> Client:
        return client

    return get


async def _demo(
    client: Client, database: Database, intake: IntakeService, settings: Settings
) -> None:
    """The sample leads, through the intake like any other; once per data dir, so a
    restart never re-opens a lead that was handled."""
    if await database.accounts.count() == 0:
        accounts = [a for a in read_accounts(SAMPLE_ACCOUNTS) if isinstance(a, Account)]
        await database.accounts.upsert(accounts)
        console.print(f"imported {len(accounts)} sample CRM accounts")
    lines = [line for line in SAMPLE_LEADS.read_text().splitlines() if line.strip()]
    submitted = await database.deliveries.get(f"demo:id:{_sample_key(lines[0])}") is not None
    if submitted:
        console.print("the sample leads were submitted before: showing where they are now")
    lead_ids = []
    for number, line in enumerate(lines, start=1):
        try:
            lead = parse_submission(json.loads(line), source="demo", id_key=settings.routing.id_key)
        except (InvalidSubmission, ValueError) as exc:
            if not submitted:
                await _submit_sample(intake, line, number)
            else:
                console.print(f"[yellow]{SAMPLE_LEADS.name}:{number}: {exc}[/yellow]")
            continue
        if not submitted:
            await _submit_sample(intake, line, number)
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
    stdio.console().print(table)


def _sample_key(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()[:24]


async def _submit_sample(intake: IntakeService, line: str, number: int) -> None:
    try:
        await intake.accept(OWN_FIELDS, line.encode(), _sample_key(line), source="demo")
    except Rejected as exc:
        console.print(
            f"[yellow]{SAMPLE_LEADS.name}:{number}: {exc} "
            f"(kept as dead letter {exc.dead_letter_id})[/yellow]"
        )
