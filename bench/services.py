"""The benchmark's services, each in its own process as they are deployed (see
docker-compose.yml): `python -m bench.services worker|api`, configured by the same
environment variables as `worker.py` and `lead-router api`.

The worker is the production worker (`worker.build_worker`) with FloorWorkflow and its
activities registered beside the lead workflow; the API is the production app
(`starter.api.create_app`) with the floor's start endpoint added behind the same
middleware. Lead and floor therefore share every process, setting and HTTP path.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

import uvicorn

from activities.database import Database
from activities.lead_activities import LeadActivities
from bench.floor import ACTIVITIES as FLOOR_ACTIVITIES
from bench.floor import FloorWorkflow, add_floor_route
from starter.api.config import api_config
from starter.runtime.settings import Settings
from starter.runtime.temporal import ClientProvider, connect
from worker import build_worker


async def worker(settings: Settings) -> None:
    database = await Database(settings.database.url).init()
    client = await connect(settings.temporal, database.lead_keys)  # as deployed
    acts = LeadActivities(
        database,
        rules_path=settings.routing.rules_path,
        companies_path=settings.routing.companies_path,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with build_worker(
            client,
            acts,
            settings.temporal.task_queue,
            settings.temporal.max_cached_workflows,
            extra_workflows=[FloorWorkflow],
            extra_activities=FLOOR_ACTIVITIES,
        ):
            await stop.wait()
    finally:
        await database.close()


async def api(settings: Settings, port: int) -> None:
    # imported here: the app module pulls in FastAPI, which the worker does not need
    from starter.api.app import create_app

    database = await Database(settings.database.url).init()
    clients = ClientProvider(settings.temporal, database.lead_keys)
    app = create_app(api_config(settings, insecure=False, ui_url=None), database, clients)
    add_floor_route(app, clients, settings.temporal.task_queue)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="on")
    )
    try:
        await server.serve()
    finally:
        await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.services", description=__doc__)
    parser.add_argument("service", choices=["worker", "api"])
    parser.add_argument("--port", type=int, default=8000, help="the API's port")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = Settings()
    asyncio.run(worker(settings) if args.service == "worker" else api(settings, args.port))


if __name__ == "__main__":
    main()
